import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateGrantCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AddPermissionCommand, GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { CheckStep } from '../../lambda/control-plane/registry/setup-check';
import { WorkspaceRegistry } from '../../lambda/control-plane/registry/workspace-registry';
import type { DeliveredPayload } from '../../lambda/shared/ingest-message';
import { emulatorClient, LOCAL_OPERATOR, PLATFORM_ACCOUNT, REGION } from '../../local/accounts';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS, type LocalWorkspace } from '../../local/provision';
import { sendBodies } from '../../local/send-events';
import { generateEvents } from '../../local/test-events';

jest.setTimeout(60_000);

const ROOT = path.join(__dirname, '..', '..');
const SOMEONE_ELSES_EXTERNAL_ID = 'cdp-00000000000000000000000000000000';

/**
 * The four broken setups customers send in, each built as a customer would in their account
 * (through the local platform's endpoint), checked with `npm run destinations -- check` as
 * against AWS.
 */
describe('broken customer setups on the local platform', () => {
  let pipeline: LocalPipeline;
  let workspace: LocalWorkspace;
  let topicKeyArn: string;
  const functionArn = (account: string) => `arn:aws:lambda:${REGION}:${account}:function:orders-fn`;
  const invocations: DeliveredPayload[] = [];
  /** A client of the customer's account, through the gateway as `AWS_ENDPOINT_URL` would send it. */
  const asCustomer = <C extends Parameters<typeof emulatorClient>[0]>(Client: C) =>
    emulatorClient(Client, pipeline.gateway.endpoint, workspace.account) as InstanceType<C>;

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({ workspaces: 1, registryCacheTtlSeconds: 1 });
    [workspace] = pipeline.resources.workspaces;
    const { account } = workspace;
    const iam = asCustomer(IAMClient);
    const topic = workspace.destinations.find((d) => d.id === DESTINATION_IDS.topic);
    const roleFor = async (name: string, condition: Record<string, string>) =>
      (
        await iam.send(
          new CreateRoleCommand({
            RoleName: name,
            Path: '/event-delivery/',
            // As the DeliveryRole construct writes it, but for the condition.
            AssumeRolePolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${PLATFORM_ACCOUNT}:root` },
                  Action: 'sts:AssumeRole',
                  Condition: { StringEquals: condition },
                },
              ],
            }),
          }),
        )
      ).Role?.Arn ?? '';
    const dispatcher = { 'aws:PrincipalArn': pipeline.resources.dispatcherRoleArn };

    // 1. A trust policy with another workspace's external id.
    const wrongExternalId = await roleFor('WrongExternalId', {
      ...dispatcher,
      'sts:ExternalId': SOMEONE_ELSES_EXTERNAL_ID,
    });
    // 2. A trust policy without the external-id condition.
    const noExternalId = await roleFor('NoExternalIdCondition', dispatcher);
    // 3. A topic whose key (moto's default policy: the account root, deferring to IAM) the delivery
    //    role has no grant on, though it may publish to the topic.
    const { KeyMetadata } = await asCustomer(KMSClient).send(
      new CreateKeyCommand({ Description: 'orders topic' }),
    );
    topicKeyArn = KeyMetadata?.Arn ?? '';
    const { TopicArn: lockedTopic = '' } = await asCustomer(SNSClient).send(
      new CreateTopicCommand({ Name: 'orders-locked', Attributes: { KmsMasterKeyId: topicKeyArn } }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: workspace.deliveryRoleArn.split('/').pop(),
        PolicyName: 'orders-locked',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['sns:Publish', 'sns:GetTopicAttributes'], Resource: lockedTopic },
          ],
        }),
      }),
    );
    // 4. The customer's own function, invoked without a delivery role, with no resource policy yet.
    await pipeline.gateway.registerFunction({
      arn: functionArn(account),
      handler: async (payload) => {
        invocations.push(payload as DeliveredPayload);
        return null;
      },
    });

    const registry = new WorkspaceRegistry(
      emulatorClient(DynamoDBClient, pipeline.messagingEndpoint, PLATFORM_ACCOUNT),
      pipeline.resources.registryTable,
      LOCAL_OPERATOR,
    );
    await registry.addInvokeAccount(workspace.id, account);
    const viaTopic = {
      type: 'sns' as const,
      topicArn: topic?.type === 'sns' ? topic.topicArn : '',
      events: ['*'],
    };
    for (const destination of [
      { id: 'wrong-external-id', ...viaTopic, roleArn: wrongExternalId },
      { id: 'no-external-id-condition', ...viaTopic, roleArn: noExternalId },
      {
        id: 'locked-topic',
        type: 'sns' as const,
        topicArn: lockedTopic,
        roleArn: workspace.deliveryRoleArn,
        events: ['*'],
      },
      { id: 'orders-fn', type: 'lambda' as const, functionArn: functionArn(account), events: ['*'] },
    ])
      await registry.addDestination(workspace.id, destination);
    await registry.publish(workspace.id, 'four broken setups');
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  /** `npm run destinations -- check`, as the dispatcher, against the local platform's endpoint. */
  const check = (destinationId: string) =>
    new Promise<{ exitCode: number; steps: CheckStep[] }>((resolve, reject) => {
      const args = [
        ...['--import', 'tsx', 'bin/destinations.ts', '--table', pipeline.resources.registryTable],
        ...[
          'check',
          workspace.id,
          destinationId,
          '--dispatcher-role-arn',
          pipeline.resources.dispatcherRoleArn,
        ],
        '--json',
      ];
      const env = { ...process.env, AWS_ENDPOINT_URL: pipeline.gateway.endpoint, AWS_REGION: REGION };
      execFile(process.execPath, args, { cwd: ROOT, env }, (error, stdout, stderr) => {
        const exitCode = error ? Number(error.code) : 0;
        if (exitCode > 1) return reject(new Error(`check exited ${exitCode}: ${stderr}`));
        resolve({ exitCode, steps: (JSON.parse(stdout) as { steps: CheckStep[] }).steps });
      });
    });
  const failing = (steps: CheckStep[]) => steps.filter((s) => s.verdict === 'fail');
  const sendOneEvent = () =>
    sendBodies(
      pipeline.producer,
      pipeline.resources.ingestQueue.url,
      generateEvents(1, { workspaces: [workspace.id] }),
    );
  /** Polls until `found` returns something, for at most 20 s. */
  const eventually = async <T>(
    found: () => Promise<T | undefined> | T | undefined,
  ): Promise<T | undefined> => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      const value = await found();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return undefined;
  };

  it("passes the customer stack's own destinations, their keys' policies and grants as deployed", async () => {
    // Act
    const outcomes = [];
    for (const id of [
      DESTINATION_IDS.function,
      DESTINATION_IDS.topic,
      DESTINATION_IDS.stream,
      DESTINATION_IDS.queue,
    ])
      outcomes.push({ id, ...(await check(id)) });

    // Assess
    expect(outcomes.map(({ id, exitCode, steps }) => ({ id, exitCode, failing: failing(steps) }))).toEqual(
      [DESTINATION_IDS.function, DESTINATION_IDS.topic, DESTINATION_IDS.stream, DESTINATION_IDS.queue].map(
        (id) => ({ id, exitCode: 0, failing: [] }),
      ),
    );
    const keyUse = outcomes.flatMap(({ steps }) => steps.filter((s) => s.step === 'key use'));
    expect(keyUse.map((s) => s.verdict)).toEqual(['ok', 'ok', 'ok']);
  });

  it('names a wrong external id, and the condition the trust policy needs', async () => {
    // Act
    const { exitCode, steps } = await check('wrong-external-id');

    // Assess
    expect(exitCode).toBe(1);
    expect(failing(steps)).toEqual([
      {
        step: 'assume role with the external id',
        verdict: 'fail',
        detail: expect.stringMatching(
          /^AssumeRole was refused \(AccessDenied\): .* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::\d{12}:role\/event-delivery\/WrongExternalId$/,
        ),
        fix: expect.stringContaining(`"StringEquals": { "sts:ExternalId": "${workspace.externalId}" }`),
      },
    ]);
  });

  it('names a trust policy without the external-id condition', async () => {
    // Act
    const { exitCode, steps } = await check('no-external-id-condition');

    // Assess
    expect(exitCode).toBe(1);
    expect(failing(steps)).toEqual([
      {
        step: 'assume role without the external id',
        verdict: 'fail',
        detail: expect.stringMatching(/^ALLOWED: the trust policy does not require the external id/),
        fix: `add the condition "StringEquals": { "sts:ExternalId": "${workspace.externalId}" } to the trust policy statement (the DeliveryRole construct does)`,
      },
    ]);
  });

  // Before any event is sent: the dispatcher would not call the function again for a minute after an AccessDenied.
  it('names a role-less function without a resource policy, passes once the dispatcher may invoke it, and delivers to it', async () => {
    // Prepare
    const lambda = asCustomer(LambdaClient);
    const { dispatcherRoleArn } = pipeline.resources;
    const fn = functionArn(workspace.account);

    // Act
    const before = await check('orders-fn');
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: fn }));
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: fn,
        StatementId: 'event-delivery-platform',
        Action: 'lambda:InvokeFunction',
        Principal: dispatcherRoleArn,
      }),
    );
    const after = await check('orders-fn');
    await sendOneEvent();
    const delivered = await eventually(() => invocations[0]);

    // Assess
    expect(Configuration?.FunctionArn).toBe(fn);
    expect(before.exitCode).toBe(1);
    expect(failing(before.steps)).toEqual([
      {
        step: 'invoke (DryRun)',
        verdict: 'fail',
        detail: expect.stringMatching(
          /^AccessDenied: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role\/EventDeliveryPlatform-Dispatcher[^/]*\/event-delivery-setup-check is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:\d{12}:function:orders-fn because no resource-based policy allows the lambda:InvokeFunction action$/,
        ),
        fix: `add a resource policy to the function letting the platform's dispatcher role invoke it: aws lambda add-permission --function-name ${fn} --statement-id event-delivery-platform --action lambda:InvokeFunction --principal ${dispatcherRoleArn}`,
      },
    ]);
    expect(after.exitCode).toBe(0);
    expect(after.steps.find((s) => s.step === 'invoke (DryRun)')?.verdict).toBe('ok');
    expect(delivered?.event.event).toEqual(expect.any(String));
  });

  it("names a topic key the delivery role cannot use, dead-letters the topic's events with KmsError, and passes once the role has a grant", async () => {
    // Act
    const before = await check('locked-topic');
    await sendOneEvent();
    const letter = await eventually(async () =>
      (await pipeline.deadLetters()).find((l) => l.destinationId === 'locked-topic'),
    );
    await asCustomer(KMSClient).send(
      new CreateGrantCommand({
        KeyId: topicKeyArn,
        GranteePrincipal: workspace.deliveryRoleArn,
        Operations: ['GenerateDataKey', 'Decrypt'],
      }),
    );
    const after = await check('locked-topic');

    // Assess
    expect(before.exitCode).toBe(1);
    expect(failing(before.steps)).toEqual([
      {
        step: 'key use',
        verdict: 'fail',
        detail: `the delivery role may not use the topic's key ${topicKeyArn}, so SNS would refuse every delivery: AccessDeniedException: User: arn:aws:sts::${workspace.account}:assumed-role/${workspace.deliveryRoleArn.split('/').pop()}/event-delivery-setup-check is not authorized to perform: kms:GenerateDataKey on resource: ${topicKeyArn} because no identity-based policy allows the kms:GenerateDataKey action`,
        fix: expect.stringMatching(
          new RegExp(
            `^grant the delivery role kms:GenerateDataKey and kms:Decrypt on ${topicKeyArn} \\(the DeliveryRole construct does`,
          ),
        ),
      },
    ]);
    expect(letter).toMatchObject({
      errorCode: 'KmsError',
      errorMessage: expect.stringMatching(/^KMSAccessDeniedException: User: .* kms:GenerateDataKey/),
    });
    expect(after.exitCode).toBe(0);
    expect(after.steps.find((s) => s.step === 'key use')).toEqual({
      step: 'key use',
      verdict: 'ok',
      detail: 'the delivery role may use the key: kms:GenerateDataKey, kms:Decrypt',
    });
  });
});
