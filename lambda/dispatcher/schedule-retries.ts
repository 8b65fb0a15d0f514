import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Delivery } from './delivery';
import { DeferredDeliveryError, type DeliveryError } from './errors';
import { backoffSeconds, type RetryPolicy, toRetryEntry } from './retry';
import { sendMessages } from './send-messages';

/** A failed delivery to send again later, to its destination alone. */
export interface ScheduledRetry {
  readonly delivery: Delivery;
  readonly error: DeliveryError;
}

/** The attempt number a retry carries: a deferral (the destination was never called) uses none up. */
export const nextAttempt = ({ delivery, error }: ScheduledRetry): number =>
  delivery.record.attempts + (error instanceof DeferredDeliveryError ? 0 : 1);

/**
 * Sends one delayed retry per failed delivery, naming only its destination, in that destination's
 * message group (SQS fair queues then keep other destinations' and tenants' dwell time low while
 * one builds a backlog). Within an order key a later event never gets a shorter delay than an
 * earlier one. Returns the retries that could not be sent: their records are returned as batch
 * item failures instead, so nothing is lost.
 */
export async function scheduleRetries(
  retries: readonly ScheduledRetry[],
  policy: RetryPolicy,
  sqs: SQSClient,
): Promise<ScheduledRetry[]> {
  const lastDelay = new Map<string, number>();
  const entries = retries.map((retry) => {
    const { delivery, error } = retry;
    let delaySeconds = backoffSeconds(policy, delivery.record.attempts, error.retryAfterSeconds ?? 0);
    const { orderKey } = delivery;
    if (orderKey) delaySeconds = Math.max(delaySeconds, (lastDelay.get(orderKey) ?? -1) + 1);
    delaySeconds = Math.min(delaySeconds, policy.maxDelaySeconds);
    if (orderKey) lastDelay.set(orderKey, delaySeconds);
    return toRetryEntry({
      body: delivery.record.body,
      targets: [delivery.destination.id],
      attempt: nextAttempt(retry),
      firstAttemptAt: delivery.record.firstAttemptAt,
      delaySeconds,
      reason: error.code,
      messageGroupId: delivery.destination.id,
    });
  });
  const unsent = await sendMessages(sqs, policy.queueUrl, entries);
  return [...unsent.keys()].map((index) => retries[index]);
}
