import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import type { OutgoingEvent } from '../../lambda/dispatcher/deliver/drivers/driver';
import {
  kinesisDriver,
  partitionKey,
  planRecordBatches,
  putRecords,
} from '../../lambda/dispatcher/deliver/drivers/kinesis';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { ingestMessage, streamDestination } from '../support/fixtures';

const kinesis = mockClient(KinesisClient);

const event = (visitorId: string, distinctId: string, size = 0): OutgoingEvent => {
  const parsed = parseIngestMessage(
    JSON.stringify(ingestMessage({ event: { distinct_id: distinctId }, visitor: { visitor_id: visitorId } })),
  );
  if (!parsed.ok) throw new Error(parsed.reason);
  // Added after parsing: a destination's mapping may make a payload larger than any ingest body.
  const payload =
    size > 0
      ? {
          ...parsed.payload,
          event: { ...parsed.payload.event, event_properties: { blob: 'x'.repeat(size) } },
        }
      : parsed.payload;
  return {
    payload,
    message: JSON.stringify(payload),
    orderKey: kinesisDriver.orderKey(streamDestination, payload),
  };
};
const text = (entry: PutRecordsRequestEntry) => Buffer.from(entry.Data ?? new Uint8Array()).toString('utf8');

beforeEach(() => kinesis.reset());

describe('planRecordBatches', () => {
  it("keys each record by its visitor, so a visitor's records share a shard", () => {
    const [[{ entry }]] = planRecordBatches([event('visitor_123', 'e1')]).batches;

    expect(entry.PartitionKey).toBe('visitor_123');
    expect(JSON.parse(text(entry)).event.distinct_id).toBe('e1');
  });

  it('hashes a visitor id too long for a partition key, stably', () => {
    const long = 'v'.repeat(300);

    expect(partitionKey(long)).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(partitionKey(long)).toBe(partitionKey(long));
  });

  it("puts up to 500 records in a call, a visitor's later events in later calls (PutRecords keeps no order)", () => {
    const events = [
      ...Array.from({ length: 600 }, (_, i) => event(`v${i}`, `e${i}`)),
      event('v0', 'e0-second'),
      event('v0', 'e0-third'),
    ];

    const { batches, after } = planRecordBatches(events);

    expect(batches.map((b) => b.length)).toEqual([500, 101, 1]);
    const callOf = (distinctId: string) =>
      batches.findIndex((b) => b.some((p) => JSON.parse(text(p.entry)).event.distinct_id === distinctId));
    expect([callOf('e0'), callOf('e0-second'), callOf('e0-third')]).toEqual([0, 1, 2]);
    expect(after[1]).toContain(0);
    expect(after[2]).toEqual([1]);
  });

  it('rejects a record over 1 MiB, counting its partition key, and splits calls at 5 MiB', () => {
    const huge = event('v1', 'huge', 1_048_576);
    const large = Array.from({ length: 6 }, (_, i) => event(`v${i + 10}`, `large${i}`, 1_000_000));

    const { batches, rejected } = planRecordBatches([huge, ...large]);

    expect(rejected).toEqual([
      { index: 0, result: { ok: false, error: expect.objectContaining({ code: 'PayloadTooLarge' }) } },
    ]);
    expect(batches.map((b) => b.length)).toEqual([5, 1]);
  });
});

describe('putRecords', () => {
  it('puts on the stream by ARN and reads each record: throughput and internal failures retried, others not', async () => {
    kinesis.on(PutRecordsCommand).resolves({
      FailedRecordCount: 3,
      Records: [
        { SequenceNumber: '1', ShardId: 'shardId-0' },
        { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        { ErrorCode: 'KMSDisabledException', ErrorMessage: 'key disabled' },
      ],
    });
    const [batch] = planRecordBatches(['a', 'b', 'c', 'd'].map((v) => event(v, `e-${v}`))).batches;

    const results = await putRecords(new KinesisClient({ region: 'us-east-1' }), streamDestination, batch);

    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamARN: streamDestination.streamArn });
    expect(results.map((r) => (r.ok ? 'ok' : `${r.error.code}/${r.error.retryable}`))).toEqual([
      'ok',
      'Throttled/true',
      'ServiceUnavailable/true',
      'KmsError/false',
    ]);
  });

  it('fails every record with the error of a failed call', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejects(Object.assign(new Error('no stream'), { name: 'ResourceNotFoundException' }));
    const [batch] = planRecordBatches([event('a', 'e1'), event('b', 'e2')]).batches;

    const results = await putRecords(new KinesisClient({ region: 'us-east-1' }), streamDestination, batch);

    expect(results.map((r) => !r.ok && r.error.code)).toEqual(['DestinationNotFound', 'DestinationNotFound']);
  });
});
