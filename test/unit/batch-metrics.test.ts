import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type MetricsSink,
  PowertoolsMetricsSink,
  publishBatchMetrics,
} from '../../lambda/dispatcher/batch-metrics';
import { dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/settle/retry';
import type { Destination } from '../../lambda/shared/destination-config';
import { capturingLogger } from '../support/capture-logs';
import {
  everyMessageSent,
  fifoTopicDestination,
  ingestMessage,
  invokeResponsePayload,
  lambdaDestination,
  PERSONAL_DATA,
  registryOf,
  sqsRecord,
  standardTopicDestination,
} from '../support/fixtures';

const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);

describe('batch metrics', () => {
  it('counts by destination type, dead letters by error code, and logs per-destination figures without personal data', async () => {
    // Prepare: the function delivers, one topic fails for good, the other for now.
    lambda.on(InvokeCommand).resolves({ StatusCode: 202, Payload: invokeResponsePayload(null) });
    sns
      .on(PublishBatchCommand, { TopicArn: standardTopicDestination.topicArn })
      .rejects(Object.assign(new Error('no'), { name: 'AuthorizationErrorException', $fault: 'client' }));
    sns
      .on(PublishBatchCommand, { TopicArn: fifoTopicDestination.topicArn })
      .rejects(Object.assign(new Error('busy'), { name: 'ThrottledException', $fault: 'client' }));
    sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);
    const emitted: { dimensions: Record<string, string>; metrics: Record<string, { values: number[] }> }[] =
      [];
    const sink: MetricsSink = { emit: (dimensions, metrics) => emitted.push({ dimensions, metrics }) };
    const logs = capturingLogger();

    // Act
    await dispatchBatch([sqsRecord(ingestMessage(), { sentAt: Date.now() - 1000 })], {
      registry: registryOf([lambdaDestination, standardTopicDestination, fifoTopicDestination]),
      clients: { client: (Client) => new Client({ region: 'us-east-1' }) },
      sqs: new SQSClient({ region: 'us-east-1' }),
      deadLetterQueue: { url: 'https://sqs.us-east-1.amazonaws.com/1/dlq', fifo: false },
      logger: logs.logger,
      maxReceiveCount: 5,
      concurrency: 4,
      retry: { ...DEFAULT_RETRY_POLICY, queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/ingest' },
      metrics: sink,
    });
    logs.restore();

    // Assess
    const of = (dimensions: Record<string, string>) =>
      emitted.find((e) => JSON.stringify(e.dimensions) === JSON.stringify(dimensions))?.metrics;
    expect(of({ DestinationType: 'lambda' })).toMatchObject({
      Delivered: { values: [1] },
      DeliveryFailures: { values: [0] },
    });
    expect(of({ DestinationType: 'lambda' })?.DeliveryLatency.values[0]).toBeGreaterThanOrEqual(1000);
    expect(of({ DestinationType: 'sns' })).toMatchObject({
      Delivered: { values: [0] },
      DeliveryFailures: { values: [2] },
      RetriesScheduled: { values: [1] },
    });
    expect(of({ DestinationType: 'sns', ErrorCode: 'AccessDenied' })).toEqual({
      DeadLettered: expect.objectContaining({ values: [1] }),
    });
    const summaries = logs
      .lines()
      .filter((line) => line.includes('destination summary'))
      .map((line) => JSON.parse(line));
    expect(summaries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ workspaceId: 'ws-acme', destinationId: 'orders-fn', delivered: 1 }),
        expect.objectContaining({ destinationId: 'marketing', failed: 1, deadLettered: 1 }),
        expect.objectContaining({ destinationId: 'orders-fifo', failed: 1, retried: 1 }),
      ]),
    );
    for (const personal of PERSONAL_DATA) expect(logs.lines().join('\n')).not.toContain(personal);
  });

  it("counts a dead letter in its own workspace's destination summary, though another workspace has a destination of that id", () => {
    const other = { ...standardTopicDestination, workspaceId: 'ws-other' };
    const delivery = (destination: Destination, ok: boolean) =>
      ({
        destination,
        record: { firstAttemptAt: 0 },
        message: '{}',
        result: ok ? { ok: true } : { ok: false, error: new Error('no') },
      }) as never;
    const logs = capturingLogger();

    publishBatchMetrics({ emit: () => {} }, logs.logger, {
      deliveries: [delivery(standardTopicDestination, true), delivery(other, false)],
      written: [
        {
          body: '{}',
          sourceMessageId: 'm1',
          errorCode: 'AccessDenied',
          errorMessage: 'denied',
          destinationId: other.id,
          destinationType: 'sns',
          attempts: 1,
          workspaceId: 'ws-other',
        },
      ],
      retried: [],
    });
    logs.restore();

    const summaries = logs
      .lines()
      .map((line) => JSON.parse(line))
      .filter((line) => line.message === 'destination summary');
    expect(summaries).toEqual([
      expect.objectContaining({ workspaceId: standardTopicDestination.workspaceId, deadLettered: 0 }),
      expect.objectContaining({ workspaceId: 'ws-other', failed: 1, deadLettered: 1 }),
    ]);
  });

  it('writes CloudWatch embedded metric format, at most 100 values of a metric per document', () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => {
      written.push(String(line));
    });
    try {
      new PowertoolsMetricsSink('EventDelivery').emit(
        { DestinationType: 'sns' },
        { DeliveryLatency: { unit: 'Milliseconds', values: Array.from({ length: 150 }, (_, i) => i) } },
      );
    } finally {
      spy.mockRestore();
      log.mockRestore();
    }
    const documents = written.filter((w) => w.includes('_aws')).map((w) => JSON.parse(w));
    expect(documents).toHaveLength(2);
    expect(documents[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'EventDelivery',
      Dimensions: [expect.arrayContaining(['service', 'DestinationType'])],
    });
    expect(documents.map((d) => d.DeliveryLatency.length)).toEqual([100, 50]);
  });
});
