import type { Context, KinesisStreamEvent, KinesisStreamRecord, SQSEvent, SQSRecord } from 'aws-lambda';
import { createConsumerHandler } from '../../lambda/consumer/consumer-handler';
import type { OffloadedPayloadReader } from '../../lambda/consumer/payload-reader';
import type { DeliveredPayload } from '../../lambda/shared/ingest-message';
import type { OffloadedPayload, PayloadLocation } from '../../lambda/shared/offloaded-payload';
import { capturingLogger } from '../support/capture-logs';
import { ingestMessage, PERSONAL_DATA } from '../support/fixtures';
import { InMemoryPersistenceLayer } from '../support/in-memory-persistence';

const context = {
  functionName: 'consumer',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

const payload = (distinctId: string, visitorId = 'visitor_123', properties: Record<string, unknown> = {}) =>
  ingestMessage({
    event: { distinct_id: distinctId, event_properties: { order_id: '12345', ...properties } },
    visitor: { visitor_id: visitorId },
  });

let records = 0;
function sqsRecord(body: unknown, queue = 'orders'): SQSRecord {
  records += 1;
  return {
    messageId: `m${records}`,
    receiptHandle: `h${records}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'sns',
      ApproximateFirstReceiveTimestamp: '0',
      ...(queue.endsWith('.fifo') && { MessageGroupId: 'g' }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:111122223333:${queue}`,
    awsRegion: 'us-east-1',
  };
}
const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

describe('createConsumerHandler', () => {
  let processed: DeliveredPayload[];
  let duplicates: string[];
  let logs: ReturnType<typeof capturingLogger>;
  let failOn: Set<string>;

  const handler = (offloadedPayloads?: OffloadedPayloadReader) =>
    createConsumerHandler({
      offloadedPayloads,
      processEvent: async (p) => {
        if (failOn.has(p.event.distinct_id)) throw new Error('business logic failed');
        processed.push(p);
        return { stored: p.event.distinct_id };
      },
      persistenceStore: new InMemoryPersistenceLayer(),
      logger: logs.logger,
      expiresAfterSeconds: 3600,
      onDuplicate: (p) => {
        duplicates.push(p.event.distinct_id);
      },
    });

  beforeEach(() => {
    processed = [];
    duplicates = [];
    failOn = new Set();
    logs = capturingLogger();
  });
  afterEach(() => {
    const all = logs.lines().join('\n');
    for (const personal of PERSONAL_DATA) expect(all).not.toContain(personal);
    logs.restore();
  });

  it('processes an event delivered three times (direct, raw SQS, SNS envelope) once', async () => {
    // Prepare
    const consume = handler();
    const event = payload('evt_1');
    const envelope = { Type: 'Notification', MessageId: 'sns-1', Message: JSON.stringify(event) };

    // Act
    const direct = await consume(event, context);
    const raw = await consume(sqsEvent(sqsRecord(event)), context);
    const wrapped = await consume(sqsEvent(sqsRecord(envelope, 'orders.fifo')), context);

    // Assess
    expect(processed.map((p) => p.event.distinct_id)).toEqual(['evt_1']);
    expect(duplicates).toEqual(['evt_1', 'evt_1']);
    expect(direct).toEqual({ distinctId: 'evt_1', duplicate: false, result: { stored: 'evt_1' } });
    expect(raw).toEqual({ batchItemFailures: [] });
    expect(wrapped).toEqual({ batchItemFailures: [] });
  });

  it('returns the first result, marked as a duplicate, to a repeated direct invocation', async () => {
    const consume = handler();

    await consume(payload('evt_1'), context);
    const again = await consume(payload('evt_1'), context);

    expect(again).toEqual({ distinctId: 'evt_1', duplicate: true, result: { stored: 'evt_1' } });
  });

  it('processes two different events of the same visitor both', async () => {
    const consume = handler();

    await consume(sqsEvent(sqsRecord(payload('evt_1')), sqsRecord(payload('evt_2'))), context);

    expect(processed.map((p) => p.event.distinct_id)).toEqual(['evt_1', 'evt_2']);
    expect(duplicates).toEqual([]);
  });

  it('scopes the key by visitor: the same distinct_id of another visitor is another event', async () => {
    const consume = handler();

    await consume(payload('evt_1', 'visitor_a'), context);
    await consume(payload('evt_1', 'visitor_b'), context);

    expect(processed.map((p) => p.visitor.visitor_id)).toEqual(['visitor_a', 'visitor_b']);
  });

  it('reports a changed payload under the same key instead of accepting it', async () => {
    const consume = handler();
    await consume(payload('evt_1'), context);

    await expect(consume(payload('evt_1', 'visitor_123', { total: 1 }), context)).rejects.toThrow(
      /Payload does not match stored record/,
    );
    const response = await consume(
      sqsEvent(sqsRecord(payload('evt_1', 'visitor_123', { total: 2 }))),
      context,
    );

    expect(processed).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: expect.any(String) }] });
    expect(logs.lines().filter((l) => l.includes('"errorCode":"PayloadMismatch"'))).toHaveLength(2);
  });

  it('fails only the failing record of a batch and does not re-run the others on redelivery', async () => {
    // Prepare
    const consume = handler();
    failOn.add('evt_2');
    const batch = [sqsRecord(payload('evt_1')), sqsRecord(payload('evt_2')), sqsRecord(payload('evt_3'))];

    // Act: first delivery, then SQS redelivers only the failed record, now succeeding.
    const first = await consume(sqsEvent(...batch), context);
    failOn.clear();
    const second = await consume(sqsEvent(batch[1]), context);

    // Assess
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: batch[1].messageId }] });
    expect(second).toEqual({ batchItemFailures: [] });
    expect(processed.map((p) => p.event.distinct_id)).toEqual(['evt_1', 'evt_3', 'evt_2']);
  });

  it('on a FIFO queue holds back only the failing visitor', async () => {
    const consume = handler();
    failOn.add('a1');
    const a1 = { ...sqsRecord(payload('a1', 'A'), 'orders.fifo') };
    a1.attributes.MessageGroupId = 'A';
    const a2 = sqsRecord(payload('a2', 'A'), 'orders.fifo');
    a2.attributes.MessageGroupId = 'A';
    const b1 = sqsRecord(payload('b1', 'B'), 'orders.fifo');
    b1.attributes.MessageGroupId = 'B';

    const response = await consume(sqsEvent(a1, a2, b1), context);

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: a1.messageId }, { itemIdentifier: a2.messageId }],
    });
    expect(processed.map((p) => p.event.distinct_id)).toEqual(['b1']);
  });

  it("reads the payload of an EventBridge event, from a rule's queue or invoked directly", async () => {
    const consume = handler();
    const busEvent = (distinctId: string) => ({
      version: '0',
      id: `eb-${distinctId}`,
      'detail-type': 'Order Completed',
      source: 'acme.cdp',
      account: '111122223333',
      time: '2026-11-26T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: payload(distinctId),
    });

    const fromQueue = await consume(sqsEvent(sqsRecord(busEvent('evt_1'))), context);
    await consume(busEvent('evt_2'), context);
    await consume(sqsEvent(sqsRecord(busEvent('evt_1'))), context);

    expect(fromQueue).toEqual({ batchItemFailures: [] });
    expect(processed.map((p) => p.event.distinct_id)).toEqual(['evt_1', 'evt_2']);
    expect(duplicates).toEqual(['evt_1']);
  });

  describe('Kinesis batches', () => {
    let sequence = 0;
    const streamRecord = (body: unknown, visitor: string): KinesisStreamRecord => {
      sequence += 1;
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: visitor,
          sequenceNumber: String(sequence).padStart(20, '0'),
          data: Buffer.from(JSON.stringify(body)).toString('base64'),
          approximateArrivalTimestamp: 0,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequence}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::111122223333:role/consumer',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/clickstream',
      };
    };

    it("processes records in order, and holds a failed visitor's later records back, unprocessed", async () => {
      const consume = handler();
      failOn.add('a1');
      const records = [
        streamRecord(payload('a1', 'A'), 'A'),
        streamRecord(payload('b1', 'B'), 'B'),
        streamRecord(payload('a2', 'A'), 'A'),
        streamRecord(payload('b2', 'B'), 'B'),
      ];

      const response = await consume({ Records: records } as KinesisStreamEvent, context);
      failOn.clear();
      // Lambda retries from the first failed record: the rest comes again, the others as duplicates.
      await consume(
        { Records: [records[0], records[1], records[2], records[3]] } as KinesisStreamEvent,
        context,
      );

      expect(response).toEqual({
        batchItemFailures: [
          { itemIdentifier: records[0].kinesis.sequenceNumber },
          { itemIdentifier: records[2].kinesis.sequenceNumber },
        ],
      });
      expect(processed.map((p) => p.event.distinct_id)).toEqual(['b1', 'b2', 'a1', 'a2']);
      expect(duplicates).toEqual(['b1', 'b2']);
    });
  });

  it('rejects what is not a delivered event, without echoing its content', async () => {
    const consume = handler();
    const noDistinctId = ingestMessage({ event: { distinct_id: undefined } });

    await expect(consume(noDistinctId, context)).rejects.toThrow(/not a delivered event: event.distinct_id/);
    const response = await consume(sqsEvent(sqsRecord('not json'), sqsRecord(payload('evt_1'))), context);

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: expect.any(String) }] });
    expect(processed.map((p) => p.event.distinct_id)).toEqual(['evt_1']);
  });

  describe('offloaded payloads', () => {
    /** A payload bucket in memory: keys to stored JSON. */
    const bucket = new Map<string, string>();
    const reader: OffloadedPayloadReader = {
      read: async (location: PayloadLocation) => {
        const stored = bucket.get(location.key);
        if (stored === undefined)
          throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
        return stored;
      },
    };
    const offload = (event: ReturnType<typeof payload>, key?: string): OffloadedPayload => {
      const distinctId = (event.event as { distinct_id: string }).distinct_id;
      key ??= `k-${distinctId}`;
      bucket.set(key, JSON.stringify(event));
      return {
        offloaded_payload: {
          bucket: 'platform-payloads',
          key,
          region: 'us-east-1',
          bytes: 1,
          sha256: '0'.repeat(64),
          distinct_id: distinctId,
        },
      };
    };
    beforeEach(() => bucket.clear());

    it('processes the event a pointer names, once, whether it arrives offloaded or inline', async () => {
      // Prepare
      const consume = handler(reader);
      const event = payload('evt_big', 'visitor_123', { blob: 'x'.repeat(1000) });
      const pointer = offload(event);

      // Act: from a topic (offloaded), directly (inline), and the topic's redelivery.
      const fromTopic = await consume(sqsEvent(sqsRecord(pointer)), context);
      const direct = await consume(event, context);
      const redelivered = await consume(pointer, context);

      // Assess
      expect(fromTopic).toEqual({ batchItemFailures: [] });
      expect(processed).toEqual([event]);
      expect(direct).toMatchObject({ distinctId: 'evt_big', duplicate: true });
      expect(redelivered).toMatchObject({ distinctId: 'evt_big', duplicate: true });
    });

    it('fails a pointer it cannot resolve and processes the rest of the batch', async () => {
      // Prepare
      const consume = handler(reader);
      const missing = offload(payload('evt_gone'));
      bucket.clear();
      const swapped = offload(payload('evt_other'), 'k-swapped');
      swapped.offloaded_payload.distinct_id = 'evt_expected';
      const malformed = { offloaded_payload: { bucket: 'b', key: '' } };
      const batch = [missing, swapped, malformed, payload('evt_ok')].map((body) => sqsRecord(body));

      // Act
      const response = await consume(sqsEvent(...batch), context);

      // Assess
      const failed = (response as { batchItemFailures: { itemIdentifier: string }[] }).batchItemFailures;
      expect(failed.map((f) => f.itemIdentifier).sort()).toEqual(
        batch
          .slice(0, 3)
          .map((r) => r.messageId)
          .sort(),
      );
      expect(processed.map((p) => p.event.distinct_id)).toEqual(['evt_ok']);
      await expect(consume(swapped, context)).rejects.toThrow(
        'offloaded payload is not the event its pointer names',
      );
      await expect(consume(malformed, context)).rejects.toThrow(
        /not a valid offloaded payload pointer: offloaded_payload/,
      );
    });

    it('names the missing reader instead of treating a pointer as an event', async () => {
      const consume = handler();

      await expect(consume(offload(payload('evt_big')), context)).rejects.toThrow(
        'received an offloaded payload, but no offloaded payload reader is configured (PAYLOAD_ROLE_ARN)',
      );
      expect(processed).toEqual([]);
    });
  });
});
