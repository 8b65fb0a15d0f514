import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { PowertoolsMetricsSink, publishBatchMetrics } from '../../lambda/dispatcher/batch-metrics';
import { dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/settle/retry';
import { LATENCY_BUCKETS, LATENCY_OVERFLOW, latencyBucket } from '../../lambda/shared/delivery-summary';
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

beforeEach(() => {
  sns.reset();
  lambda.reset();
  sqs.reset();
});

describe('latencyBucket', () => {
  it('puts a latency in the first bucket whose bound it does not pass, past the last in the overflow', () => {
    expect(latencyBucket(0)).toBe('le50');
    expect(latencyBucket(50)).toBe('le50');
    expect(latencyBucket(51)).toBe('le100');
    expect(latencyBucket(1_200)).toBe('le2500');
    expect(latencyBucket(86_400_001)).toBe(LATENCY_OVERFLOW);
    expect(LATENCY_BUCKETS).toHaveLength(16);
  });
});

describe('destination summary: what delivery visibility reads, one line per destination and batch', () => {
  it('adds failures by code, latency by bucket and consent blocks to each destination’s summary, no line per event', async () => {
    // Prepare: the function delivers, one topic refuses for good, the other throttles, and one
    // destination needs a consent the visitor did not give.
    const consented = {
      ...lambdaDestination,
      id: 'consented-fn',
      requiredConsent: ['marketing'],
    } as Destination;
    lambda.on(InvokeCommand).resolves({ StatusCode: 202, Payload: invokeResponsePayload(null) });
    sns
      .on(PublishBatchCommand, { TopicArn: standardTopicDestination.topicArn })
      .rejects(Object.assign(new Error('no'), { name: 'AuthorizationErrorException', $fault: 'client' }));
    sns
      .on(PublishBatchCommand, { TopicArn: fifoTopicDestination.topicArn })
      .rejects(Object.assign(new Error('busy'), { name: 'ThrottledException', $fault: 'client' }));
    sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);
    const logs = capturingLogger();
    const records = [1, 2, 3].map((n) =>
      sqsRecord(ingestMessage({ event: { distinct_id: `evt_${n}` } }), { sentAt: Date.now() - 1_200 }),
    );

    // Act
    await dispatchBatch(records, {
      registry: registryOf([lambdaDestination, standardTopicDestination, fifoTopicDestination, consented]),
      clients: { client: (Client) => new Client({ region: 'us-east-1' }) },
      sqs: new SQSClient({ region: 'us-east-1' }),
      deadLetterQueue: { url: 'https://sqs.us-east-1.amazonaws.com/1/dlq', fifo: false },
      logger: logs.logger,
      maxReceiveCount: 5,
      concurrency: 4,
      retry: { ...DEFAULT_RETRY_POLICY, queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/ingest' },
      metrics: { emit: () => {} },
    });
    logs.restore();

    // Assess
    const lines = logs.lines().map((line) => JSON.parse(line));
    const summaries = Object.fromEntries(
      lines.filter((l) => l.message === 'destination summary').map((l) => [l.destinationId, l]),
    );
    expect(summaries['orders-fn']).toMatchObject({ workspaceId: 'ws-acme', delivered: 3, failed: 0 });
    // Latency: from the ingest queue's SentTimestamp to the end of the batch.
    expect(Object.keys(summaries['orders-fn'].latencyMs)).toEqual(['le2500']);
    expect(summaries['orders-fn'].latencyMs.le2500).toBe(3);
    expect(summaries['orders-fn'].failedByCode).toBeUndefined();
    expect(summaries.marketing).toMatchObject({
      failed: 3,
      deadLettered: 3,
      failedByCode: { AccessDenied: 3 },
    });
    // A FIFO topic keeps a visitor's order: the first failure holds the visitor's later events back.
    expect(summaries['orders-fifo']).toMatchObject({
      failed: 3,
      retried: 3,
      failedByCode: { Throttled: 1, OrderBlocked: 2 },
    });
    // Never called, still summarised: its events were kept from it for want of consent.
    expect(summaries['consented-fn']).toMatchObject({ delivered: 0, failed: 0, blockedByConsent: 3 });
    expect(summaries['orders-fn'].blockedByConsent).toBeUndefined();
    expect(lines.filter((l) => l.message === 'destination summary')).toHaveLength(4);
    for (const personal of PERSONAL_DATA) expect(logs.lines().join('\n')).not.toContain(personal);
  });

  it('counts deliveries sent as a pointer to the payload bucket', () => {
    // Prepare
    const delivery = (offloaded: boolean) =>
      ({
        destination: standardTopicDestination,
        record: { firstAttemptAt: 0 },
        message: '{}',
        result: { ok: true },
        ...(offloaded && { offloaded }),
      }) as never;
    const logs = capturingLogger();

    // Act
    publishBatchMetrics({ emit: () => {} }, logs.logger, {
      deliveries: [delivery(true), delivery(false), delivery(true)],
      written: [],
      retried: [],
      now: 70_000,
    });
    logs.restore();

    // Assess
    const [summary] = logs.lines().map((line) => JSON.parse(line));
    expect(summary).toMatchObject({ delivered: 3, offloaded: 2, latencyMs: { le300000: 3 } });
  });
});

describe('PowertoolsMetricsSink', () => {
  it('hands each document to the writer it is given instead of stdout (the local log file)', () => {
    // Prepare
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write');

    // Act
    new PowertoolsMetricsSink('EventDelivery', (document) => written.push(document)).emit(
      { DestinationType: 'sns' },
      { Delivered: { unit: 'Count', values: [4] } },
    );

    // Assess
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0])).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'EventDelivery' }] },
      DestinationType: 'sns',
      Delivered: 4,
    });
    expect(stdout).not.toHaveBeenCalled();
    // Past Powertools' own flush at a metric's 100th value: still all to the writer.
    new PowertoolsMetricsSink('EventDelivery', (document) => written.push(document)).emit(
      { DestinationType: 'sns' },
      { DeliveryLatency: { unit: 'Milliseconds', values: Array.from({ length: 150 }, (_, i) => i) } },
    );
    expect(stdout).not.toHaveBeenCalled();
    expect(written.slice(1).map((d) => JSON.parse(d).DeliveryLatency.length)).toEqual([99, 51]);
    stdout.mockRestore();
  });
});
