import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_LATENCIES, LatencyModel } from '../../bench/latency-model';
import { LoopbackAws } from '../../bench/loopback-aws';

const ACCOUNT = '111122223333';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
/** Every call of an operation takes exactly this long (p99 = p50: no spread). */
const fixed = (ms: Partial<Record<keyof typeof DEFAULT_LATENCIES, number>>) =>
  new LatencyModel({
    ...DEFAULT_LATENCIES,
    ...Object.fromEntries(Object.entries(ms).map(([op, p]) => [op, { p50Ms: p, p99Ms: p }])),
  });

describe('LoopbackAws latency', () => {
  const aws = new LoopbackAws({ delayMs: (target) => (target === 'slow' ? 60 : 0) });
  const clients = () => {
    const config = { region: 'us-east-1', endpoint: aws.endpoint, credentials };
    return { lambda: new LambdaClient(config), sts: new STSClient(config), sqs: new SQSClient(config) };
  };
  const timed = async (call: () => Promise<unknown>) => {
    const started = performance.now();
    await call();
    return performance.now() - started;
  };
  const invoke = (lambda: LambdaClient, name: string) =>
    lambda.send(
      new InvokeCommand({
        FunctionName: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`,
        InvocationType: 'Event',
        Payload: Buffer.from('{}'),
      }),
    );

  beforeAll(() => aws.start());
  afterAll(() => aws.stop());
  beforeEach(() => aws.reset());

  it("adds a target's delay to the operation's modelled latency", async () => {
    // Prepare
    aws.latency = fixed({ 'lambda:Invoke': 40 });
    const { lambda } = clients();
    await invoke(lambda, 'warm-up'); // the connection, so only the answer's wait is timed

    // Act
    const quick = await timed(() => invoke(lambda, 'quick'));
    const slow = await timed(() => invoke(lambda, 'slow'));

    // Assess: timers fire no earlier than asked (a millisecond of rounding allowed)
    expect(quick).toBeGreaterThanOrEqual(39);
    expect(slow).toBeGreaterThanOrEqual(99);
    expect(aws.counts.delivered).toEqual(
      new Map([
        ['warm-up', 1],
        ['quick', 1],
        ['slow', 1],
      ]),
    );
  });

  it('delays AssumeRole and SendMessageBatch too, and counts them as before', async () => {
    // Prepare
    aws.latency = fixed({ 'sts:AssumeRole': 50, 'sqs:SendMessageBatch': 30 });
    const { sts, sqs } = clients();

    // Act
    const assumeRole = await timed(() =>
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
          RoleSessionName: 's',
          ExternalId: 'x',
        }),
      ),
    );
    const send = await timed(() =>
      sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: `${aws.endpoint}/${ACCOUNT}/ingest`,
          Entries: [{ Id: '0', MessageBody: '{}' }],
        }),
      ),
    );

    // Assess
    expect(assumeRole).toBeGreaterThanOrEqual(49);
    expect(send).toBeGreaterThanOrEqual(29);
    expect(aws.counts.assumeRole).toBe(1);
    expect(aws.counts.sqsMessages).toEqual(new Map([['', 1]]));
  });

  it('answers at once with the instant model, the default', async () => {
    // Prepare
    aws.latency = LatencyModel.instant();
    const { lambda } = clients();
    await invoke(lambda, 'warm-up');

    // Act
    const quick = await timed(() => invoke(lambda, 'quick'));

    // Assess: well under the 20 ms an Invoke takes under the default model
    expect(quick).toBeLessThan(DEFAULT_LATENCIES['lambda:Invoke'].p50Ms);
    expect(new LoopbackAws().latency.answersAtOnce).toBe(true);
  });
});

describe('LoopbackAws streams, buses and destination queues', () => {
  const aws = new LoopbackAws({ destinationQueues: ['jobs'] });

  beforeAll(() => aws.start());
  afterAll(() => aws.stop());
  beforeEach(() => aws.reset());

  it('answers PutRecords, PutRecord, PutEvents and sends to a destination queue, counting each as delivered', async () => {
    // Prepare
    aws.latency = fixed({ 'kinesis:PutRecords': 30, 'events:PutEvents': 30 });
    const config = { region: 'us-east-1', endpoint: aws.endpoint, credentials };
    const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
    const events = new EventBridgeClient(config);
    const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
    const StreamARN = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`;
    const record = { Data: Buffer.from('{}'), PartitionKey: 'v1' };

    // Act
    const started = performance.now();
    const put = await kinesis.send(new PutRecordsCommand({ StreamARN, Records: [record, record] }));
    const putTook = performance.now() - started;
    await kinesis.send(new PutRecordCommand({ StreamARN, ...record }));
    const bus = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/audit`,
            Source: 's',
            DetailType: 'd',
            Detail: '{}',
          },
        ],
      }),
    );
    const queueUrl = `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/jobs`;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: '0', MessageBody: 'a' },
          { Id: '1', MessageBody: 'b' },
        ],
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'c' }));

    // Assess
    expect(putTook).toBeGreaterThanOrEqual(29);
    expect(put.FailedRecordCount).toBe(0);
    expect(put.Records?.every((r) => r.SequenceNumber)).toBe(true);
    expect(bus.Entries?.[0].EventId).toBeDefined();
    expect(aws.counts.delivered).toEqual(
      new Map([
        ['stream/clicks', 3],
        ['event-bus/audit', 1],
        ['jobs', 3],
      ]),
    );
    expect(aws.counts.calls.get('jobs')).toBe(2);
    expect(aws.counts.sqsMessages).toEqual(new Map());
  });
});
