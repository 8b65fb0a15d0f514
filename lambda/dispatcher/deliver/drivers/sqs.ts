import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import { arnParts, destinationKey, isFifo, type SqsDestination } from '../../../shared/destination-config';
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

/** A queue's default limits: 10 entries, and 256 KiB per message and per SendMessageBatch call. */
export const SQS_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;

/** A queue's limits: its `MaximumMessageSize` (up to 1 MiB) bounds one message and one call. */
export const queueLimits = (destination: SqsDestination) => ({
  maxCount: SQS_LIMITS.maxCount,
  maxBytes: destination.maxMessageBytes ?? SQS_LIMITS.maxBytes,
});

/** The queue's URL, which SQS's API takes, from its ARN. */
export function queueUrl(queueArn: string): string {
  const { partition, region, account } = arnParts(queueArn);
  const name = queueArn.split(':')[5];
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

export function toQueueEntry(
  destination: SqsDestination,
  { payload, message }: OutgoingEvent,
): SendMessageBatchRequestEntry {
  const entry: SendMessageBatchRequestEntry = {
    Id: '0',
    MessageBody: message,
    MessageAttributes: eventAttributes(payload),
  };
  if (isFifo(destination)) {
    entry.MessageGroupId = messageGroupId(payload.visitor.visitor_id);
    entry.MessageDeduplicationId = messageDeduplicationId(destination, payload);
  }
  return entry;
}

const queueEntrySize = (entry: SendMessageBatchRequestEntry): number =>
  messageSize(entry.MessageBody ?? '', entry.MessageAttributes);

/**
 * Packs events into SendMessageBatch calls within the queue's limits; on a FIFO queue a
 * visitor's events go out in successive calls (see `planOrderedBatches`). Entry ids are
 * positions in a call.
 */
export function planQueueBatches(
  destination: SqsDestination,
  events: readonly OutgoingEvent[],
): BatchPlan<SendMessageBatchRequestEntry> {
  return planMessageBatches(
    'queue',
    events,
    queueLimits(destination),
    (event) => toQueueEntry(destination, event),
    queueEntrySize,
  );
}

/**
 * One SendMessageBatch call. Returns a result per entry, in order: a 200 response can still
 * carry per-entry failures, and a failed call fails every entry with the same error.
 */
export async function sendMessageBatch(
  client: SQSClient,
  destination: SqsDestination,
  batch: readonly PlannedEntry<SendMessageBatchRequestEntry>[],
  abortSignal?: AbortSignal,
): Promise<DeliveryResult[]> {
  const entries = batch.map((p) => p.entry);
  return callForResults(
    entries.length,
    () =>
      client.send(
        new SendMessageBatchCommand({ QueueUrl: queueUrl(destination.queueArn), Entries: entries }),
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

/** Amazon SQS queues, standard and FIFO: `SendMessageBatch` by up to 10; a FIFO queue orders each visitor. */
export const sqsDriver: DestinationDriver<SqsDestination> = {
  permissions: DELIVERY_PERMISSIONS.sqs,
  orderKey: (destination, payload) =>
    isFifo(destination)
      ? `queue:${destinationKey(destination)}:visitor:${payload.visitor.visitor_id}`
      : undefined,
  // SQS counts the message attributes too.
  size: (destination, event) => ({
    bytes: queueEntrySize(toQueueEntry(destination, event)),
    limit: queueLimits(destination).maxBytes,
  }),
  planCalls: (destination, deliveries, clients) =>
    callsFromPlan(
      destination,
      deliveries,
      planQueueBatches(destination, outgoing(deliveries)),
      (entries, signal) =>
        sendMessageBatch(clients.client(SQSClient, destination), destination, entries, signal),
    ),
  entryFailure: messageEntryFailure,
};
