import { type Destination, destinationKey } from '../../shared/destination-config';
import type { Delivery } from '../delivery';
import {
  DeferredDeliveryError,
  type DeliveryError,
  type DeliveryResult,
  failed,
  PermanentDeliveryError,
  RetryableDeliveryError,
} from '../errors';
import type { CallPool } from './call-pool';
import type { DeliveryClients } from './clients';
import { driverOf } from './drivers';
import type { DeliveryCall } from './drivers/driver';
import type { BrokenDestinations } from './failure-memory/broken-destinations';
import type { CircuitBreakers } from './failure-memory/circuit-breaker';
import type { DisabledDestinations } from './failure-memory/disabled-destinations';
import { offloadOversize, type PayloadStore } from './offload';
import type { RateLimiter } from './rate-limiter';

export interface LaneDependencies {
  readonly clients: DeliveryClients;
  /** This batch's calls: fair between destinations, cut when they hold the batch up. */
  readonly pool: CallPool;
  readonly breakers: CircuitBreakers;
  readonly rateLimiter: RateLimiter;
  /** Destinations that just failed for good, skipped for a while. @default none remembered */
  readonly brokenDestinations?: BrokenDestinations;
  /** Destinations disabled after failing everything for long. @default none disabled */
  readonly disabledDestinations?: DisabledDestinations;
  readonly payloads?: PayloadStore;
  /** How long an upload to the payload bucket may keep the batch waiting. */
  readonly uploadPatienceMs: number;
  /** Whether a retryable failure of this delivery gets another attempt (else it is dead-lettered). */
  readonly willBeRetried: (delivery: Delivery) => boolean;
}

const blockedBehindFailure = (): DeliveryResult => ({
  ok: false,
  error: new RetryableDeliveryError(
    'OrderBlocked',
    'an earlier event of the same visitor failed; kept behind it',
  ),
});

/**
 * Delivers a batch's deliveries in lanes, so that nothing waits for what it does not come after.
 * On a standard ingest queue order matters only within a destination (a FIFO topic's visitor), so
 * lanes are per destination, and a destination's calls keep its order keys' order (see
 * `planOrderedBatches`). On a FIFO ingest queue a message group keeps its order across all
 * destinations, so each `(workspace, message group)` is a lane, in waves (its n-th event in
 * wave n); the lanes' waves to one destination that are ready together go out in shared calls.
 * After a retryable failure, the rest of that order key is kept behind it.
 */
export async function deliverInLanes(deliveries: readonly Delivery[], deps: LaneDependencies): Promise<void> {
  // On a FIFO ingest queue a delivery's order key is its (workspace, message group).
  const lanes = groupBy(deliveries, (d) =>
    d.record.messageGroupId ? `${d.orderKey}` : `destination:${destinationKey(d.destination)}`,
  );
  const batch: BatchDeliveryState = { answered: new Set(), stragglersCounted: new Set() };
  const context: LaneContext = { ...deps, batch };
  const waves = new WaveCoalescer(context);
  // A destination no lane will call any more frees the share of the slots kept for it.
  const lanesTo = new Map<string, { destination: Destination; lanes: number }>();
  for (const lane of lanes.values()) {
    for (const destination of new Set(lane.map((d) => d.destination))) {
      const entry = lanesTo.get(destinationKey(destination)) ?? { destination, lanes: 0 };
      entry.lanes += 1;
      lanesTo.set(destinationKey(destination), entry);
    }
  }
  await Promise.all(
    [...lanes.values()].map(async (lane) => {
      await deliverLane(lane, context, waves);
      for (const destination of new Set(lane.map((d) => d.destination))) {
        const entry = lanesTo.get(destinationKey(destination));
        if (entry && --entry.lanes === 0) deps.pool.done(destination);
      }
    }),
  );
}

/** What the batch has seen of each destination, to tell a hung destination from a few slow calls. */
interface BatchDeliveryState {
  /** Destinations that answered at least one call in this batch. */
  readonly answered: Set<string>;
  /** Destinations whose cut stragglers were already counted against their circuit. */
  readonly stragglersCounted: Set<string>;
}

type LaneContext = LaneDependencies & { readonly batch: BatchDeliveryState };

