/**
 * Batched ingest messages as a hostile or buggy producer would send them: what a review found
 * (deep nesting, FIFO letters of one message, a deferred record's attributes, letters a redrive
 * would route elsewhere) and what it checked and found to hold.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { MappingPins } from '../../lambda/dispatcher/prepare/mapping-pins';
import { readEvents, readEventsWithin } from '../../lambda/dispatcher/prepare/read-events';
import { resendDeferred } from '../../lambda/dispatcher/settle/defer';
import { readRetryBundle, toRetryBundleBody } from '../../lambda/dispatcher/settle/retry-bundle';
import { eventsOfBody } from '../../lambda/shared/ingest-batch';
import { batchBody, batchElement, mockedDeliveryAws } from '../support/batched-ingest';
import { capturingLogger } from '../support/capture-logs';
import {
  DLQ_URL,
  dispatchDependencies,
  INGEST_URL,
  TEST_RETRY_POLICY,
} from '../support/dispatch-dependencies';
import {
  ingestMessage,
  lambdaDestination,
  PERSONAL_DATA,
  registryOf,
  sqsRecord,
  standardTopicDestination,
  WORKSPACE_ID,
} from '../support/fixtures';

const policy = { ...TEST_RETRY_POLICY, random: () => 0.5 };
const FIFO_DLQ = `${DLQ_URL}.fifo`;
const OTHER_TOPIC = 'arn:aws:sns:eu-west-1:444455556666:other-workspace';
const otherWorkspaceTopic = {
  ...standardTopicDestination,
  workspaceId: 'ws-other',
  externalId: 'ext-id-other-0001',
  topicArn: OTHER_TOPIC,
} as const;

const aws = mockedDeliveryAws();
const { sns, lambda, sqs, sentTo, published, publishedEntries, functionFailsFor } = aws;
let logs: ReturnType<typeof capturingLogger>;

const deps = (overrides: Partial<DispatchDependencies> = {}): DispatchDependencies =>
  dispatchDependencies(registryOf([lambdaDestination, standardTopicDestination]), logs.logger, overrides);

const element = batchElement;
const batch = batchBody;

describe('batched ingest messages from a hostile or buggy producer', () => {
  beforeEach(() => {
    aws.reset();
    logs = capturingLogger();
  });
  afterEach(() => logs.restore());

  describe('a deeply nested element: checked before it is written back as JSON, so the batch settles', () => {
    // Bodies are written as text: JSON.stringify itself overflows on this nesting.
    const DEEP = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
    const batchText = (...elements: string[]) =>
      `{"workspace_id":"${WORKSPACE_ID}","events":[${elements.join(',')}]}`;
    const e1 = JSON.stringify(element('e1'));
    const deepObjectElement = `{"event":{"event":"Order Completed","distinct_id":"h1","event_properties":{"p":${DEEP}}},"visitor":{"visitor_id":"v"}}`;
    const neighbour = () =>
      sqsRecord(JSON.stringify(ingestMessage({ event: { distinct_id: 'n1' } })), { messageId: 'neighbour' });

    it('object element with a 5,000-level property: the batch settles, the element is dead-lettered', async () => {
      const records = [sqsRecord(batchText(e1, deepObjectElement), { messageId: 'm1' }), neighbour()];

      const response = await dispatchBatch(records, deps());

      expect(response.batchItemFailures).toEqual([]);
      expect(published()).toEqual(expect.arrayContaining(['e1', 'n1']));
      expect(sentTo(DLQ_URL)).toHaveLength(1);
    });

    it('non-object element (a 5,000-level array): eventsOfBody never throws', () => {
      expect(() => eventsOfBody(batchText(DEEP))).not.toThrow();
    });

    it('element naming a workspace_id plus deep nesting: eventsOfBody never throws', () => {
      expect(() => eventsOfBody(batchText(`{"workspace_id":"ws-other","deep":${DEEP}}`))).not.toThrow();
    });

    it('(control) the same nesting in a single ingest message is dead-lettered, not thrown', async () => {
      const single = `{"workspace_id":"${WORKSPACE_ID}",${deepObjectElement.slice(1)}`;
      expect(() => JSON.parse(single)).not.toThrow();
      const response = await dispatchBatch([sqsRecord(single), neighbour()], deps());
      expect(response.batchItemFailures).toEqual([]);
      expect(published()).toEqual(['n1']);
      expect(sentTo(DLQ_URL).map((e) => e.MessageAttributes?.error_message.StringValue)).toEqual([
        expect.stringContaining('nested deeper than 32 levels'),
      ]);
    });
  });

  describe("FIFO dead letters of one batched message: each event's own deduplication id", () => {
    const fifoDeps = (overrides: Partial<DispatchDependencies> = {}) =>
      deps({ deadLetterQueue: { url: FIFO_DLQ, fifo: true }, ...overrides });
    const dedupIds = () => sentTo(FIFO_DLQ).map((e) => e.MessageDeduplicationId);

    it('two invalid elements of one FIFO message get distinct MessageDeduplicationIds', async () => {
      const record = sqsRecord(batch({ event: { event: 'x' }, visitor: {} }, 'not an event', element('ok')), {
        messageId: 'm1',
        messageGroupId: `${WORKSPACE_ID}:batched`,
      });

      await dispatchBatch([record], fifoDeps());

      // Today both letters hash sha256(`m1\n\nInvalidEvent`): SQS FIFO keeps the first, drops the second
      // (and reports it Successful), so the second event is neither delivered nor dead-lettered.
      expect(dedupIds()).toHaveLength(2);
      expect(new Set(dedupIds()).size).toBe(2);
    });

    it('RetriesExhausted for several events of one FIFO message at one destination are distinct letters', async () => {
      functionFailsFor('a1', 'b1', 'c1');
      const record = sqsRecord(batch(element('a1', 'A'), element('b1', 'B'), element('c1', 'C')), {
        messageId: 'm1',
        messageGroupId: `${WORKSPACE_ID}:batched`,
        receiveCount: 5,
      });

      const response = await dispatchBatch([record], fifoDeps());

      expect(response.batchItemFailures).toEqual([]);
      expect(sentTo(FIFO_DLQ).map((e) => e.MessageAttributes?.error_code.StringValue)).toEqual([
        'RetriesExhausted',
        'RetriesExhausted',
        'RetriesExhausted',
      ]);
      // Today all three share sha256(`m1\norders-fn\nRetriesExhausted`): two events silently lost.
      expect(new Set(dedupIds()).size).toBe(3);
    });
  });

  describe("a deferred record keeps only the dispatcher's attributes", () => {
    it('a producer message with 9 attributes, deferred, still fits SQS’s attribute limit', async () => {
      const record = sqsRecord(batch(element('e1')), { messageId: 'm9' });
      record.messageAttributes = Object.fromEntries(
        Array.from({ length: 9 }, (_, i) => [`trace_${i}`, { dataType: 'String', stringValue: `v${i}` }]),
      ) as never;

      const unsent = await resendDeferred([record], new SQSClient({ region: 'us-east-1' }), INGEST_URL);

      expect(unsent).toEqual([]);
      const [entry] = sentTo(INGEST_URL);
      // Else SQS refuses the entry, the record returns as a batch item failure every time it is
      // deferred, and SQS's redrive policy may move the whole batch on without a reason.
      expect(Object.keys(entry.MessageAttributes ?? {}).length).toBeLessThanOrEqual(10);
    });
  });

  it('an element naming another workspace is dead-lettered in a batch of its own: a redrive refuses it again', async () => {
    const registry = registryOf([standardTopicDestination, otherWorkspaceTopic]);
    const intruder = { ...element('x1'), workspace_id: 'ws-other' };
    await dispatchBatch([sqsRecord(batch(element('e1'), intruder), { messageId: 'm1' })], deps({ registry }));
    const [letter] = sentTo(DLQ_URL);
    expect(letter.MessageAttributes?.error_message.StringValue).toBe(
      'events[1]: workspace_id belongs to the batch, not to its events',
    );
    expect(JSON.parse(letter.MessageBody ?? '')).toEqual({ workspace_id: WORKSPACE_ID, events: [intruder] });

    // An operator redrive (body unchanged) of this InvalidEvent letter:
    sns.resetHistory();
    sqs.resetHistory();
    await dispatchBatch([sqsRecord(letter.MessageBody, { messageId: 'redriven' })], deps({ registry }));
    expect(publishedEntries()).toEqual([]);
    expect(sentTo(DLQ_URL).map((e) => e.MessageAttributes?.error_code.StringValue)).toEqual(['InvalidEvent']);
  });

  it('a batch nested in a batch is refused, in a batch of its own: a redrive refuses it again', async () => {
    const nested = { events: [element('n1'), element('n2')] };
    const registry = registryOf([standardTopicDestination]);
    await dispatchBatch([sqsRecord(batch(element('e1'), nested), { messageId: 'm1' })], deps({ registry }));
    const [letter] = sentTo(DLQ_URL);
    expect(letter.MessageAttributes?.error_message.StringValue).toBe(
      'events[1]: a batch holds events, not batches',
    );
    expect(published()).toEqual(['e1']);

    sns.resetHistory();
    await dispatchBatch([sqsRecord(letter.MessageBody, { messageId: 'redriven' })], deps({ registry }));
    expect(published()).toEqual([]);
  });

  it('tenant isolation: __proto__ element keys cannot smuggle a workspace_id, and pollute nothing', async () => {
    const body = `{"workspace_id":"${WORKSPACE_ID}","events":[{"__proto__":{"workspace_id":"ws-other"},"event":{"event":"Order Completed","distinct_id":"p1"},"visitor":{"visitor_id":"v"}},{"constructor":{"prototype":{"x":1}},"event":{"event":"Order Completed","distinct_id":"p2"},"visitor":{"visitor_id":"v"}}]}`;
    const registry = registryOf([standardTopicDestination, otherWorkspaceTopic]);

    const response = await dispatchBatch([sqsRecord(body)], deps({ registry }));

    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toEqual([]);
    expect(sentTo(DLQ_URL).map((e) => e.MessageAttributes?.error_message.StringValue)).toEqual([
      '(body): key "__proto__" is not allowed',
      '(body): key "constructor" is not allowed',
    ]);
    expect(({} as Record<string, unknown>).workspace_id).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('envelope with __proto__/constructor/retry_bundle keys is one InvalidEvent letter, nothing delivered', async () => {
    const bodies = [
      `{"workspace_id":"${WORKSPACE_ID}","events":[${JSON.stringify(element('e1'))}],"__proto__":{}}`,
      `{"workspace_id":"${WORKSPACE_ID}","events":[${JSON.stringify(element('e1'))}],"constructor":1}`,
      `{"retry_bundle":[],"workspace_id":"${WORKSPACE_ID}","events":[${JSON.stringify(element('e1'))}]}`,
      `{"__proto__":{"events":[${JSON.stringify(element('e1'))}]},"workspace_id":"${WORKSPACE_ID}"}`,
    ];
    await dispatchBatch(
      bodies.map((b, i) => sqsRecord(b, { messageId: `m${i}` })),
      deps(),
    );
    expect(published()).toEqual([]);
    expect(sentTo(DLQ_URL).map((e) => [e.MessageBody, e.MessageAttributes?.error_code.StringValue])).toEqual(
      bodies.map((b) => [b, 'InvalidEvent']),
    );
  });

  it('nesting: a retry bundle whose event body is a batch is not expanded; a batch element that is a bundle is invalid', async () => {
    const bundle = toRetryBundleBody([
      {
        body: batch(element('b1'), element('b2')),
        attempt: 1,
        first_attempt_at: Date.now(),
        last_error_code: 'X',
      },
    ]);
    const elementBundle = batch(JSON.parse(bundle), { retry_bundle: [] });
    await dispatchBatch(
      [sqsRecord(bundle, { messageId: 'b' }), sqsRecord(elementBundle, { messageId: 'e' })],
      deps({ retry: policy }),
    );
    expect(published()).toEqual([]);
    expect(sentTo(DLQ_URL).map((e) => e.MessageAttributes?.error_code.StringValue)).toEqual([
      'InvalidEvent',
      'InvalidEvent',
      'InvalidEvent',
    ]);
  });

  it('reasons, attributes and logs never echo visitor-supplied keys or values (unknown keys, lone surrogates)', async () => {
    const secretKey = 'jane.doe@example.com';
    const record = sqsRecord(
      batch(
        { ...element('e1'), [secretKey]: 1 },
        { ...element('e2'), event: { event: 'x', [secretKey]: 'y' } },
        { ...element('e3'), visitor: { visitor_id: '\ud800jane.doe@example.com' } },
        { ...element('e4'), visitor: { visitor_id: 'v', ['\udc00key']: 1 } },
        { ...element('e5'), destinations: ['jane.doe@example.com'] },
        { ...element('e6'), consent: ['jane.doe@example.com'] },
        'jane.doe@example.com',
      ),
      { messageId: 'm1' },
    );

    const response = await dispatchBatch([record], deps());

    expect(response.batchItemFailures).toEqual([]);
    const letters = sentTo(DLQ_URL);
    expect(letters).toHaveLength(7);
    const attributes = JSON.stringify(letters.map((l) => l.MessageAttributes));
    for (const secret of [...PERSONAL_DATA, secretKey, 'jane.doe']) {
      expect(attributes).not.toContain(secret);
      expect(logs.lines().join('\n')).not.toContain(secret);
    }
  });

  it('1,001 events: one InvalidEvent letter, the body as it came', async () => {
    const body = batch(...Array.from({ length: 1_001 }, (_, i) => element(`e${i}`)));
    await dispatchBatch([sqsRecord(body)], deps());
    expect(published()).toEqual([]);
    expect(sentTo(DLQ_URL).map((e) => e.MessageBody)).toEqual([body]);
  });

  it('the value budget is per message: a 60,000-value element starves its neighbours, but a neighbour message is untouched', () => {
    const big = { ...element('big'), event: { event: 'x', event_properties: { a: Array(60_000).fill(0) } } };
    const { events } = eventsOfBody(batch(big, big, element('e3')));
    expect(events.map((e) => (e.message.ok ? 'ok' : e.message.reason))).toEqual([
      'ok',
      // (schema-level reasons of object elements carry no `events[n]` prefix: by design, per ingest-batch.test.ts)
      '(body): more than 100000 values',
      '(body): more than 100000 values',
    ]);
    expect(eventsOfBody(batch(element('e2'))).events[0].message.ok).toBe(true);
  });

  it('huge numbers of invalid elements: 5 x 1,000 settle with 5,000 own letters in bounded time', async () => {
    const junk = Array.from({ length: 1_000 }, (_, i) =>
      i % 3 === 0
        ? i
        : i % 3 === 1
          ? { event: {}, visitor: { visitor_id: 7 }, z: 1, y: 2 }
          : { workspace_id: 'w' },
    );
    const records = Array.from({ length: 5 }, (_, r) => sqsRecord(batch(...junk), { messageId: `m${r}` }));
    const started = Date.now();
    const response = await dispatchBatch(records, deps({ retry: policy }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(response.batchItemFailures).toEqual([]);
    expect(sentTo(DLQ_URL)).toHaveLength(5_000);
    expect(sentTo(INGEST_URL)).toEqual([]);
  });

  it('derived distinct_ids are stable across whole redelivery and across a per-event retry body, and equal for equal content', async () => {
    functionFailsFor(); // everything delivered
    const a = element(undefined, 'v1');
    const reordered = Object.fromEntries(Object.entries(a).reverse());
    const first = eventsOfBody(batch(a, reordered, element(undefined, 'v2')));
    const again = eventsOfBody(batch(a, reordered, element(undefined, 'v2')));
    const ids = (r: typeof first) =>
      r.events.map((e) => (e.message.ok ? e.message.payload.event.distinct_id : e.message.reason));
    expect(ids(first)).toEqual(ids(again));
    expect(ids(first)[0]).toMatch(/^derived_/);
    expect(ids(first)[0]).toBe(ids(first)[1]);
    expect(ids(first)[2]).not.toBe(ids(first)[0]);
    // A retry carries the element's own body: re-read alone, the same id.
    const alone = eventsOfBody(first.events[0].body);
    expect(alone.batched).toBe(false);
    expect(ids(alone)).toEqual([ids(first)[0]]);
  });

  it('a retried batched event without distinct_id keeps its derived id in its retry body', async () => {
    const e = element(undefined, 'v1');
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('boom'), { name: 'ServiceException' }));
    await dispatchBatch([sqsRecord(batch(e), { sentAt: Date.now() })], deps({ retry: policy }));
    const firstId = published()[0];
    const [retry] = sentTo(INGEST_URL);
    const body = readRetryBundle(retry.MessageBody ?? '')?.[0].body ?? retry.MessageBody ?? '';
    const reread = eventsOfBody(body).events[0].message;
    expect(reread.ok && reread.payload.event.distinct_id).toBe(firstId);
  });

  it('duplicate distinct_ids in one batch are each delivered (no silent dedupe, no batch entry id clash)', async () => {
    const dupA = element('same', 'v1');
    const dupB = { ...element('same', 'v1'), event: { event: 'Page Viewed', distinct_id: 'same' } };
    const response = await dispatchBatch([sqsRecord(batch(dupA, dupB, dupA))], deps());
    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toEqual(['same', 'same', 'same']);
  });

  it('mapping pins: a batched record cannot pin with a forged pin, a whole-batch pin, or a pin of another element', () => {
    const pins = MappingPins.ephemeral();
    const e1 = element('e1');
    const body = batch(e1, element('e2'));
    const e1Body = JSON.stringify({ workspace_id: WORKSPACE_ID, ...e1 });
    const attrs = (pin: string) => ({
      target_destinations: { dataType: 'String', stringValue: 'orders-fn' },
      mapping_version: { dataType: 'Number', stringValue: '3' },
      mapping_pin: { dataType: 'String', stringValue: pin },
    });
    const withAttrs = (pin: string): SQSRecord => ({
      ...sqsRecord(body),
      messageAttributes: attrs(pin) as never,
    });

    for (const pin of ['forged', pins.sign('orders-fn', 3, body)]) {
      expect(readEvents([withAttrs(pin)], pins).map((e) => e.mappingVersion)).toEqual([undefined, undefined]);
    }
    // A pin the dispatcher made for e1's own body pins e1 alone (as a single message with that body would be).
    expect(
      readEvents([withAttrs(pins.sign('orders-fn', 3, e1Body))], pins).map((e) => e.mappingVersion),
    ).toEqual([3, undefined]);
    // Producer-set targets and attempts apply to all its events, as for a single message (narrowing only).
    const events = readEvents([withAttrs('x')], pins);
    expect(events.map((e) => e.targets)).toEqual([['orders-fn'], ['orders-fn']]);
  });

  it('FIFO: a visitor chain spans three batched records; only records holding an undelivered event of that visitor fail', async () => {
    functionFailsFor('a2');
    const group = `${WORKSPACE_ID}:batched`;
    const records = [
      sqsRecord(batch(element('a1', 'A'), element('a2', 'A')), { messageId: 'm1', messageGroupId: group }),
      sqsRecord(batch(element('b1', 'B')), { messageId: 'm2', messageGroupId: group }),
      sqsRecord(batch(element('b2', 'B'), element('a3', 'A')), { messageId: 'm3', messageGroupId: group }),
    ];
    const response = await dispatchBatch(records, deps({ retry: policy }));
    const invoked = lambda
      .commandCalls(InvokeCommand)
      .map(
        (c) => JSON.parse(Buffer.from(c.args[0].input.Payload as Uint8Array).toString()).event.distinct_id,
      );
    expect(invoked).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm3' }]);
  });

  it('FIFO: visitor ids with NUL or group-like text do not merge order chains across groups or workspaces', async () => {
    // (SQS group ids are printable ASCII: no NUL. With that, `group\0visitor:id` is unambiguous.)
    functionFailsFor('x1');
    const records = [
      sqsRecord(batch(element('x1', 'v\u0000visitor:w')), {
        messageId: 'm1',
        messageGroupId: `${WORKSPACE_ID}:g`,
      }),
      sqsRecord(batch(element('y1', 'v')), { messageId: 'm2', messageGroupId: `${WORKSPACE_ID}:g` }),
      sqsRecord(batch(element('y2', 'w')), { messageId: 'm3', messageGroupId: `${WORKSPACE_ID}:g:v` }),
      sqsRecord(batch(element('y3', 'v\u0000visitor:w')), { messageId: 'm4', messageGroupId: 'ws-other:g' }),
    ];
    const registry = registryOf([lambdaDestination, { ...lambdaDestination, workspaceId: 'ws-other' }]);
    const response = await dispatchBatch(records, deps({ registry }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it('deferral: a record sent back repeatedly keeps its attempt count and first attempt time', async () => {
    const record = sqsRecord(batch(element('e1')), { messageId: 'm1', receiveCount: 3, sentAt: 1_000 });
    await resendDeferred([record], new SQSClient({ region: 'us-east-1' }), INGEST_URL);
    const [entry] = sentTo(INGEST_URL);
    expect(entry.MessageBody).toBe(record.body);
    expect(entry.MessageAttributes?.retry_attempt.StringValue).toBe('3');
    // Received again (receive count 1): the same attempt, not 3 + more.
    const again: SQSRecord = {
      ...sqsRecord(entry.MessageBody),
      messageAttributes: Object.fromEntries(
        Object.entries(entry.MessageAttributes ?? {}).map(([k, v]) => [
          k,
          { dataType: v.DataType, stringValue: v.StringValue },
        ]),
      ) as never,
    };
    sqs.resetHistory();
    await resendDeferred([again], new SQSClient({ region: 'us-east-1' }), INGEST_URL);
    expect(sentTo(INGEST_URL)[0].MessageAttributes).toEqual(entry.MessageAttributes);
  });

  it('deferral keeps the first record even when it alone passes the bound, and defers per workspace turn', () => {
    const big = (id: string, group: string, n: number) =>
      sqsRecord(batch(...Array.from({ length: n }, (_, i) => element(`${id}-${i}`, `v${i}`))), {
        messageId: id,
        messageGroupId: group,
        standardQueue: true,
      });
    const records = [big('a1', 'ws-a', 30), big('a2', 'ws-a', 30), big('b1', 'ws-b', 5)];
    const { events, deferred } = readEventsWithin(records, undefined, 20);
    expect(new Set(events.map((e) => e.record.messageId))).toEqual(new Set(['a1']));
    expect(deferred.map((r) => r.messageId)).toEqual(['b1', 'a2']);
    const { events: e2, deferred: d2 } = readEventsWithin(records, undefined, 36);
    expect(new Set(e2.map((e) => e.record.messageId))).toEqual(new Set(['a1', 'b1']));
    expect(d2.map((r) => r.messageId)).toEqual(['a2']);
  });

  it('an element with workspace_id never reaches the other workspace on first pass, even when it is the only element', async () => {
    const registry = registryOf([standardTopicDestination, otherWorkspaceTopic]);
    await dispatchBatch(
      [sqsRecord(batch({ ...element('x1'), workspace_id: 'ws-other' }))],
      deps({ registry }),
    );
    expect(publishedEntries()).toEqual([]);
  });
});
