import { hash } from 'node:crypto';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { destinationKey, isFifoTopic, type SnsDestination } from '../../shared/destination-config';
import { utf8Bytes } from '../batching';
import {
  classifyEntryFailure,
  DELIVERED,
  type DeliveryResult,
  failed,
  PermanentDeliveryError,
} from '../errors';
import { type BatchPlan, callsFromPlan, outgoing, type PlannedEntry, planOrderedBatches } from './batch-plan';
import type { DestinationDriver, OutgoingEvent } from './driver';

/** A topic's default limits: 10 entries, and 256 KiB per message and per PublishBatch call. */
export const SNS_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;

/** A topic's limits: its `MaximumMessageSize` (up to 1 MiB) bounds one message and one call. */
export const topicLimits = (destination: SnsDestination) => ({
  maxCount: SNS_LIMITS.maxCount,
  maxBytes: destination.maxMessageBytes ?? SNS_LIMITS.maxBytes,
});

/** SNS FIFO message group ids: 1–128 printable ASCII characters. */
const VALID_GROUP_ID = /^[\x21-\x7e]{1,128}$/;

export type { OutgoingEvent } from './driver';
export type TopicPlan = BatchPlan<PublishBatchRequestEntry>;

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
 * Packs events into PublishBatch calls within the topic's limits; on a FIFO topic a visitor's
 * events go out in successive calls (see `planOrderedBatches`). Entry ids are positions in a call.
 */
export function planTopicBatches(destination: SnsDestination, events: readonly OutgoingEvent[]): TopicPlan {
  const plan = planOrderedBatches(
    events,
    topicLimits(destination),
    (event) => {
      const entry = toPublishEntry(destination, event);
      return { entry, bytes: publishEntrySize(entry) };
    },
    (bytes, limit) =>
      new PermanentDeliveryError(
        'PayloadTooLarge',
        `message is ${bytes} bytes; the topic accepts at most ${limit}`,
      ),
  );
  // Each entry is this plan's own object: its id is its position in its call.
  for (const batch of plan.batches) {
    batch.forEach((planned, position) => {
      planned.entry.Id = String(position);
    });
  }
  return plan;
}

/**
 * One PublishBatch call. Returns a result per entry, in order: a 200 response can still
 * carry per-entry failures, and a failed call fails every entry with the same error.
 */
export async function publishBatch(
  client: SNSClient,
  destination: SnsDestination,
  batch: readonly PlannedEntry<PublishBatchRequestEntry>[],
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

/** Amazon SNS topics, standard and FIFO: `PublishBatch` by up to 10; a FIFO topic orders each visitor. */
export const snsDriver: DestinationDriver<SnsDestination> = {
  orderKey: (destination, payload) =>
    isFifoTopic(destination)
      ? `topic:${destinationKey(destination)}:visitor:${payload.visitor.visitor_id}`
      : undefined,
  // SNS counts the message attributes too.
  size: (destination, event) => ({
    bytes: publishEntrySize(toPublishEntry(destination, event)),
    limit: topicLimits(destination).maxBytes,
  }),
  planCalls: (destination, deliveries, clients) =>
    callsFromPlan(
      destination,
      deliveries,
      planTopicBatches(destination, outgoing(deliveries)),
      (entries, signal) => publishBatch(clients.client(SNSClient, destination), destination, entries, signal),
    ),
  entryFailure: ({ code, message, senderFault }) =>
    classifyEntryFailure({ Code: code, Message: message, SenderFault: senderFault }),
};
