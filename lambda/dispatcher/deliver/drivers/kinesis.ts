import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import { destinationKey, type KinesisDestination } from '../../../shared/destination-config';
import { utf8Bytes } from '../../batching';
import { classifyEntryFailure, type DeliveryResult, PermanentDeliveryError } from '../../errors';
import { type BatchPlan, callsFromPlan, outgoing, type PlannedEntry, planOrderedBatches } from './batch-plan';
import { callForResults, resultsByPosition } from './batch-results';
import type { DestinationDriver, OutgoingEvent } from './driver';
import { loadOnce } from './load-once';
import { sha256 } from './message-fields';

/** The Kinesis client, loaded on the first delivery to a stream. */
const kinesisSdk = loadOnce(() => import('@aws-sdk/client-kinesis'));

/** `PutRecords`: 500 records and 5 MiB per call, 1 MiB per record (its data and partition key). */
export const KINESIS_LIMITS = { maxCount: 500, maxBytes: 5_242_880, maxEntryBytes: 1_048_576 } as const;

/** Partition keys are 1–256 Unicode characters. */
const MAX_PARTITION_KEY_LENGTH = 256;

/**
 * A visitor's records share a partition key, hence a shard, where Kinesis keeps their order:
 * the visitor id itself when it fits, else a stable hash of it.
 */
export function partitionKey(visitorId: string): string {
  return visitorId.length > 0 && visitorId.length <= MAX_PARTITION_KEY_LENGTH
    ? visitorId
    : `sha256-${sha256(visitorId)}`;
}

interface PlannedRecord {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
}

/** Kinesis counts a record's data and its partition key against the record limit. */
const recordSize = ({ payload, message }: OutgoingEvent): number =>
  utf8Bytes(message) + utf8Bytes(partitionKey(payload.visitor.visitor_id));

function toRecord(event: OutgoingEvent): { entry: PlannedRecord; bytes: number } {
  const entry = {
    Data: Buffer.from(event.message, 'utf8'),
    PartitionKey: partitionKey(event.payload.visitor.visitor_id),
  };
  return { entry, bytes: recordSize(event) };
}

/**
 * Packs events into PutRecords calls within the stream's limits. `PutRecords` keeps no order
 * within a call, so a visitor's events go out in successive calls (see `planOrderedBatches`).
 */
export function planRecordBatches(events: readonly OutgoingEvent[]): BatchPlan<PutRecordsRequestEntry> {
  return planOrderedBatches<PutRecordsRequestEntry>(
    events,
    KINESIS_LIMITS,
    toRecord,
    (bytes, limit) =>
      new PermanentDeliveryError(
        'PayloadTooLarge',
        `record is ${bytes} bytes; a stream accepts at most ${limit}`,
      ),
  );
}

/**
 * A per-record failure: throughput exceeded and internal failures are retried (KMS throttling
 * too); anything else Kinesis names is the sender's (KMS key disabled or not found, access
 * denied) and dead-lettered.
 */
const recordFailure = (code: string, message?: string) =>
  classifyEntryFailure({ Code: code, Message: message, SenderFault: true });

/**
 * One PutRecords call. Returns a result per record, in order: the response lists one result per
 * record sent, in the same order; a failed call fails every record with the same error.
 */
export async function putRecords(
  client: KinesisClient,
  destination: KinesisDestination,
  batch: readonly PlannedEntry<PutRecordsRequestEntry>[],
  abortSignal?: AbortSignal,
): Promise<DeliveryResult[]> {
  const { PutRecordsCommand } = await kinesisSdk();
  return callForResults(
    batch.length,
    () =>
      client.send(
        new PutRecordsCommand({ StreamARN: destination.streamArn, Records: batch.map((p) => p.entry) }),
        {
          abortSignal,
        },
      ),
    (answer) =>
      resultsByPosition(
        batch.length,
        (answer.Records ?? []).map((r) => ({ ...r, delivered: Boolean(r.SequenceNumber) })),
        recordFailure,
      ),
  );
}

/** Amazon Kinesis Data Streams: `PutRecords` by up to 500; each visitor's records in order in its shard. */
export const kinesisDriver: DestinationDriver<KinesisDestination> = {
  permissions: DELIVERY_PERMISSIONS.kinesis,
  orderKey: (destination, payload) =>
    `stream:${destinationKey(destination)}:visitor:${payload.visitor.visitor_id}`,
  size: (_destination, event) => ({ bytes: recordSize(event), limit: KINESIS_LIMITS.maxEntryBytes }),
  planCalls: (destination, deliveries, clients) =>
    callsFromPlan(
      destination,
      deliveries,
      planRecordBatches(outgoing(deliveries)),
      async (entries, signal) => {
        const { KinesisClient } = await kinesisSdk();
        return putRecords(clients.client(KinesisClient, destination), destination, entries, signal);
      },
    ),
  entryFailure: (code, message) => recordFailure(code, message),
};