async function deliverLane(
  deliveries: readonly Delivery[],
  deps: LaneContext,
  waves: WaveCoalescer,
): Promise<void> {
  const blocked = new Set<string>();
  const lastWave = deliveries.reduce((max, d) => Math.max(max, d.wave), -1);
  const messageGroup = deliveries[0]?.record.messageGroupId !== undefined;
  for (let wave = 0; wave <= lastWave; wave++) {
    const runnable: Delivery[] = [];
    for (const delivery of deliveries) {
      if (delivery.wave !== wave || delivery.result) continue;
      const unhealthy = deps.brokenDestinations?.check(destinationKey(delivery.destination));
      if (unhealthy) delivery.result = { ok: false, error: unhealthy };
      else if (delivery.orderKey && blocked.has(delivery.orderKey)) delivery.result = blockedBehindFailure();
      else runnable.push(delivery);
    }
    const byDestination = groupBy(runnable, (d) => destinationKey(d.destination));
    await Promise.all(
      [...byDestination.values()].map((group) =>
        messageGroup
          ? waves.deliver(group[0].destination, group)
          : deliverToDestination(group[0].destination, group, deps),
      ),
    );
    for (const delivery of runnable) {
      if (delivery.orderKey && keepsOthersBehind(delivery, deps)) blocked.add(delivery.orderKey);
    }
  }
}

/**
 * Gathers the deliveries that lanes hand to one destination in the same turn of the event loop
 * into one delivery, so message groups moving in step share batch calls (ten groups' events in
 * one PublishBatch) while each lane waits only for the destinations its own events go to.
 */
class WaveCoalescer {
  private readonly gathering = new Map<string, { deliveries: Delivery[]; sent: Promise<void> }>();

  constructor(private readonly deps: LaneContext) {}

  deliver(destination: Destination, deliveries: readonly Delivery[]): Promise<void> {
    const key = destinationKey(destination);
    const open = this.gathering.get(key);
    if (open) {
      open.deliveries.push(...deliveries);
      return open.sent;
    }
    const gathered = [...deliveries];
    const sent = new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        this.gathering.delete(key);
        deliverToDestination(destination, gathered, this.deps).then(resolve, reject);
      }),
    );
    this.gathering.set(key, { deliveries: gathered, sent });
    return sent;
  }
}

/** One wave's deliveries to one destination: breaker, rate limit, offload, then the calls. */
async function deliverToDestination(
  destination: Destination,
  deliveries: readonly Delivery[],
  deps: LaneContext,
): Promise<void> {
  const key = destinationKey(destination);
  const disabled = await deps.disabledDestinations?.disabled(key);
  if (disabled) {
    const error = new PermanentDeliveryError(
      'DestinationDisabled',
      `destination disabled at ${new Date(disabled.disabledAt).toISOString()}: ${disabled.reason}; re-enable it, then redrive`,
    );
    return settleAll(deliveries, { ok: false, error });
  }
  const admission = deps.breakers.admit(key);
  if (admission.kind === 'deferred') return settleAll(deliveries, { ok: false, error: admission.error });

  let admitted = deliveries;
  if (destination.maxEventsPerSecond) {
    const { granted, waitSeconds } = deps.rateLimiter.take(
      key,
      destination.maxEventsPerSecond,
      deliveries.length,
    );
    admitted = deliveries.slice(0, granted);
    const error = new DeferredDeliveryError(
      'RateLimited',
      `over the destination's limit of ${destination.maxEventsPerSecond} events/s`,
      waitSeconds,
    );
    settleAll(deliveries.slice(granted), { ok: false, error });
  }

  await offloadOversize(admitted, deps.payloads, (_delivery, upload) =>
    deps.pool.run(destination, deps.uploadPatienceMs, upload),
  );
  const sendable = admitted.filter((d) => !d.result);
  const calls = driverOf(destination).planCalls(destination, sendable, deps.clients);
  if (calls.length === 0) return;
  const previous = previousInOrder(sendable);
  const run = (call: DeliveryCall) => makeCall(call, previous, deps);
  if (admission.kind === 'probe') {
    // Half-open: one call decides; the others go only if it closes the circuit.
    const first = run(calls[0]);
    await first;
    const after = deps.breakers.admit(key);
    if (after.kind === 'deferred') {
      for (const call of calls.slice(1)) settleAll(call.deliveries, { ok: false, error: after.error });
      return;
    }
    await runInOrder(calls, run, first);
    return;
  }
  await runInOrder(calls, run);
}

