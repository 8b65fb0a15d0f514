import { hash } from 'node:crypto';
import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { destinationKey, isFifoTopic, type SnsDestination } from '../shared/destination-config';
import type { DeliveredPayload } from '../shared/ingest-message';
import { utf8Bytes } from './batching';
import {
  classifyEntryFailure,
  DELIVERED,
  type DeliveryResult,
  failed,
  PermanentDeliveryError,
} from './errors';

/** A topic's default limits: 10 entries, and 256 KiB per message and per PublishBatch call. */
export const SNS_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;

/** A topic's limits: its `MaximumMessageSize` (up to 1 MiB) bounds one message and one call. */
export const topicLimits = (destination: SnsDestination) => ({
  maxCount: SNS_LIMITS.maxCount,
  maxBytes: destination.maxMessageBytes ?? SNS_LIMITS.maxBytes,
});

/** SNS FIFO message group ids: 1–128 printable ASCII characters. */
const VALID_GROUP_ID = /^[\x21-\x7e]{1,128}$/;

/** One event to publish: the payload (for attributes and ids) and the message body to send. */
export interface OutgoingEvent {
  readonly payload: DeliveredPayload;
  /** The payload's JSON, or the pointer envelope when the payload was offloaded. */
  readonly message: string;
  /** Events sharing an order key are published one after another, in the order given. */
  readonly orderKey?: string;
}

export interface PlannedEntry {
  /** Index of the payload in the caller's list, so results can be mapped back. */
  readonly index: number;
  readonly entry: PublishBatchRequestEntry;
  readonly bytes: number;
}

export interface TopicPlan {
  readonly batches: PlannedEntry[][];
  /**
   * Per batch, the batches it must wait for: those holding the earlier events of its order keys.
   * A batch never holds two events of one order key.
   */
  readonly after: number[][];
  /** Payloads that can never be published (over the message size limit), already failed. */
  readonly rejected: { index: number; result: DeliveryResult }[];
}

/** The message group for a visitor: the visitor id itself when SNS accepts it, else a stable hash of it. */
export function messageGroupId(visitorId: string): string {
  return VALID_GROUP_ID.test(visitorId) ? visitorId : `sha256-${sha256(visitorId)}`;
}

/**
 * Same destination and event give the same id, so SNS FIFO drops re-sends within its 5-minute
 * window. The key is the workspace's too: ids repeat across workspaces, and two workspaces'
 * events must never stand in for each other on a topic both deliver to.
 */
export function messageDeduplicationId(destinationKey: string, distinctId: string): string {
  return sha256(`${destinationKey}\n${distinctId}`);
}

export function toPublishEntry(
  destination: SnsDestination,
  { payload, message }: OutgoingEvent,
): PublishBatchRequestEntry {
  const entry: PublishBatchRequestEntry = {
    Id: '0',
    Message: message,
    // Attributes are not covered by SNS encryption: ids and the event name only, never personal data.
    MessageAttributes: {
      event_name: { DataType: 'String', StringValue: payload.event.event },
      distinct_id: { DataType: 'String', StringValue: payload.event.distinct_id },
    },
  };
  if (isFifoTopic(destination)) {
    entry.MessageGroupId = messageGroupId(payload.visitor.visitor_id);
    entry.MessageDeduplicationId = messageDeduplicationId(
      destinationKey(destination),
      payload.event.distinct_id,
    );
  }
  return entry;
}

/** SNS counts the message and every attribute's name, type and value against the size limit. */
export function publishEntrySize(entry: PublishBatchRequestEntry): number {
  let bytes = utf8Bytes(entry.Message ?? '');
  const attributes = entry.MessageAttributes ?? {};
  for (const name in attributes) {
    const { DataType = '', StringValue = '' } = attributes[name];
    bytes += utf8Bytes(name) + utf8Bytes(DataType) + utf8Bytes(StringValue);
  }
  return bytes;
}

