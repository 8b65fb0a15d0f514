import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  messageDeduplicationId,
  messageGroupId,
  type OutgoingEvent,
  planTopicBatches,
  publishBatch,
  SNS_LIMITS,
} from '../../lambda/dispatcher/deliver/drivers/sns';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { fifoTopicDestination, ingestMessage, standardTopicDestination } from '../support/fixtures';

/** An event to publish as dispatch-batch prepares it: the payload and its JSON. */
const payload = (overrides: Parameters<typeof ingestMessage>[0] = {}): OutgoingEvent => {
  const parsed = parseIngestMessage(JSON.stringify(ingestMessage(overrides)));
  if (!parsed.ok) throw new Error(parsed.reason);
  return { payload: parsed.payload, message: JSON.stringify(parsed.payload) };
};

describe('planTopicBatches', () => {
  it('publishes the seed payload with event_name and distinct_id attributes only', () => {
    const event = payload();

    const { batches } = planTopicBatches(standardTopicDestination, [event]);

    expect(batches).toHaveLength(1);
    const { entry } = batches[0][0];
    expect(entry.Message).toBe(event.message);
    expect(JSON.parse(entry.Message ?? '')).toEqual(event.payload);
    expect(entry.MessageAttributes).toEqual({
      event_name: { DataType: 'String', StringValue: 'Order Completed' },
      distinct_id: { DataType: 'String', StringValue: 'evt_0001' },
    });
    expect(entry.MessageGroupId).toBeUndefined();
    expect(entry.MessageDeduplicationId).toBeUndefined();
  });

  it('groups FIFO messages by visitor and deduplicates on workspace, destination, visitor and distinct_id', () => {
    const event = payload();
    const { batches } = planTopicBatches(fifoTopicDestination, [event]);

    const { entry } = batches[0][0];
    expect(entry.MessageGroupId).toBe('visitor_123');
    expect(entry.MessageDeduplicationId).toBe(messageDeduplicationId(fifoTopicDestination, event.payload));
    expect(entry.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    expect(messageDeduplicationId({ ...fifoTopicDestination, id: 'other-topic' }, event.payload)).not.toBe(
      entry.MessageDeduplicationId,
    );
    expect(
      messageDeduplicationId(
        fifoTopicDestination,
        payload({ visitor: { visitor_id: 'visitor_456' } }).payload,
      ),
    ).not.toBe(entry.MessageDeduplicationId);
  });

  it('hashes visitor ids SNS would reject as a message group id, stably', () => {
    const odd = 'visitor with spaces and ünïcode';

    expect(messageGroupId(odd)).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(messageGroupId(odd)).toBe(messageGroupId(odd));
    expect(messageGroupId('v'.repeat(129))).toMatch(/^sha256-/);
  });

  it('splits by count: at most 10 entries per call, ids unique within a call', () => {
    const events = Array.from({ length: 23 }, (_, i) => payload({ event: { distinct_id: `evt_${i}` } }));

    const { batches } = planTopicBatches(standardTopicDestination, events);

    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat().map((p) => p.index)).toEqual(events.map((_, i) => i));
    for (const batch of batches) expect(new Set(batch.map((p) => p.entry.Id)).size).toBe(batch.length);
  });

  it("puts a visitor's events in successive calls, each after the one before, and fills the room with others", () => {
    // 30 events: visitor A's five, then 25 other visitors' one each.
    const events = [
      ...Array.from({ length: 5 }, (_, i) => ({
        ...payload({ event: { distinct_id: `a${i}` } }),
        orderKey: 'visitor:A',
      })),
      ...Array.from({ length: 25 }, (_, i) => ({
        ...payload({ event: { distinct_id: `o${i}` } }),
        orderKey: `visitor:O${i}`,
      })),
    ];

    const { batches, after } = planTopicBatches(fifoTopicDestination, events);

    // Every visitor's first event first (26, in three calls), then A's later ones: the second
    // fills the room left in the third call, the others follow it one per call.
    expect(batches.map((b) => b.length)).toEqual([10, 10, 7, 1, 1, 1]);
    const callOf = (index: number) => batches.findIndex((b) => b.some((p) => p.index === index));
    expect([0, 1, 2, 3, 4].map(callOf)).toEqual([0, 2, 3, 4, 5]);
    expect(after).toEqual([[], [], [0], [2], [3], [4]]);
    // Within a call, queue order.
    expect(batches[2].map((p) => p.index)).toEqual([1, 24, 25, 26, 27, 28, 29]);
    for (const batch of batches) expect(batch.map((p) => p.entry.Id)).toEqual(batch.map((_, i) => String(i)));
  });

  it('splits by size: at most 256 KiB per call', () => {
    const big = (i: number) =>
      payload({ event: { distinct_id: `evt_${i}`, event_properties: { blob: 'x'.repeat(100_000) } } });

    const { batches } = planTopicBatches(standardTopicDestination, [big(1), big(2), big(3), big(4), big(5)]);

    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const batch of batches) {
      expect(batch.reduce((sum, p) => sum + p.bytes, 0)).toBeLessThanOrEqual(SNS_LIMITS.maxBytes);
    }
  });

  it('rejects a message above 256 KiB as PayloadTooLarge, keeping the others', () => {
    const huge = payload({
      event: { distinct_id: 'evt_huge', event_properties: { blob: 'x'.repeat(262_144) } },
    });

    const { batches, rejected } = planTopicBatches(standardTopicDestination, [payload(), huge]);

    expect(batches.flat().map((p) => p.index)).toEqual([0]);
    expect(rejected).toEqual([
      {
        index: 1,
        result: { ok: false, error: expect.objectContaining({ code: 'PayloadTooLarge', retryable: false }) },
      },
    ]);
  });
});

