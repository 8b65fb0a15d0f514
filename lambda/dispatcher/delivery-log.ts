import type { Logger } from '@aws-lambda-powertools/logger';
import { destinationKey } from '../shared/destination-config';
import type { Delivery } from './delivery';
import { DeferredDeliveryError } from './errors';

/** An event the dispatcher read from the ingest queue (valid enough to name its workspace and id). */
export interface ReceivedEvent {
  readonly workspaceId: string;
  /** Its `distinct_id` as logs name it (see `distinctIdHash`). */
  readonly distinctIdHash: string;
  /** This delivery attempt's number, counting earlier retries. */
  readonly attempt: number;
  /** Sent back from the dead-letter queue by `npm run redrive`. */
  readonly redriven?: boolean;
}

/**
 * The lines `npm run trace` follows an event by, besides the per-event failure and dead-letter
 * lines: one `events received` line per batch and one `deliveries` line per destination and
 * batch, naming events by workspace and `distinctIdHash` only (a producer may make the distinct
 * id an email address: it is never logged), so an event's story costs about 50–100 bytes of log
 * per delivery in a full batch, not a line of its own.
 */
export function logReceived(logger: Logger, events: readonly ReceivedEvent[]): void {
  if (events.length === 0 || !logsInfo(logger)) return;
  logger.info('events received', {
    events: events.map(({ workspaceId, distinctIdHash, attempt, redriven }) => ({
      workspaceId,
      distinctIdHash,
      attempt,
      ...(redriven && { redriven }),
    })),
  });
}

/**
 * Per destination: the events delivered, and those deferred (circuit open, rate limit) by
 * reason, each named by its `distinctIdHash`.
 */
export function logDeliveries(logger: Logger, deliveries: readonly Delivery[]): void {
  if (!logsInfo(logger)) return;
  const byDestination = new Map<
    string,
    { destination: Delivery['destination']; delivered: string[]; deferred: Record<string, string[]> }
  >();
  for (const delivery of deliveries) {
    const { result } = delivery;
    const deferred = result && !result.ok && result.error instanceof DeferredDeliveryError;
    if (!result?.ok && !deferred) continue;
    const key = destinationKey(delivery.destination);
    let outcomes = byDestination.get(key);
    if (!outcomes) {
      outcomes = { destination: delivery.destination, delivered: [], deferred: {} };
      byDestination.set(key, outcomes);
    }
    const hash = delivery.record.distinctIdHash;
    if (result?.ok) {
      outcomes.delivered.push(hash);
    } else if (result) {
      const ids = outcomes.deferred[result.error.code] ?? [];
      ids.push(hash);
      outcomes.deferred[result.error.code] = ids;
    }
  }
  for (const { destination, delivered, deferred } of byDestination.values()) {
    logger.info('deliveries', {
      workspaceId: destination.workspaceId,
      destinationId: destination.id,
      destinationType: destination.type,
      delivered,
      ...(Object.keys(deferred).length > 0 && { deferred }),
    });
  }
}

/** Whether info lines are written: when they are not, nothing is built for them. */
const logsInfo = (logger: Logger): boolean => ['DEBUG', 'TRACE', 'INFO'].includes(logger.getLevelName());
