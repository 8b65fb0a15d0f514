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
  // No ids or properties: a distinct_id may be an email address, and logs carry no personal data.
  console.log(
    JSON.stringify({
      message: 'event received',
      functionName: context.functionName,
      event: payload.event.event,
    }),
  );
  return { received: payload.event.distinct_id };
}