describe('publishBatch', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('maps successful and failed entries of a 200 response to results in order', async () => {
    // Prepare
    const events = [1, 2, 3].map((i) => payload({ event: { distinct_id: `evt_${i}` } }));
    const [batch] = planTopicBatches(fifoTopicDestination, events).batches;
    sns.on(PublishBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm0' }],
      Failed: [
        { Id: '1', Code: 'InternalError', SenderFault: false },
        { Id: '2', Code: 'KMSDisabled', SenderFault: true, Message: 'key disabled' },
      ],
    });

    // Act
    const results = await publishBatch(new SNSClient({}), fifoTopicDestination, batch);

    // Assess
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, {
      TopicArn: fifoTopicDestination.topicArn,
      PublishBatchRequestEntries: batch.map((p) => p.entry),
    });
    expect(results).toEqual([
      { ok: true },
      { ok: false, error: expect.objectContaining({ code: 'ServiceUnavailable', retryable: true }) },
      { ok: false, error: expect.objectContaining({ code: 'KmsError', retryable: false }) },
    ]);
  });

  it('fails every entry with the error of a failed call', async () => {
    const [batch] = planTopicBatches(standardTopicDestination, [
      payload(),
      payload({ event: { distinct_id: 'evt_2' } }),
    ]).batches;
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));

    const results = await publishBatch(new SNSClient({}), standardTopicDestination, batch);

    expect(results).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'AccessDenied', retryable: false }) },
      { ok: false, error: expect.objectContaining({ code: 'AccessDenied', retryable: false }) },
    ]);
  });

  it('treats an entry missing from the response as a retryable failure', async () => {
    const [batch] = planTopicBatches(standardTopicDestination, [payload()]).batches;
    sns.on(PublishBatchCommand).resolves({ Successful: [], Failed: [] });

    const [result] = await publishBatch(new SNSClient({}), standardTopicDestination, batch);

    expect(result).toEqual({ ok: false, error: expect.objectContaining({ retryable: true }) });
  });
});

describe("a topic's MaximumMessageSize", () => {
  it('takes messages and PublishBatch calls up to the size the destination gives, up to 1 MiB', () => {
    const big = (n: number) => ({
      ...payload({ event: { distinct_id: `e${n}` } }),
      message: 'x'.repeat(400_000),
    });
    const events = [big(1), big(2), big(3)];

    const standard = planTopicBatches(standardTopicDestination, events);
    const raised = planTopicBatches({ ...standardTopicDestination, maxMessageBytes: 1_048_576 }, events);

    expect(standard.rejected.map((r) => r.result.ok === false && r.result.error.code)).toEqual([
      'PayloadTooLarge',
      'PayloadTooLarge',
      'PayloadTooLarge',
    ]);
    expect(raised.rejected).toEqual([]);
    expect(raised.batches.map((b) => b.length)).toEqual([2, 1]);
  });
});
