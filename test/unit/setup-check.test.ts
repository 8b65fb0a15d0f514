import { DescribeEventBusCommand, EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeStreamSummaryCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetTopicAttributesCommand, PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AssumeRoleCommand as NestedAssumeRole, STSClient as NestedSts } from '@aws-sdk/nested-clients/sts';
import { mockClient } from 'aws-sdk-client-mock';
import { checkDestination } from '../../lambda/control-plane/registry/setup-check';
import { DestinationClients } from '../../lambda/dispatcher/deliver/clients';
import {
  assumedRoleCredentials,
  busDestination,
  EXTERNAL_ID,
  fifoQueueDestination,
  fifoTopicDestination,
  lambdaDestination,
  streamDestination,
} from '../support/fixtures';

const sts = mockClient(STSClient);
const nestedSts = mockClient(NestedSts);
const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const kinesis = mockClient(KinesisClient);
const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const kms = mockClient(KMSClient);

const ON_PATH = 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery';
const topic = { ...fifoTopicDestination, roleArn: ON_PATH };
const fn = { ...lambdaDestination, roleArn: ON_PATH };
const TOPIC_KEY = 'arn:aws:kms:us-east-1:111122223333:key/0b5bd9a5-3dce-4c8b-9a3b-0c53d2f8d4a1';
const awsError = (name: string, message = name) =>
  Object.assign(new Error(message), { name, $fault: 'client' });

const check = (destination: Parameters<typeof checkDestination>[0], sendTestEvent = false) =>
  checkDestination(destination, {
    clients: new DestinationClients({ sessionName: 'setup-check' }),
    sts: new STSClient({ region: 'us-east-1' }),
    sendTestEvent,
  });
const verdicts = (steps: Awaited<ReturnType<typeof check>>) =>
  Object.fromEntries(steps.map((s) => [s.step, s.verdict]));
const failing = (steps: Awaited<ReturnType<typeof check>>) => steps.filter((s) => s.verdict === 'fail');

beforeEach(() => {
  for (const mock of [sts, nestedSts, sns, lambda, kinesis, eventBridge, sqs, kms]) mock.reset();
  nestedSts.on(NestedAssumeRole).resolves(assumedRoleCredentials());
  // A well-built trust policy: the external id is required, and no other will do.
  sts.on(AssumeRoleCommand).rejects(awsError('AccessDenied', 'not authorized'));
  sts.on(AssumeRoleCommand, { ExternalId: EXTERNAL_ID }).resolves(assumedRoleCredentials());
  sts.on(GetCallerIdentityCommand).resolves({
    Arn: 'arn:aws:sts::123456789012:assumed-role/EventDeliveryPlatform-Dispatcher/setup-check',
  });
  kms.on(GenerateDataKeyCommand).resolves({ CiphertextBlob: Uint8Array.of(1, 2, 3) });
  kms.on(DecryptCommand).resolves({});
  sns.on(GetTopicAttributesCommand).resolves({
    Attributes: { FifoTopic: 'true', KmsMasterKeyId: 'alias/topics', MaximumMessageSize: '1048576' },
  });
  sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm' }] });
  lambda.on(InvokeCommand).resolves({ StatusCode: 204 });
});

