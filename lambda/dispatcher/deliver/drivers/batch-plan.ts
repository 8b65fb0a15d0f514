import type { Destination } from '../../../shared/destination-config';
import type { Delivery } from '../../delivery';
import type { DeliveryError, DeliveryResult } from '../../errors';
import type { DeliveryCall, OutgoingEvent } from './driver';

/** A service's batch limits: entries per call, bytes per call, and bytes per entry. */
export interface BatchLimits {
  readonly maxCount: number;
  readonly maxBytes: number;
  /** @default maxBytes */
  readonly maxEntryBytes?: number;
}

export interface PlannedEntry<E> {
  /** Index of the event in the caller's list, so results can be mapped back. */
  readonly index: number;
  readonly entry: E;
  readonly bytes: number;
}

export interface BatchPlan<E> {
  readonly batches: PlannedEntry<E>[][];
  /**
   * Per batch, the batches it must wait for: those holding the earlier events of its order keys.
   * A batch never holds two events of one order key.
   */
  readonly after: number[][];
  /** Events that can never be sent (over the entry size limit), already failed. */
  readonly rejected: { index: number; result: DeliveryResult }[];
}

/**
 * Packs events into batch calls within the count and size limits: each event into the first call
 * with room that comes after the call holding the previous event of its order key. A key's
 * events thus go out in successive calls, each waiting for the one before, so order holds
 * whatever the service does with a batch's later entries after a failed one (SNS and SQS promise
 * order within a batch and say nothing of failures; Kinesis `PutRecords` promises no order
 * within a call at all). Other events fill the room left, so a batch of 100 takes about as few
 * calls as without keys. Every key's first events are packed first, then their second ones, and
 * so on: calls wait on each other little more than if each rank of events went out on its own.
 * Within a call, entries keep queue order.
 */
export function planOrderedBatches<E>(
  events: readonly OutgoingEvent[],
  limits: BatchLimits,
  toEntry: (event: OutgoingEvent) => { entry: E; bytes: number },
  tooLarge: (bytes: number, limit: number) => DeliveryError,
): BatchPlan<E> {
  const rejected: BatchPlan<E>['rejected'] = [];
  const maxEntryBytes = limits.maxEntryBytes ?? limits.maxBytes;
  const batches: PlannedEntry<E>[][] = [];
  const batchBytes: number[] = [];
  const after: Set<number>[] = [];
  const lastBatchOf = new Map<string, number>();
  for (const index of byRankInOrderKey(events)) {
    const event = events[index];
    const { entry, bytes } = toEntry(event);
    if (bytes > maxEntryBytes) {
      rejected.push({ index, result: { ok: false, error: tooLarge(bytes, maxEntryBytes) } });
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
  for (const batch of batches) batch.sort((a, b) => a.index - b.index);
  rejected.sort((a, b) => a.index - b.index);
  return { batches, after: after.map((set) => [...set]), rejected };
}

/** Entry ids as positions in their call, for services that name a batch's entries by `Id` (SNS, SQS). */
export function numberEntries<E extends { Id?: string }>(plan: BatchPlan<E>): BatchPlan<E> {
  for (const batch of plan.batches) {
    batch.forEach((planned, position) => {
      planned.entry.Id = String(position);
    });
  }
  return plan;
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
 * The calls of a plan for deliveries to one destination: rejected deliveries get their result,
 * each batch becomes a call that sends whichever of its entries are still to send.
 */
export function callsFromPlan<E>(
  destination: Destination,
  deliveries: readonly Delivery[],
  plan: BatchPlan<E>,
  send: (entries: readonly PlannedEntry<E>[], signal: AbortSignal) => Promise<DeliveryResult[]>,
): DeliveryCall[] {
  for (const { index, result } of plan.rejected) deliveries[index].result = result;
  return plan.batches.map((batch, position) => {
    const entryOf = new Map(batch.map((planned) => [deliveries[planned.index], planned]));
    return {
      destination,
      deliveries: [...entryOf.keys()],
      after: plan.after[position],
      send: (signal, toSend) =>
        send(
          toSend.map((delivery) => entryOf.get(delivery) as PlannedEntry<E>),
          signal,
        ),
    };
  });
}

/** The events of deliveries, as drivers plan them. */
export const outgoing = (deliveries: readonly Delivery[]): OutgoingEvent[] =>
  deliveries.map((d) => ({ payload: d.payload, message: d.message, orderKey: d.orderKey }));
