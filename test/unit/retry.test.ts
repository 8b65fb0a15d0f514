import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { backoffSeconds, readAttempt } from '../../lambda/dispatcher/settle/retry';
import { readRetryBundle, toRetryBundleBody } from '../../lambda/dispatcher/settle/retry-bundle';
import { capturingLogger } from '../support/capture-logs';
import { DLQ_URL, INGEST_URL, TEST_RETRY_POLICY } from '../support/dispatch-dependencies';
import {
  fifoTopicDestination,
  ingestMessage,
  lambdaDestination,
  registryOf,
  sqsRecord,
  standardTopicDestination,
} from '../support/fixtures';

const INGEST = INGEST_URL;
const DLQ = DLQ_URL;
const policy = TEST_RETRY_POLICY;

describe('backoffSeconds', () => {
  it('waits up to base × 2^(attempt-1), with full jitter, capped at 15 minutes', () => {
    const at = (random: number, attempt: number) =>
      backoffSeconds({ ...policy, random: () => random }, attempt);

    expect([1, 2, 3, 4].map((attempt) => at(0.999, attempt))).toEqual([2, 4, 8, 16]);
    expect(at(0, 4)).toBe(0);
    expect(at(0.5, 4)).toBe(8);
    expect(at(0.999, 20)).toBe(900);
  });

  it('never retries sooner than a throttling hint', () => {
    expect(backoffSeconds({ ...policy, random: () => 0 }, 1, 30)).toBe(30);
  });
});

describe('readAttempt', () => {
  it('counts carried retries and redeliveries, and keeps the first attempt time', () => {
    const record = sqsRecord('{}', { receiveCount: 2 });
    record.messageAttributes = {
      retry_attempt: { dataType: 'Number', stringValue: '3' },
      first_attempt_at: { dataType: 'Number', stringValue: '1700000000000' },
    } as never;

    expect(readAttempt(record)).toEqual({ attempt: 4, firstAttemptAt: 1_700_000_000_000 });
    expect(readAttempt(sqsRecord('{}'))).toEqual({ attempt: 1, firstAttemptAt: 1_732_300_000_000 });
  });
});

