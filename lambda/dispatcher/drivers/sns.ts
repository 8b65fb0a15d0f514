import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { DELIVERY_PERMISSIONS } from '../../shared/delivery-permissions';
import { destinationKey, isFifoTopic, type SnsDestination } from '../../shared/destination-config';
import {
  classifyEntryFailure,
  DELIVERED,
  type DeliveryResult,
  failed,
  PermanentDeliveryError,
} from '../errors';
import { type BatchPlan, callsFromPlan, outgoing, type PlannedEntry, planOrderedBatches } from './batch-plan';
import type { DestinationDriver, OutgoingEvent } from './driver';
import { eventAttributes, messageDeduplicationId, messageGroupId, messageSize } from './message-fields';

/** A topic's default limits: 10 entries, and 256 KiB per message and per PublishBatch call. */
export const SNS_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;

/** A topic's limits: its `MaximumMessageSize` (up to 1 MiB) bounds one message and one call. */
export const topicLimits = (destination: SnsDestination) => ({
  maxCount: SNS_LIMITS.maxCount,
  maxBytes: destination.maxMessageBytes ?? SNS_LIMITS.maxBytes,
});

export type { OutgoingEvent } from './driver';
export { messageDeduplicationId, messageGroupId } from './message-fields';
export type TopicPlan = BatchPlan<PublishBatchRequestEntry>;

export function toPublishEntry(
  destination: SnsDestination,
  { payload, message }: OutgoingEvent,
): PublishBatchRequestEntry {
  const entry: PublishBatchRequestEntry = {
    Id: '0',
    Message: message,
    MessageAttributes: eventAttributes(payload),
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
export const publishEntrySize = (entry: PublishBatchRequestEntry): number =>
  messageSize(entry.Message ?? '', entry.MessageAttributes);

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

/** Amazon SNS topics, standard and FIFO: `PublishBatch` by up to 10; a FIFO topic orders each visitor. */
export const snsDriver: DestinationDriver<SnsDestination> = {
  permissions: DELIVERY_PERMISSIONS.sns,
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
