import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { type MetricsSink, publishBatchMetrics } from './batch-metrics';
import { BatchDeadline } from './deadline';
import { CallCutError, CallPool, type CallPoolLimits } from './deliver/call-pool';
import type { DeliveryClients } from './deliver/clients';
import { deliverInLanes } from './deliver/deliver-lanes';
import type { BrokenDestinations } from './deliver/failure-memory/broken-destinations';
import { CircuitBreakers } from './deliver/failure-memory/circuit-breaker';
import type { DisabledDestinations } from './deliver/failure-memory/disabled-destinations';
import type { PayloadStore } from './deliver/offload';
import { RateLimiter } from './deliver/rate-limiter';
import { logDeliveries, logReceived } from './delivery-log';
import { failed } from './errors';
import { prepareDeliveries } from './prepare/prepare-deliveries';
import type { Registry } from './prepare/registry';
import { MAX_EVENTS_PER_BATCH, resendDeferred } from './settle/defer';
import { type SettleDependencies, settle, willBeRetried } from './settle/settle';

export interface DispatchDependencies extends SettleDependencies {
  readonly registry: Registry;
  readonly clients: DeliveryClients;
  /** Delivery API calls in flight at once within one batch (and at most to any one destination). */
  readonly concurrency: number | CallPoolLimits;
  /** Destinations that just failed for good, skipped for a while. @default none remembered */
  readonly brokenDestinations?: BrokenDestinations;
  /** Circuit breakers per destination, kept for the execution environment. @default a fresh set per batch */
  readonly breakers?: CircuitBreakers;
  /** Rate limits per destination, kept for the execution environment. @default a fresh set per batch */
  readonly rateLimiter?: RateLimiter;
  /** Destinations disabled after failing everything for long. @default none disabled */
  readonly disabledDestinations?: DisabledDestinations;
  /**
   * Where payloads too large for a destination that enables `offloadOversize` are stored.
   * @default none: oversize events are dead-lettered with `PayloadTooLarge`
   */
  readonly payloads?: PayloadStore;
  /** Where the batch's metrics go. @default none: counts are only logged */
  readonly metrics?: MetricsSink;
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
  const {
    deliveries,
    deadLetters,
    unresolved,
    unrouted,
    blockedByConsent,
    blockedByDestination,
    received,
    unscopedGroups,
    deferred,
  } = await prepareDeliveries(records, deps.registry, deps.logger, deps.pins, maxEventsOf(records, deps));
  // Sent back while the batch delivers: unread, they wait for nothing of it.
  const resending = deps.retry
    ? resendDeferred(deferred, deps.sqs, deps.retry.queueUrl)
    : Promise.resolve([]);
  // Written while the first calls are in flight rather than before them, for every call waits for
  // the CPU spent ahead of it (a line naming 100 events costs about what two calls do); at the
  // latest once delivery ends, so it still comes before the lines about outcomes.
  const logReceivedLines = once(() => {
    logReceived(deps.logger, received);
    if (unscopedGroups.size > 0) {
      deps.logger.warn(
        'FIFO message groups without their workspace: set MessageGroupId to workspace_id:visitor_id',
        {
          workspaceIds: [...unscopedGroups],
        },
      );
    }
  });

  const breakers = deps.breakers ?? new CircuitBreakers();
  // Shared by workspace, then destination; each destination's share kept until it first asks.
  const pool = new CallPool(
    typeof deps.concurrency === 'number' ? { total: deps.concurrency } : deps.concurrency,
    { expected: new Set(deliveries.map((d) => d.destination)) },
  );
  const stopAtDeadline = deadline.onReached(() => pool.close('deadline'));
  let receivedLogged: NodeJS.Immediate | undefined;
  try {
    const delivering = deliverInLanes(deliveries, {
      clients: deps.clients,
      pool,
      breakers,
      rateLimiter: deps.rateLimiter ?? new RateLimiter(),
      brokenDestinations: deps.brokenDestinations,
      disabledDestinations: deps.disabledDestinations,
      payloads: deps.payloads,
      uploadPatienceMs: breakers.maxPatienceMs,
      willBeRetried: (delivery) =>
        willBeRetried(delivery, deps, delivery.result?.ok === false ? delivery.result.error : undefined),
    });
    // Queued once the lanes have started (a FIFO ingest queue's lanes queue their first turn
    // first): it runs after the microtasks that write the first calls.
    receivedLogged = setImmediate(logReceivedLines);
    await delivering;
  } finally {
    clearImmediate(receivedLogged);
    logReceivedLines();
    stopAtDeadline();
    pool.close();
  }
  // Nothing is left without an outcome, whatever happened above.
  for (const delivery of deliveries) delivery.result ??= failed(new CallCutError('deadline'));

  const settlement = await settle(deliveries, deadLetters, deps, unresolved);
  // A deferred record that could not be sent back returns to the queue as it came.
  const notResent = await resending;
  const failedRecords = new Set([...settlement.failedRecords, ...notResent]);
  logDeliveries(deps.logger, deliveries);
  if (deps.metrics) {
    try {
      publishBatchMetrics(deps.metrics, deps.logger, {
        deliveries,
        ...settlement,
        blockedByConsent: blockedByDestination,
      });
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
    failedRecords: failedRecords.size,
    ...(deferred.length > 0 && { deferredRecords: deferred.length, deferredNotResent: notResent.length }),
    ...(deps.deadLetterStore && {
      deadLettersStored: settlement.deadLettersStored,
      deadLettersNotStored: settlement.deadLettersNotStored,
    }),
    ...(deadline.passed() && { settledAtDeadline: true }),
  });
  return {
    batchItemFailures: records
      .filter((r) => failedRecords.has(r.messageId))
      .map((r) => ({ itemIdentifier: r.messageId })),
  };
}

/**
 * The events a batch prepares at most: producers' batched messages make a record up to 1,000
 * events. Only on a standard ingest queue with per-destination retries, where the records past
 * the bound go back to the queue using none of their attempts; a FIFO ingest queue's batch is
 * 10 records at most, and its records keep their order.
 */
function maxEventsOf(records: readonly SQSRecord[], deps: DispatchDependencies): number {
  const fifo = records[0]?.eventSourceARN.endsWith('.fifo');
  return deps.retry && !fifo ? MAX_EVENTS_PER_BATCH : Number.POSITIVE_INFINITY;
}

/** `run` the first time the returned function is called, and never again. */
function once(run: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    run();
  };
}