/**
 * Packs events into PublishBatch calls within the count and size limits: each event into the
 * first call with room that comes after the call holding the previous event of its order key.
 * A visitor's events thus go out in successive calls, each waiting for the one before, so order
 * holds whatever SNS does with a batch's later entries after a failed one (its documentation
 * promises order within a batch, and says nothing of failures); other events fill the room left,
 * so a batch of 100 takes about 10 calls however many events each visitor has. Every order key's
 * first events are packed first, then their second ones, and so on: calls wait on each other
 * little more than if each rank of events went out on its own.
 */
export function planTopicBatches(destination: SnsDestination, events: readonly OutgoingEvent[]): TopicPlan {
  const rejected: TopicPlan['rejected'] = [];
  const limits = topicLimits(destination);
  const batches: PlannedEntry[][] = [];
  const batchBytes: number[] = [];
  const after: Set<number>[] = [];
  const lastBatchOf = new Map<string, number>();
  for (const index of byRankInOrderKey(events)) {
    const event = events[index];
    const entry = toPublishEntry(destination, event);
    const bytes = publishEntrySize(entry);
    if (bytes > limits.maxBytes) {
      const error = new PermanentDeliveryError(
        'PayloadTooLarge',
        `message is ${bytes} bytes; the topic accepts at most ${limits.maxBytes}`,
      );
      rejected.push({ index, result: { ok: false, error } });
      continue;
    }
    const previous = event.orderKey === undefined ? undefined : lastBatchOf.get(event.orderKey);
    let target = previous === undefined ? 0 : previous + 1;
    while (
      target < batches.length &&
      (batches[target].length === limits.maxCount || batchBytes[target] + bytes > limits.maxBytes)
    ) {
      target++;
    }
    if (target === batches.length) {
      batches.push([]);
      batchBytes.push(0);
      after.push(new Set());
    }
    batches[target].push({ index, entry, bytes });
    batchBytes[target] += bytes;
    if (previous !== undefined) after[target].add(previous);
    if (event.orderKey !== undefined) lastBatchOf.set(event.orderKey, target);
  }
  // Within a call, queue order; each entry is this plan's own object: its id is its position.
  for (const batch of batches) {
    batch.sort((a, b) => a.index - b.index);
    batch.forEach((planned, position) => {
      planned.entry.Id = String(position);
    });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { batches, after: after.map((set) => [...set]), rejected };
}

/** Event indexes: each order key's first event, in order, then each one's second, and so on. */
function byRankInOrderKey(events: readonly OutgoingEvent[]): number[] {
  const seen = new Map<string, number>();
  const rank = events.map(({ orderKey }) => {
    if (orderKey === undefined) return 0;
    const n = seen.get(orderKey) ?? 0;
    seen.set(orderKey, n + 1);
    return n;
  });
  return events.map((_, index) => index).sort((a, b) => rank[a] - rank[b] || a - b);
}

/**
 * One PublishBatch call. Returns a result per entry, in order: a 200 response can still
 * carry per-entry failures, and a failed call fails every entry with the same error.
 */
export async function publishBatch(
  client: SNSClient,
  destination: SnsDestination,
  batch: readonly PlannedEntry[],
  abortSignal?: AbortSignal,
): Promise<DeliveryResult[]> {
  try {
    const response = await client.send(
      new PublishBatchCommand({
        TopicArn: destination.topicArn,
        PublishBatchRequestEntries: batch.map((p) => p.entry),
      }),
      { abortSignal },
    );
    const failures = new Map((response.Failed ?? []).map((f) => [f.Id, f]));
    const successes = new Set((response.Successful ?? []).map((s) => s.Id));
    return batch.map(({ entry }) => {
      const failure = failures.get(entry.Id);
      if (failure) return { ok: false, error: classifyEntryFailure(failure) };
      if (successes.has(entry.Id)) return DELIVERED;
      return { ok: false, error: classifyEntryFailure({ Code: 'MissingEntryResult', SenderFault: false }) };
    });
  } catch (error) {
    const result = failed(error);
    return batch.map(() => result);
  }
}

function sha256(text: string): string {
  return hash('sha256', text);
}