describe('the setup check', () => {
  it('passes a sound SNS setup, reporting the FIFO, key and real message size limit', async () => {
    const steps = await check(topic, true);

    expect(failing(steps)).toEqual([]);
    expect(steps.find((s) => s.step === 'message size')?.detail).toContain('1048576 bytes');
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: ON_PATH, ExternalId: EXTERNAL_ID });
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
  });

  it("compares the topic's real MaximumMessageSize with the destination's", async () => {
    const raised = { ...topic, maxMessageBytes: 1_048_576 };
    expect(verdicts(await check(raised))['message size']).toBe('ok');

    const [advice] = (await check(topic)).filter((s) => s.step === 'message size');
    expect(advice.verdict).toBe('warn');
    expect(advice.fix).toBe('update the destination with --max-message-bytes 1048576');

    sns.on(GetTopicAttributesCommand).resolves({ Attributes: { FifoTopic: 'true' } });
    const [problem] = failing(await check(raised));
    expect(problem.detail).toMatch(/topic accepts only 262144: SNS would refuse larger events/);
  });

  it('fails loudly when the trust policy lets the platform in without the external id', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, { ExternalId: undefined }).resolves(assumedRoleCredentials());

    // Act
    const [problem] = failing(await check(topic));

    // Assess
    expect(problem.step).toBe('assume role without the external id');
    expect(problem.detail).toMatch(
      /^ALLOWED: the trust policy does not require the external id \(AssumeRole succeeded without an external id\)/,
    );
    expect(problem.fix).toBe(
      `add the condition "StringEquals": { "sts:ExternalId": "${EXTERNAL_ID}" } to the trust policy statement (the DeliveryRole construct does)`,
    );
  });

  it("finds a trust policy without the condition though the dispatcher's own policy refuses AssumeRole without an external id", async () => {
    // Prepare: as in AWS, where the dispatcher's own policy requires it to present an external id.
    sts.on(AssumeRoleCommand).callsFake((input: { ExternalId?: string }) => {
      if (input.ExternalId === undefined) throw awsError('AccessDenied', 'not authorized');
      return assumedRoleCredentials();
    });

    // Act
    const [problem] = failing(await check(topic));

    // Assess
    expect(problem.step).toBe('assume role without the external id');
    expect(problem.detail).toContain('AssumeRole succeeded with an external id of no workspace');
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 3);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      ExternalId: expect.stringMatching(/^cdp-setup-check-[0-9a-f]{32}$/),
    });
    expect(sns).not.toHaveReceivedCommand(GetTopicAttributesCommand);
  });

  it('names the trust policy when the external id is refused (a wrong one, or another workspace role)', async () => {
    sts
      .on(AssumeRoleCommand, { ExternalId: EXTERNAL_ID })
      .rejects(awsError('AccessDenied', 'not authorized'));

    const steps = await check(topic);

    expect(verdicts(steps)['assume role with the external id']).toBe('fail');
    expect(failing(steps)[0].fix).toContain(EXTERNAL_ID);
    expect(sns).not.toHaveReceivedCommand(GetTopicAttributesCommand);
  });

  it('says when it cannot act as the dispatcher, before blaming the customer', async () => {
    // Prepare
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'));

    // Act
    const steps = await check(topic);

    // Assess
    expect(steps).toEqual([
      {
        step: 'dispatcher identity',
        verdict: 'fail',
        detail:
          "the check could not act as the platform's dispatcher: AccessDenied: AccessDenied: not authorized to perform: sts:AssumeRole",
        fix: "run it with credentials that may assume the dispatcher's role (--dispatcher-role-arn, or DISPATCHER_ROLE_ARN): that role's trust policy must admit them",
      },
    ]);
    expect(sts).not.toHaveReceivedCommand(AssumeRoleCommand);
  });

  it('refuses a role off the delivery-role path', async () => {
    const [problem] = failing(
      await check({ ...topic, roleArn: 'arn:aws:iam::111122223333:role/EventDelivery' }),
    );

    expect(problem.step).toBe('role path');
    expect(problem.fix).toContain('/event-delivery/');
  });

  it('names the missing KMS grant when the test event fails on the topic key', async () => {
    sns.on(PublishBatchCommand).resolves({
      Failed: [{ Id: '0', Code: 'KMSAccessDenied', SenderFault: true, Message: 'not allowed' }],
    });

    const [problem] = failing(await check(topic, true));

    expect(problem.step).toBe('test event');
    expect(problem.detail).toMatch(/^KmsError/);
    expect(problem.fix).toContain('kms:GenerateDataKey');
  });

  it("tries the topic's key through the role as SNS would, and names the grant a refused key needs", async () => {
    // Prepare
    kms
      .on(GenerateDataKeyCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          `User: arn:aws:sts::111122223333:assumed-role/EventDelivery/s is not authorized to perform: kms:GenerateDataKey on resource: ${TOPIC_KEY}`,
        ),
      );
    sns.on(GetTopicAttributesCommand).resolves({
      Attributes: { FifoTopic: 'true', KmsMasterKeyId: TOPIC_KEY, MaximumMessageSize: '262144' },
    });

    // Act
    const steps = await check(topic);

    // Assess
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, {
      KeyId: TOPIC_KEY,
      EncryptionContext: { 'aws:sns:topicArn': topic.topicArn },
    });
    const [problem] = failing(steps);
    expect(problem).toEqual({
      step: 'key use',
      verdict: 'fail',
      detail: expect.stringMatching(
        new RegExp(
          `^the delivery role may not use the topic's key ${TOPIC_KEY}, so SNS would refuse every delivery: AccessDeniedException: User: .* kms:GenerateDataKey`,
        ),
      ),
      fix: expect.stringMatching(
        new RegExp(
          `^grant the delivery role kms:GenerateDataKey and kms:Decrypt on ${TOPIC_KEY} \\(the DeliveryRole construct does, given topicKeys`,
        ),
      ),
    });
    expect(problem.fix).toContain('run the check with --send-test-event');
    expect(steps.at(-1)?.step).toBe('key use');
  });

  it('lets the test event decide a key probe refused directly, as a kms:ViaService key policy refuses it', async () => {
    // Prepare
    kms.on(DecryptCommand).rejects(awsError('AccessDeniedException', 'not authorized: kms:Decrypt'));
    sns.on(GetTopicAttributesCommand).resolves({
      Attributes: { FifoTopic: 'true', KmsMasterKeyId: TOPIC_KEY, MaximumMessageSize: '262144' },
    });

    // Act
    const steps = await check(topic, true);

    // Assess
    expect(verdicts(steps)['key use']).toBe('warn');
    expect(verdicts(steps)['test event']).toBe('ok');
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      KeyId: TOPIC_KEY,
      CiphertextBlob: Uint8Array.of(1, 2, 3),
      EncryptionContext: { 'aws:sns:topicArn': topic.topicArn },
    });
  });

  it("passes a key the role may use, and an AWS managed key of the role's account without a probe", async () => {
    // Prepare
    sns.on(GetTopicAttributesCommand).resolves({
      Attributes: { FifoTopic: 'true', KmsMasterKeyId: TOPIC_KEY, MaximumMessageSize: '262144' },
    });

    // Act
    const customerManaged = (await check(topic)).find((s) => s.step === 'key use');
    sns
      .on(GetTopicAttributesCommand)
      .resolves({ Attributes: { FifoTopic: 'true', KmsMasterKeyId: 'alias/aws/sns' } });
    const awsManaged = (await check(topic)).find((s) => s.step === 'key use');

    // Assess
    expect(customerManaged).toEqual({
      step: 'key use',
      verdict: 'ok',
      detail: 'the delivery role may use the key: kms:GenerateDataKey, kms:Decrypt',
    });
    expect(awsManaged?.verdict).toBe('ok');
    expect(kms).toHaveReceivedCommandTimes(GenerateDataKeyCommand, 1);
  });

  it('finds a FIFO topic given without .fifo, and a topic that does not exist', async () => {
    sns.on(GetTopicAttributesCommand).resolves({ Attributes: { FifoTopic: 'false' } });
    expect(verdicts(await check(topic)).FIFO).toBe('fail');

    sns.on(GetTopicAttributesCommand).rejects(awsError('NotFoundException', 'Topic does not exist'));
    const [problem] = failing(await check(topic));
    expect(problem.fix).toContain('check the topic ARN');
  });

  it('dry-runs a function, and names the missing resource policy of a role-less one with the command that adds it', async () => {
    expect(failing(await check(fn))).toEqual([]);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { InvocationType: 'DryRun' });

    lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException', 'not authorized to invoke'));
    const { roleArn: _r, externalId: _e, ...roleLess } = fn;
    const [problem] = failing(await check(roleLess));
    expect(problem.step).toBe('invoke (DryRun)');
    expect(problem.fix).toBe(
      `add a resource policy to the function letting the platform's dispatcher role invoke it: aws lambda add-permission --function-name ${fn.functionArn} --statement-id event-delivery-platform --action lambda:InvokeFunction --principal arn:aws:iam::123456789012:role/EventDeliveryPlatform-Dispatcher`,
    );
  });

  it('checks a stream is active and encrypted, and puts the test event on it', async () => {
    const stream = { ...streamDestination, roleArn: ON_PATH };
    kinesis.on(DescribeStreamSummaryCommand).resolves({
      StreamDescriptionSummary: {
        StreamStatus: 'ACTIVE',
        EncryptionType: 'KMS',
        KeyId: 'alias/streams',
      } as never,
    });
    kinesis.on(PutRecordsCommand).resolves({ Records: [{ SequenceNumber: '1', ShardId: 'shardId-0' }] });

    expect(failing(await check(stream, true))).toEqual([]);
    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamARN: stream.streamArn });

    kinesis
      .on(DescribeStreamSummaryCommand)
      .resolves({ StreamDescriptionSummary: { StreamStatus: 'CREATING' } as never });
    const [problem] = failing(await check(stream));
    expect(problem.detail).toContain('CREATING');
  });

  it('checks an event bus exists, and puts the test event with its Source', async () => {
    const bus = { ...busDestination, roleArn: ON_PATH };
    eventBridge.on(DescribeEventBusCommand).resolves({ Name: 'customer-events', Arn: bus.eventBusArn });
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });

    const steps = await check(bus, true);

    expect(failing(steps)).toEqual([]);
    expect(verdicts(steps).encryption).toBe('warn');
    eventBridge
      .on(DescribeEventBusCommand)
      .resolves({ Name: 'customer-events', Arn: bus.eventBusArn, KmsKeyIdentifier: 'alias/bus' });
    const encrypted = (await check(bus)).find((s) => s.step === 'encryption');
    // EventBridge uses a bus's key itself: the delivery role needs no grant on it.
    expect(encrypted).toMatchObject({ verdict: 'ok', detail: expect.stringContaining('needs no grant') });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ Source: 'acme.cdp', DetailType: 'Destination Setup Check' })],
    });
  });

  it("checks a queue's FIFO-ness and real size limit, and sends the test event to it", async () => {
    const queue = { ...fifoQueueDestination, roleArn: ON_PATH };
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: { FifoQueue: 'true', KmsMasterKeyId: 'alias/queues', MaximumMessageSize: '1048576' },
    });
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });

    const steps = await check(queue, true);

    expect(failing(steps)).toEqual([]);
    expect(verdicts(steps)['message size']).toBe('warn');
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/orders.fifo',
    });

    sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { FifoQueue: 'false' } });
    expect(verdicts(await check(queue)).FIFO).toBe('fail');

    sqs.on(GetQueueAttributesCommand).rejects(awsError('QueueDoesNotExist', 'no such queue'));
    const [problem] = failing(await check(queue));
    expect(problem.fix).toContain('check the queue ARN');
  });
});
