import type { DeliveryPermissions } from '../../../shared/delivery-permissions';
import {
  destinationKey,
  isFifo,
  type SnsDestination,
  type SqsDestination,
} from '../../../shared/destination-config';
import { type DeliveryResult, PermanentDeliveryError } from '../../errors';
import type { ServiceClientClass } from '../clients';
import {
  type BatchPlan,
  callsFromPlan,
  numberEntries,
  outgoing,
  type PlannedEntry,
  planOrderedBatches,
} from './batch-plan';
import { type AnswerById, callForResults, messageEntryFailure, resultsById } from './batch-results';
import type { DestinationDriver, OutgoingEvent } from './driver';
import { eventAttributes, messageDeduplicationId, messageGroupId, messageSize } from './message-fields';

/**
 * SNS `PublishBatch` and SQS `SendMessageBatch`, one driver: both take 10 entries and 256 KiB
 * (or the resource's raised limit) a call, name entries by `Id`, carry the same attributes and
 * FIFO ids, count sizes alike and answer per entry. Each service gives only what differs.
 */

/** A topic's or queue's default limits: 10 entries, and 256 KiB per message and per call. */
export const MESSAGE_BATCH_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;

type MessageDestination = SnsDestination | SqsDestination;

/** What a `PublishBatch` and a `SendMessageBatch` entry share: all but the body's key. */
interface MessageEntry {
  Id: string | undefined;
  MessageAttributes?: Record<string, { DataType: string | undefined; StringValue?: string }>;
  MessageGroupId?: string;
  MessageDeduplicationId?: string;
}

/** What differs between SNS and SQS. */
export interface MessageService<D extends MessageDestination, E extends MessageEntry, C> {
  /** `topic` or `queue`: in order keys and size errors. */
  readonly noun: 'topic' | 'queue';
  readonly Client: ServiceClientClass<C>;
  readonly permissions: DeliveryPermissions;
  /** An entry of this body; the shared fields are added to it. */
  entry(body: string): E;
  call(client: C, destination: D, entries: E[], abortSignal?: AbortSignal): Promise<AnswerById>;
}

export function messageBatch<D extends MessageDestination, E extends MessageEntry, C>(
  service: MessageService<D, E, C>,
) {
  const { noun } = service;

  /** The resource's `MaximumMessageSize` (up to 1 MiB) bounds one message and one call. */
  const limits = (destination: D) => ({
    maxCount: MESSAGE_BATCH_LIMITS.maxCount,
    maxBytes: destination.maxMessageBytes ?? MESSAGE_BATCH_LIMITS.maxBytes,
  });

  /** The entry, and its size as SNS and SQS count it: the body and every attribute. */
  const toEntry = (destination: D, { payload, message }: OutgoingEvent) => {
    const entry = service.entry(message);
    const attributes = eventAttributes(payload);
    entry.MessageAttributes = attributes;
    if (isFifo(destination)) {
      entry.MessageGroupId = messageGroupId(payload.visitor.visitor_id);
      entry.MessageDeduplicationId = messageDeduplicationId(destination, payload);
    }
    return { entry, bytes: messageSize(message, attributes) };
  };

  /**
   * Packs events into batch calls within the resource's limits; on a FIFO one a visitor's
   * events go out in successive calls (see `planOrderedBatches`). Entry ids are positions in a call.
   */
  const plan = (destination: D, events: readonly OutgoingEvent[]): BatchPlan<E> =>
    numberEntries(
      planOrderedBatches(
        events,
        limits(destination),
        (event) => toEntry(destination, event),
        (bytes, limit) =>
          new PermanentDeliveryError(
            'PayloadTooLarge',
            `message is ${bytes} bytes; the ${noun} accepts at most ${limit}`,
          ),
      ),
    );

  /**
   * One batch call. Returns a result per entry, in order: a 200 response can still carry
   * per-entry failures, and a failed call fails every entry with the same error.
   */
  const send = async (
    client: C,
    destination: D,
    batch: readonly PlannedEntry<E>[],
    abortSignal?: AbortSignal,
  ): Promise<DeliveryResult[]> => {
    const entries = batch.map((p) => p.entry);
    return callForResults(
      entries.length,
      () => service.call(client, destination, entries, abortSignal),
      (answer) =>
        resultsById(
          entries.map((e) => e.Id),
          answer,
          messageEntryFailure,
        ),
    );
  };

  const driver: DestinationDriver<D> = {
    permissions: service.permissions,
    orderKey: (destination, payload) =>
      isFifo(destination)
        ? `${noun}:${destinationKey(destination)}:visitor:${payload.visitor.visitor_id}`
        : undefined,
    size: (destination, event) => ({
      bytes: toEntry(destination, event).bytes,
      limit: limits(destination).maxBytes,
    }),
    planCalls: (destination, deliveries, clients) =>
      callsFromPlan(destination, deliveries, plan(destination, outgoing(deliveries)), (entries, signal) =>
        send(clients.client(service.Client, destination), destination, entries, signal),
      ),
    entryFailure: messageEntryFailure,
  };

  return { limits, plan, send, driver };
}
