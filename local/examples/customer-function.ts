import type { Context } from 'aws-lambda';
import type { DeliveredPayload } from '../../lambda/shared/ingest-message';

/**
 * A customer's own function, as `npm run local -- --function` runs it: an example to copy. The
 * platform invokes it with one event (asynchronously, so a thrown error is retried twice, then
 * goes to the function's dead-letter queue if it has one). Deduplicate on `event.distinct_id`
 * within `visitor.visitor_id`: delivery is at-least-once (see `lambda/consumer/` for the
 * Powertools idempotency that does it).
 */
export async function handler(payload: DeliveredPayload, context: Context): Promise<{ received: string }> {
  // Ids only: an event's properties may hold personal data, which logs must not.
  console.log(
    JSON.stringify({
      message: 'event received',
      functionName: context.functionName,
      event: payload.event.event,
      distinctId: payload.event.distinct_id,
    }),
  );
  return { received: payload.event.distinct_id };
}
