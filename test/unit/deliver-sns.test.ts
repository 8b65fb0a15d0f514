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

    // A's five events in five successive calls, no more (its chain is the longest), the other
    // visitors' single events filling the room left in them, lowest first.
    expect(batches.map((b) => b.length)).toEqual([10, 10, 8, 1, 1]);
    const callOf = (index: number) => batches.findIndex((b) => b.some((p) => p.index === index));
    expect([0, 1, 2, 3, 4].map(callOf)).toEqual([0, 1, 2, 3, 4]);
    expect(after).toEqual([[], [0], [1], [2], [3]]);
    // Within a call, queue order.
    expect(batches[2].map((p) => p.index)).toEqual([2, 23, 24, 25, 26, 27, 28, 29]);
    for (const batch of batches) expect(batch.map((p) => p.entry.Id)).toEqual(batch.map((_, i) => String(i)));
  });

  it("keeps the calls' longest chain of waits to the longest visitor's, not one more", () => {
    // A and C two events each; C's first comes after ten others, where packing by rank alone
    // put it in a second call that waited for the first, and C's second in a third.
    const event = (key: string, id: string) => ({
      ...payload({ event: { distinct_id: id } }),
      orderKey: key,
    });
    const events = [
      event('visitor:A', 'a0'),
      ...Array.from({ length: 9 }, (_, i) => event(`visitor:S${i}`, `s${i}`)),
      event('visitor:C', 'c0'),
      event('visitor:A', 'a1'),
      event('visitor:C', 'c1'),
    ];

    const { batches, after } = planTopicBatches(fifoTopicDestination, events);

    const depth: number[] = [];
    after.forEach((earlier, call) => {
      depth[call] = 1 + Math.max(0, ...earlier.map((e) => depth[e]));
    });
    expect(Math.max(...depth)).toBe(2);
    const callOf = (index: number) => batches.findIndex((b) => b.some((p) => p.index === index));
    expect(callOf(11)).toBeGreaterThan(callOf(0));
    expect(callOf(12)).toBeGreaterThan(callOf(10));
    expect(after[callOf(11)]).toContain(callOf(0));
    expect(after[callOf(12)]).toContain(callOf(10));
    expect(batches).toHaveLength(2);
  });

  it("never waits longer than the longest visitor, nor breaks a visitor's order, on random batches", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 50; trial++) {
      const size = 1 + Math.floor(random() * 120);
      const visitors = 1 + Math.floor(random() * size);
      const events = Array.from({ length: size }, (_, i) => ({
        ...payload({ event: { distinct_id: `e${i}` } }),
        orderKey: `visitor:${Math.floor(random() * visitors)}`,
      }));

      const { batches, after } = planTopicBatches(fifoTopicDestination, events);

      const callOf = new Map(batches.flatMap((b, call) => b.map((p) => [p.index, call] as const)));
      expect(callOf.size).toBe(size);
      const depth: number[] = [];
      after.forEach((earlier, call) => {
        for (const e of earlier) expect(e).toBeLessThan(call);
        depth[call] = 1 + Math.max(0, ...earlier.map((e) => depth[e]));
      });
      const chains = new Map<string, number[]>();
      for (const [i, e] of events.entries()) chains.set(e.orderKey, [...(chains.get(e.orderKey) ?? []), i]);
      const longest = Math.max(...[...chains.values()].map((c) => c.length));
      expect(Math.max(...depth)).toBe(longest);
      for (const chain of chains.values()) {
        for (let k = 1; k < chain.length; k++) {
          expect(after[callOf.get(chain[k]) as number]).toContain(callOf.get(chain[k - 1]));
        }
      }
      for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(SNS_LIMITS.maxCount);
    }
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