describe('dispatchBatch with per-destination retries', () => {
  const sns = mockClient(SNSClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  let logs: ReturnType<typeof capturingLogger>;

  const deps = (overrides: Partial<DispatchDependencies> = {}): DispatchDependencies => ({
    registry: registryOf([lambdaDestination, standardTopicDestination, fifoTopicDestination]),
    clients: { client: (Client) => new Client({}) },
    sqs: new SQSClient({}),
    deadLetterQueue: { url: DLQ, fifo: false },
    logger: logs.logger,
    maxReceiveCount: 5,
    concurrency: 4,
    retry: { ...policy, random: () => 0.5 },
    ...overrides,
  });
  const event = (id: string, visitor = 'visitor_1') =>
    ingestMessage({ event: { distinct_id: id }, visitor: { visitor_id: visitor } });
  const sentTo = (queueUrl: string) =>
    sqs
      .commandCalls(SendMessageBatchCommand)
      .filter((c) => c.args[0].input.QueueUrl === queueUrl)
      .flatMap((c) => c.args[0].input.Entries ?? []);
  const failTopic = (topicArn: string) =>
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { TopicArn: string; PublishBatchRequestEntries: PublishBatchRequestEntry[] }) =>
        input.TopicArn === topicArn
          ? {
              Failed: input.PublishBatchRequestEntries.map((e) => ({
                Id: e.Id,
                Code: 'InternalError',
                SenderFault: false,
              })),
            }
          : { Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })) },
      );

  beforeEach(() => {
    sns.reset();
    lambda.reset();
    sqs.reset();
    logs = capturingLogger();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'new', MD5OfMessageBody: '' })),
    }));
  });
  afterEach(() => logs.restore());

  it('acknowledges the record and retries only the failed destination, later, with the same body', async () => {
    // Prepare
    failTopic(standardTopicDestination.topicArn);
    const sentAt = Date.now();
    const record = sqsRecord(event('e1'), { messageId: 'm1', sentAt });

    // Act
    const response = await dispatchBatch([record], deps());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(sentTo(INGEST)).toEqual([
      {
        Id: '0',
        MessageBody: record.body,
        DelaySeconds: 1,
        // Its destination's message group: SQS fair queues keep other tenants' dwell time low.
        MessageGroupId: 'ws-acme/marketing',
        MessageAttributes: {
          target_destinations: { DataType: 'String', StringValue: 'marketing' },
          retry_attempt: { DataType: 'Number', StringValue: '2' },
          first_attempt_at: { DataType: 'Number', StringValue: String(sentAt) },
          last_error_code: { DataType: 'String', StringValue: 'ServiceUnavailable' },
          // The mapping it was shaped with: the static config's version 0.
          mapping_version: { DataType: 'Number', StringValue: '0' },
        },
      },
    ]);
    expect(sentTo(DLQ)).toEqual([]);
  });

  it('defers events over a destination rate limit to a retry that uses no attempt up', async () => {
    // Prepare: a limit of 3 events a second, 5 events.
    const limited = { ...lambdaDestination, maxEventsPerSecond: 3 };
    const records = ['r1', 'r2', 'r3', 'r4', 'r5'].map((id) => sqsRecord(event(id), { sentAt: Date.now() }));

    // Act
    const response = await dispatchBatch(records, deps({ registry: registryOf([limited]) }));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 3);
    const [bundle] = sentTo(INGEST);
    const events = readRetryBundle(bundle.MessageBody ?? '') ?? [];
    expect(events.map((e) => JSON.parse(e.body).event.distinct_id)).toEqual(['r4', 'r5']);
    expect(events.map((e) => [e.attempt, e.last_error_code])).toEqual([
      [1, 'RateLimited'],
      [1, 'RateLimited'],
    ]);
    expect(bundle.DelaySeconds).toBeGreaterThanOrEqual(1);
  });

  it('treats a message group on a standard queue as a tenant, not an order: failures still retry per destination', async () => {
    // Prepare: a retry as the dispatcher sends it, grouped for SQS fair queues.
    failTopic(standardTopicDestination.topicArn);
    const record = sqsRecord(event('g1'), {
      messageGroupId: 'marketing',
      standardQueue: true,
      sentAt: Date.now(),
    });

    // Act
    const response = await dispatchBatch([record], deps());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sentTo(INGEST)).toEqual([
      expect.objectContaining({ MessageBody: record.body, MessageGroupId: 'ws-acme/marketing' }),
    ]);
  });

  it('delivers a retry to its target destinations only', async () => {
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => ({
        Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })),
      }));
    const retry = sqsRecord(event('e1'));
    retry.messageAttributes = {
      target_destinations: { dataType: 'String', stringValue: 'marketing' },
      retry_attempt: { dataType: 'Number', stringValue: '2' },
    } as never;

    const response = await dispatchBatch([retry], deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, {
      TopicArn: standardTopicDestination.topicArn,
    });
  });

  it('dead-letters with RetriesExhausted once the attempts are used up', async () => {
    failTopic(standardTopicDestination.topicArn);
    const record = sqsRecord(event('e1'), { sentAt: Date.now() });
    record.messageAttributes = { retry_attempt: { dataType: 'Number', stringValue: '5' } } as never;

    await dispatchBatch([record], deps());

    expect(sentTo(INGEST)).toEqual([]);
    expect(sentTo(DLQ).map((e) => e.MessageAttributes?.error_code.StringValue)).toEqual(['RetriesExhausted']);
  });

  it('dead-letters with RetriesExhausted once the first attempt is too old', async () => {
    failTopic(standardTopicDestination.topicArn);
    const record = sqsRecord(event('e1'));
    record.messageAttributes = {
      first_attempt_at: { dataType: 'Number', stringValue: String(Date.now() - 3_601_000) },
    } as never;

    await dispatchBatch([record], deps());

    expect(sentTo(DLQ).map((e) => e.MessageAttributes?.destination_id?.StringValue)).toEqual(['marketing']);
  });

  it("keeps a FIFO topic visitor's later events behind the failed one, in order, in one retry bundle", async () => {
    // Prepare
    failTopic(fifoTopicDestination.topicArn);
    const sentAt = Date.now();
    const records = ['a1', 'a2', 'a3'].map((id) => sqsRecord(event(id, 'A'), { sentAt }));

    // Act
    await dispatchBatch(records, deps({ retry: { ...policy, random: () => 0.999 } }));

    // Assess: one message for the destination, its events in queue order, each with its own reason.
    const [bundle, ...others] = sentTo(INGEST).filter(
      (r) => r.MessageAttributes?.target_destinations.StringValue === 'orders-fifo',
    );
    expect(others).toEqual([]);
    expect(bundle.MessageGroupId).toBe('ws-acme/orders-fifo');
    expect(bundle.MessageAttributes?.retry_bundle).toEqual({ DataType: 'Number', StringValue: '3' });
    const events = readRetryBundle(bundle.MessageBody ?? '') ?? [];
    expect(events.map((e) => JSON.parse(e.body).event.distinct_id)).toEqual(['a1', 'a2', 'a3']);
    expect(events.map((e) => e.last_error_code)).toEqual([
      'ServiceUnavailable',
      'OrderBlocked',
      'OrderBlocked',
    ]);
    expect(events.map((e) => e.body)).toEqual(records.map((r) => r.body));
  });

  it("sends a FIFO topic visitor's next event only after the call with its previous one answered, and not after its entry failed", async () => {
    // Prepare: a1 then a2 of visitor A, and ten other visitors' events: two calls, a1 in the first, a2 in the second.
    const sentAt = Date.now();
    const records = [
      sqsRecord(event('a1', 'A'), { messageId: 'm-a1', sentAt }),
      sqsRecord(event('a2', 'A'), { messageId: 'm-a2', sentAt }),
      ...Array.from({ length: 10 }, (_, i) =>
        sqsRecord(event(`b${i}`, `B${i}`), { messageId: `m-b${i}`, sentAt }),
      ),
    ];
    const a1 = JSON.parse(records[0].body).event.distinct_id;
    const published: string[][] = [];
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
        published.push(
          input.PublishBatchRequestEntries.map((e) => JSON.parse(e.Message ?? '').event.distinct_id),
        );
        const failedEntry = input.PublishBatchRequestEntries.find(
          (e) => JSON.parse(e.Message ?? '').event.distinct_id === a1,
        );
        return {
          Successful: input.PublishBatchRequestEntries.filter((e) => e !== failedEntry).map((e) => ({
            Id: e.Id,
          })),
          Failed: failedEntry ? [{ Id: failedEntry.Id, Code: 'InternalError', SenderFault: false }] : [],
        };
      });

    // Act
    await dispatchBatch(records, deps({ registry: registryOf([fifoTopicDestination]) }));

    // Assess: 12 events in 2 calls; the second waited for the first, and a2 stayed behind a1.
    expect(published).toEqual([['a1', ...Array.from({ length: 9 }, (_, i) => `b${i}`)], ['b9']]);
    const [bundle] = sentTo(INGEST);
    expect(
      (readRetryBundle(bundle.MessageBody ?? '') ?? []).map((e) => [
        JSON.parse(e.body).event.distinct_id,
        e.last_error_code,
      ]),
    ).toEqual([
      ['a1', 'ServiceUnavailable'],
      ['a2', 'OrderBlocked'],
    ]);
  });

  it('delivers a received retry bundle to its target only, each event in order, with its own attempt count', async () => {
    // Prepare
    const bodies = ['b1', 'b2'].map((id) => JSON.stringify(event(id, 'B')));
    const record = sqsRecord(
      toRetryBundleBody([
        { body: bodies[0], attempt: 3, first_attempt_at: Date.now(), last_error_code: 'CircuitOpen' },
        { body: bodies[1], attempt: 50, first_attempt_at: Date.now(), last_error_code: 'CircuitOpen' },
      ]),
    );
    record.messageAttributes = {
      target_destinations: { dataType: 'String', stringValue: 'orders-fifo' },
    } as never;
    failTopic(fifoTopicDestination.topicArn);

    // Act
    const response = await dispatchBatch([record], deps());

    // Assess: b1 failed and is retried; b2, kept behind it on its 50th attempt, is out of attempts.
    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    const [retry] = sentTo(INGEST);
    expect(readRetryBundle(retry.MessageBody ?? '')).toBeUndefined();
    expect(retry.MessageBody).toBe(bodies[0]);
    expect(retry.MessageAttributes?.retry_attempt.StringValue).toBe('4');
    expect(sentTo(DLQ)).toEqual([
      expect.objectContaining({
        MessageBody: bodies[1],
        MessageAttributes: expect.objectContaining({
          error_code: { DataType: 'String', StringValue: 'RetriesExhausted' },
        }),
      }),
    ]);
  });

  it('falls back to a batch item failure when the retry cannot be sent: nothing is lost', async () => {
    failTopic(standardTopicDestination.topicArn);
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));
    const record = sqsRecord(event('e1'), { messageId: 'm1', sentAt: Date.now() });

    const response = await dispatchBatch([record], deps());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sentTo(INGEST)).toHaveLength(1);
    expect(sentTo(DLQ)).toEqual([]);
  });

  it('on a FIFO ingest queue returns failures to the queue instead, keeping the group in order', async () => {
    failTopic(standardTopicDestination.topicArn);
    const record = sqsRecord(event('e1'), {
      messageId: 'm1',
      messageGroupId: 'visitor_1',
      sentAt: Date.now(),
    });

    const response = await dispatchBatch([record], deps());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(sentTo(INGEST)).toEqual([]);
  });

  it('on a FIFO ingest queue dead-letters a deferral on the last receive with its reason, before the redrive policy would', async () => {
    // Prepare: the 5th receive, and the destination rate-limited to nothing left this second.
    const limited = { ...standardTopicDestination, maxEventsPerSecond: 1 };
    const records = ['f1', 'f2'].map((id, i) =>
      sqsRecord(event(id), {
        messageId: `m${i}`,
        messageGroupId: 'visitor_1',
        receiveCount: 5,
        sentAt: Date.now(),
      }),
    );
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => ({
        Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })),
      }));

    // Act
    const response = await dispatchBatch(records, deps({ registry: registryOf([limited]) }));

    // Assess: f1 delivered; f2, deferred, is dead-lettered with its reason, not returned to the queue.
    expect(response.batchItemFailures).toEqual([]);
    expect(sentTo(DLQ)).toEqual([
      expect.objectContaining({
        MessageBody: records[1].body,
        MessageAttributes: expect.objectContaining({
          error_code: { DataType: 'String', StringValue: 'RetriesExhausted' },
          error_message: { DataType: 'String', StringValue: expect.stringContaining('RateLimited') },
        }),
      }),
    ]);
  });
});
