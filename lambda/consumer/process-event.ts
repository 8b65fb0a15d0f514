import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DeliveredPayload } from '../shared/ingest-message';
import { eventKeyHash } from '../shared/log-ids';

export interface ProcessedEvent {
  readonly eventName: string;
  readonly processedAt: string;
}

/**
 * The sample business logic: replace this with yours (enrich, store, forward…). It records each
 * event it processes as an `EventsProcessed` metric and a log line, so the CloudWatch metrics
 * show idempotency at work: `EventsProcessed` counts unique events, `DuplicatesSkipped` the rest.
 */
export function sampleProcessEvent(deps: { logger: Logger; metrics: Metrics; now?: () => Date }) {
  return async (payload: DeliveredPayload): Promise<ProcessedEvent> => {
    const eventName = payload.event.event;
    deps.metrics.addMetric('EventsProcessed', MetricUnit.Count, 1);
    // Ids hashed, no event content: a producer may put an email address anywhere.
    deps.logger.debug('sample business logic ran', {
      eventKeyHash: eventKeyHash(payload.visitor.visitor_id, payload.event.distinct_id),
    });
    return { eventName, processedAt: (deps.now?.() ?? new Date()).toISOString() };
  };
}
