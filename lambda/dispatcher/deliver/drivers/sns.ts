import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import { destinationKey, isFifoTopic, type SnsDestination } from '../../../shared/destination-config';
import type { DeliveryResult } from '../../errors';
import { type BatchPlan, callsFromPlan, outgoing, type PlannedEntry } from './batch-plan';
import { callForResults, messageEntryFailure, resultsById } from './batch-results';
import type { DestinationDriver, OutgoingEvent } from './driver';
import {
  eventAttributes,
  messageDeduplicationId,
  messageGroupId,
  messageSize,
  planMessageBatches,
} from './message-fields';

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
    entry.MessageDeduplicationId = messageDeduplicationId(destination, payload);
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
  return planMessageBatches(
    'topic',
    events,
    topicLimits(destination),
    (event) => toPublishEntry(destination, event),
    publishEntrySize,
  );
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
  const entries = batch.map((p) => p.entry);
  return callForResults(
    entries.length,
    () =>
      client.send(
        new PublishBatchCommand({ TopicArn: destination.topicArn, PublishBatchRequestEntries: entries }),
        {
          abortSignal,
        },
      ),
    (answer) =>
      resultsById(
        entries.map((e) => e.Id),
        answer,
        messageEntryFailure,
      ),
  );
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
  entryFailure: messageEntryFailure,
};