/** Runs a destination's calls, each once the calls it comes after have answered. */
async function runInOrder(
  calls: readonly DeliveryCall[],
  run: (call: DeliveryCall) => Promise<void>,
  firstStarted?: Promise<void>,
): Promise<void> {
  const answered: Promise<void>[] = [];
  calls.forEach((call, index) => {
    answered[index] =
      index === 0 && firstStarted
        ? firstStarted
        : Promise.all(call.after.map((earlier) => answered[earlier])).then(() => run(call));
  });
  await Promise.all(answered);
}

/** Each delivery's previous delivery of the same order key, if any. */
function previousInOrder(deliveries: readonly Delivery[]): Map<Delivery, Delivery> {
  const last = new Map<string, Delivery>();
  const previous = new Map<Delivery, Delivery>();
  for (const delivery of deliveries) {
    if (!delivery.orderKey) continue;
    const before = last.get(delivery.orderKey);
    if (before) previous.set(delivery, before);
    last.set(delivery.orderKey, delivery);
  }
  return previous;
}

/**
 * Whether a delivery's failure keeps the rest of its order key behind it: a retryable failure
 * that will be retried. A delivery on its last attempt is dead-lettered instead: nothing to keep
 * behind it.
 */
function keepsOthersBehind(delivery: Delivery, deps: LaneContext): boolean {
  const { result } = delivery;
  return Boolean(result && !result.ok && result.error.retryable && deps.willBeRetried(delivery));
}

/**
 * One call through the pool, for those of its deliveries not kept behind an earlier failure of
 * their order key; its outcome sets each delivery's result and informs the breaker.
 */
async function makeCall(
  call: DeliveryCall,
  previous: ReadonlyMap<Delivery, Delivery>,
  deps: LaneContext,
): Promise<void> {
  for (const delivery of call.deliveries) {
    const before = previous.get(delivery);
    if (before && keepsOthersBehind(before, deps)) delivery.result ??= blockedBehindFailure();
  }
  const pending = call.deliveries.filter((d) => !d.result);
  if (pending.length === 0) return;
  const id = destinationKey(call.destination);
  // Timed from when the call starts, not from when it queued for a slot.
  let startedAt = Date.now();
  let results: DeliveryResult[];
  try {
    results = await deps.pool.run(call.destination, deps.breakers.patienceMs(id), (signal) => {
      startedAt = Date.now();
      return call.send(signal, pending);
    });
    deps.batch.answered.add(id);
  } catch (error) {
    const result = failed(error);
    results = pending.map(() => result);
  }
  pending.forEach((delivery, index) => {
    delivery.result ??= results[index];
  });
  const outcome = callOutcome(results);
  if (outcome.ok) {
    deps.breakers.recordSuccess(id, Date.now() - startedAt);
    return;
  }
  if (isStraggler(outcome.error, id, deps.batch)) {
    // The destination answered other calls in this batch: its calls cut together at the end are
    // the few slow ones left over, one observation, not a destination that stopped answering.
    if (deps.batch.stragglersCounted.has(id)) return;
    deps.batch.stragglersCounted.add(id);
  }
  deps.breakers.recordFailure(id, outcome.error);
  deps.brokenDestinations?.record(id, outcome.error);
}

const isStraggler = (error: DeliveryError, destinationId: string, batch: BatchDeliveryState): boolean =>
  error.code === 'DeliveryTimedOut' && batch.answered.has(destinationId);

function settleAll(deliveries: readonly Delivery[], result: DeliveryResult): void {
  for (const delivery of deliveries) delivery.result ??= result;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** A call's outcome for the breaker: alive if any event got through, else its first error. */
function callOutcome(results: readonly DeliveryResult[]): DeliveryResult {
  return results.find((r) => r.ok) ?? results[0] ?? { ok: true };
}
