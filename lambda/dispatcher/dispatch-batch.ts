import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { destinationKey } from '../shared/destination-config';
import { type MetricsSink, publishBatchMetrics } from './batch-metrics';
import { CallCutError, CallPool, type CallPoolLimits } from './call-pool';
import { CircuitBreakers } from './circuit-breaker';
import type { DeliveryClients } from './clients';
import { BatchDeadline } from './deadline';
import { deliverInLanes } from './deliver-lanes';
import type { Delivery } from './delivery';
import { logDeliveries, logReceived } from './delivery-log';
import type { DestinationHealth } from './destination-health';
import type { DestinationRegistry } from './destination-registry';
import type { DestinationStatus } from './destination-status';
import { failed } from './errors';
import type { PayloadStore } from './offload';
import { prepareDeliveries } from './prepare-deliveries';
import { RateLimiter } from './rate-limiter';
import { type SettleDependencies, settle, willBeRetried } from './settle';

export interface DispatchDependencies extends SettleDependencies {
  readonly registry: DestinationRegistry;
  readonly clients: DeliveryClients;
  /** Delivery API calls in flight at once within one batch, and to any one destination. */
  readonly concurrency: number | CallPoolLimits;
  /** Destinations that just failed for good, skipped for a while. @default none remembered */
  readonly health?: DestinationHealth;
  /** Circuit breakers per destination, kept for the execution environment. @default a fresh set per batch */
  readonly breakers?: CircuitBreakers;
  /** Rate limits per destination, kept for the execution environment. @default a fresh set per batch */
  readonly rateLimiter?: RateLimiter;
  /** Destinations disabled after failing everything for long. @default none disabled */
  readonly status?: DestinationStatus;
  /**
   * Where payloads too large for a destination that enables `offloadOversize` are stored.
   * @default none: oversize events are dead-lettered with `PayloadTooLarge`
   */
  readonly payloads?: PayloadStore;
  /** Where the batch's metrics go. @default none: counts are only logged */
  readonly metrics?: MetricsSink;
}

/** A destination's share of a batch's call slots is never less than one in this many. */
const MIN_SHARE_DIVISOR = 4;

/**
 * Each destination of the batch gets an equal share of the call slots, at least a quarter of
 * them: a batch for one destination uses them all, and a hung destination holds only its own
 * share while the others keep theirs.
 */
function fairShares(total: number, deliveries: readonly Delivery[]): CallPoolLimits {
  const destinations = new Set(deliveries.map((d) => destinationKey(d.destination))).size;
  const share = Math.ceil(total / Math.min(MIN_SHARE_DIVISOR, Math.max(1, destinations)));
  return { total, perDestination: Math.max(1, share) };
}

/**
 * Delivers one SQS batch: validate and route, deliver in lanes, settle each record.
 *
 * The batch settles before `deadline`: calls still in flight then are cut and their deliveries
 * retried for their destination alone. A record is acknowledged once each of its deliveries
 * succeeded, was dead-lettered, or has a retry scheduled for that destination alone. Without a
 * retry policy, or on a FIFO ingest queue, a record still failing is returned as a batch item
 * failure so SQS redelivers only it.
 */
export async function dispatchBatch(
  records: readonly SQSRecord[],
  deps: DispatchDependencies,
  deadline: BatchDeadline = BatchDeadline.none(),
): Promise<SQSBatchResponse> {
  const { deliveries, deadLetters, unresolved, unrouted, blockedByConsent, received } =
    await prepareDeliveries(records, deps.registry, deps.logger);
  logReceived(deps.logger, received);

  const breakers = deps.breakers ?? new CircuitBreakers();
  const pool = new CallPool(
    typeof deps.concurrency === 'number' ? fairShares(deps.concurrency, deliveries) : deps.concurrency,
  );
  const stopAtDeadline = deadline.onReached(() => pool.close('deadline'));
  try {
    await deliverInLanes(deliveries, {
      clients: deps.clients,
      pool,
      breakers,
      rateLimiter: deps.rateLimiter ?? new RateLimiter(),
      health: deps.health,
      status: deps.status,
      payloads: deps.payloads,
      uploadPatienceMs: breakers.maxPatienceMs,
      willBeRetried: (delivery) =>
        willBeRetried(delivery, deps, delivery.result?.ok === false ? delivery.result.error : undefined),
    });
  } finally {
    stopAtDeadline();
    pool.close();
  }
  // Nothing is left without an outcome, whatever happened above.
  for (const delivery of deliveries) delivery.result ??= failed(new CallCutError('deadline'));

  const settlement = await settle(deliveries, deadLetters, deps, unresolved);
  logDeliveries(deps.logger, deliveries);
  if (deps.metrics) {
    try {
      publishBatchMetrics(deps.metrics, deps.logger, { deliveries, ...settlement });
    } catch (error) {
      // Metrics are for people: a failure to emit them never fails delivery.
      deps.logger.error('metrics not published', { errorName: (error as Error).name });
    }
  }
  deps.logger.info('batch dispatched', {
    records: records.length,
    deliveries: deliveries.length,
    unrouted,
    blockedByConsent,
    unresolved: unresolved.length,
    delivered: deliveries.filter((d) => d.result?.ok).length,
    deadLettered: settlement.deadLettered,
    retriesScheduled: settlement.retriesScheduled,
    failedRecords: settlement.failedRecords.size,
    ...(deadline.passed() && { settledAtDeadline: true }),
  });
  return {
    batchItemFailures: records
      .filter((r) => settlement.failedRecords.has(r.messageId))
      .map((r) => ({ itemIdentifier: r.messageId })),
  };
}
