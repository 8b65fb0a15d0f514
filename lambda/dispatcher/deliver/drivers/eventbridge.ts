import type { EventBridgeClient, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import type { EventBridgeDestination } from '../../../shared/destination-config';
import { utf8Bytes } from '../../batching';
import { classifyEntryFailure, type DeliveryResult, PermanentDeliveryError } from '../../errors';
import { type BatchPlan, callsFromPlan, outgoing, type PlannedEntry, planOrderedBatches } from './batch-plan';
import { callForResults, resultsByPosition } from './batch-results';
import type { DestinationDriver, OutgoingEvent } from './driver';
import { loadOnce } from './load-once';

/** The EventBridge client, loaded on the first delivery to a bus. */
const eventBridgeSdk = loadOnce(() => import('@aws-sdk/client-eventbridge'));

/** `PutEvents`: 10 entries, and 256 KiB for the entries of one call together. */
export const EVENTBRIDGE_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;

/** EventBridge takes a `DetailType` of at most 128 characters. */
const MAX_DETAIL_TYPE_LENGTH = 128;

export function toEventEntry(
  destination: EventBridgeDestination,
  { payload, message }: OutgoingEvent,
): PutEventsRequestEntry {
  return {
    EventBusName: destination.eventBusArn,
    Source: destination.source,
    DetailType: payload.event.event,
    Detail: message,
  };
}

/** EventBridge's own count: `Source`, `DetailType` and `Detail` in UTF-8 (no `Time` or `Resources` sent). */
export const eventEntrySize = (entry: PutEventsRequestEntry): number =>
  utf8Bytes(entry.Source ?? '') + utf8Bytes(entry.DetailType ?? '') + utf8Bytes(entry.Detail ?? '');

/**
 * Packs events into PutEvents calls within the bus's limits. An event whose name is too long for
 * a `DetailType` can never be put: it fails here, with its reason. EventBridge keeps no order.
 */
export function planEventBatches(
  destination: EventBridgeDestination,
  events: readonly OutgoingEvent[],
): BatchPlan<PutEventsRequestEntry> {
  const named = events.map((event, index) => ({ event, index }));
  const tooLong = named.filter(({ event }) => event.payload.event.event.length > MAX_DETAIL_TYPE_LENGTH);
  const putable = named.filter(({ event }) => event.payload.event.event.length <= MAX_DETAIL_TYPE_LENGTH);
  const plan = planOrderedBatches(
    putable.map(({ event }) => event),
    EVENTBRIDGE_LIMITS,
    (event) => {
      const entry = toEventEntry(destination, event);
      return { entry, bytes: eventEntrySize(entry) };
    },
    (bytes, limit) =>
      new PermanentDeliveryError(
        'PayloadTooLarge',
        `event entry is ${bytes} bytes; a bus accepts at most ${limit}`,
      ),
  );
  // Back to the caller's indexes.
  const indexOf = (position: number) => putable[position].index;
  return {
    batches: plan.batches.map((batch) =>
      batch.map((planned) => ({ ...planned, index: indexOf(planned.index) })),
    ),
    after: plan.after,
    rejected: [
      ...plan.rejected.map(({ index, result }) => ({ index: indexOf(index), result })),
      ...tooLong.map(({ event, index }) => ({
        index,
        result: {
          ok: false as const,
          error: new PermanentDeliveryError(
            'InvalidParameter',
            `event name is ${event.payload.event.event.length} characters; an EventBridge DetailType takes at most ${MAX_DETAIL_TYPE_LENGTH}`,
          ),
        },
      })),
    ].sort((a, b) => a.index - b.index),
  };
}

/**
 * A per-entry failure: internal failures and throttling are retried; anything else EventBridge
 * names (malformed detail, not authorised for the source) is the sender's and dead-lettered.
 */
const entryFailure = (code: string, message?: string) =>
  classifyEntryFailure({ Code: code, Message: message, SenderFault: true });

/**
 * One PutEvents call. Returns a result per entry, in order: the response lists one result per
 * entry sent, in the same order; a failed call fails every entry with the same error.
 */
export async function putEvents(
  client: EventBridgeClient,
  batch: readonly PlannedEntry<PutEventsRequestEntry>[],
  abortSignal?: AbortSignal,
): Promise<DeliveryResult[]> {
  const { PutEventsCommand } = await eventBridgeSdk();
  return callForResults(
    batch.length,
    () => client.send(new PutEventsCommand({ Entries: batch.map((p) => p.entry) }), { abortSignal }),
    (answer) =>
      resultsByPosition(
        batch.length,
        (answer.Entries ?? []).map((e) => ({ ...e, delivered: Boolean(e.EventId) })),
        entryFailure,
      ),
  );
}

/** Amazon EventBridge buses: `PutEvents` by up to 10, `DetailType` the event name, `Detail` the payload. */
export const eventBridgeDriver: DestinationDriver<EventBridgeDestination> = {
  permissions: DELIVERY_PERMISSIONS.eventbridge,
  orderKey: () => undefined,
  size: (destination, event) => ({
    bytes: eventEntrySize(toEventEntry(destination, event)),
    limit: EVENTBRIDGE_LIMITS.maxBytes,
  }),
  planCalls: (destination, deliveries, clients) =>
    callsFromPlan(
      destination,
      deliveries,
      planEventBatches(destination, outgoing(deliveries)),
      async (entries, signal) => {
        const { EventBridgeClient } = await eventBridgeSdk();
        return putEvents(clients.client(EventBridgeClient, destination), entries, signal);
      },
    ),
  entryFailure: (code, message) => entryFailure(code, message),
};
