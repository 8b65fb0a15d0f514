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
 * Packs events into batch calls within the count and size limits, a key's events in successive
 * calls, each waiting for the one before, so order holds whatever the service does with a
 * batch's later entries after a failed one (SNS and SQS promise order within a batch and say
 * nothing of failures; Kinesis `PutRecords` promises no order within a call at all).
 *
 * The calls that wait on each other are no longer a chain than the longest key's events: each
 * call has a level, and waits only for calls of lower levels. The events of keys with more than
 * one event are placed first, rank by rank, each in the lowest level that comes after its previous
 * event's and still leaves room for the key's later events below that longest chain; then the
 * events with nothing before or after them (no key, or one event of their key) fill the room left
 * at any level, then new calls. So a batch of 100 takes about as few calls as without keys, and
 * its calls' longest wait is its longest visitor's. Within a call, entries keep queue order.
 */
export function planOrderedBatches<E>(
  events: readonly OutgoingEvent[],
  limits: BatchLimits,
  toEntry: (event: OutgoingEvent) => { entry: E; bytes: number },
  tooLarge: (bytes: number, limit: number) => DeliveryError,
): BatchPlan<E> {
  const rejected: BatchPlan<E>['rejected'] = [];
  const maxEntryBytes = limits.maxEntryBytes ?? limits.maxBytes;
  const sized: (PlannedEntry<E> | undefined)[] = events.map((event, index) => {
    const { entry, bytes } = toEntry(event);
    if (bytes <= maxEntryBytes) return { index, entry, bytes };
    rejected.push({ index, result: { ok: false, error: tooLarge(bytes, maxEntryBytes) } });
    return undefined;
  });
  const planned = sized.filter((p): p is PlannedEntry<E> => p !== undefined);
  const keyCount = new Map<string, number>();
  for (const { index } of planned) {
    const key = events[index].orderKey;
    if (key !== undefined) keyCount.set(key, (keyCount.get(key) ?? 0) + 1);
  }
  const countOf = (index: number) => {
    const key = events[index].orderKey;
    return key === undefined ? 1 : (keyCount.get(key) ?? 1);
  };
  const longestChain = Math.max(1, ...keyCount.values());

  const calls: { level: number; entries: PlannedEntry<E>[]; bytes: number; after: Set<number> }[] = [];
  /** Calls by level, each level's in the order they were opened. */
  const callsAt: number[][] = [];
  const fits = (call: number, bytes: number) =>
    calls[call].entries.length < limits.maxCount && calls[call].bytes + bytes <= limits.maxBytes;
  const open = (level: number) => {
    calls.push({ level, entries: [], bytes: 0, after: new Set() });
    if (!callsAt[level]) callsAt[level] = [];
    callsAt[level].push(calls.length - 1);
    return calls.length - 1;
  };
  const put = (call: number, planned: PlannedEntry<E>) => {
    calls[call].entries.push(planned);
    calls[call].bytes += planned.bytes;
  };

  // The keys with a chain, rank by rank: each event at the lowest level with room after its
  // previous one's, within what the key's later events need below the longest chain.
  const lastCallOf = new Map<string, number>();
  const chained = planned.filter((p) => countOf(p.index) > 1);
  const rank = new Map<number, number>();
  const seen = new Map<string, number>();
  for (const { index } of chained) {
    const key = events[index].orderKey as string;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    rank.set(index, n);
  }
  chained.sort((a, b) => (rank.get(a.index) ?? 0) - (rank.get(b.index) ?? 0) || a.index - b.index);
  for (const entry of chained) {
    const key = events[entry.index].orderKey as string;
    const previous = lastCallOf.get(key);
    const lowest = previous === undefined ? 0 : calls[previous].level + 1;
    const highest = Math.max(lowest, longestChain - countOf(entry.index) + (rank.get(entry.index) ?? 0));
    let target: number | undefined;
    for (let level = lowest; level <= highest && target === undefined; level++) {
      target = callsAt[level]?.find((call) => fits(call, entry.bytes));
    }
    target ??= open(lowest);
    put(target, entry);
    if (previous !== undefined) calls[target].after.add(previous);
    lastCallOf.set(key, target);
  }

  // Events nothing waits for and that wait for nothing: the room left, lowest level first, then
  // new calls; first fit, from the first call not yet full.
  const candidates = callsAt.flat();
  let firstWithRoom = 0;
  for (const entry of planned) {
    if (countOf(entry.index) > 1) continue;
    while (
      firstWithRoom < candidates.length &&
      calls[candidates[firstWithRoom]].entries.length >= limits.maxCount
    )
      firstWithRoom++;
    let target: number | undefined;
    for (let i = firstWithRoom; i < candidates.length && target === undefined; i++) {
      if (fits(candidates[i], entry.bytes)) target = candidates[i];
    }
    if (target === undefined) {
      target = open(0);
      candidates.push(target);
    }
    put(target, entry);
  }

  // In level order, so every call comes after those it waits for.
  const order = callsAt.flat();
  const position = new Map(order.map((call, i) => [call, i]));
  for (const call of calls) call.entries.sort((a, b) => a.index - b.index);
  rejected.sort((a, b) => a.index - b.index);
  return {
    batches: order.map((call) => calls[call].entries),
    after: order.map((call) => [...calls[call].after].map((earlier) => position.get(earlier) as number)),
    rejected,
  };
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
