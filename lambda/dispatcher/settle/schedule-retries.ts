import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { destinationKey } from '../../shared/destination-config';
import { utf8Bytes } from '../batching';
import type { Delivery } from '../delivery';
import { DeferredDeliveryError, type DeliveryError } from '../errors';
import { type MappingPins, pinned } from '../prepare/mapping-pins';
import { backoffSeconds, RETRY_BUNDLE_ATTRIBUTE, type RetryPolicy, toRetryEntry } from './retry';
import {
  type BundledEvent,
  bundledBytes,
  MAX_BUNDLE_BYTES,
  MAX_BUNDLED_BODY_BYTES,
  toRetryBundleBody,
} from './retry-bundle';
import { sendMessages } from './send-messages';

/** A failed delivery to send again later, to its destination alone. */
export interface ScheduledRetry {
  readonly delivery: Delivery;
  readonly error: DeliveryError;
  /** Why the retry could not be sent, when it could not. */
  readonly sendError?: string;
}

/** The attempt number a retry carries: a deferral (the destination was never called) uses none up. */
export const nextAttempt = ({ delivery, error }: ScheduledRetry): number =>
  delivery.record.attempts + (error instanceof DeferredDeliveryError ? 0 : 1);

/** One retry message: a single event, or a bundle of a destination's events. */
interface RetryMessage {
  readonly retries: ScheduledRetry[];
  delaySeconds: number;
  bytes: number;
  /** Too large to bundle: the event goes in a message of its own. */
  readonly alone: boolean;
}

/**
 * Sends the retries of a batch, each naming only its destination, in that destination's message
 * group (SQS fair queues then keep other destinations' and tenants' dwell time low while one
 * builds a backlog). A destination's retries go in as few messages as fit (retry bundles): a
 * destination whose circuit is open costs one message per batch, not one per event. Within an
 * order key a later event never gets a shorter delay than an earlier one. Returns the retries
 * that could not be sent: their records are returned as batch item failures, so nothing is lost.
 */
export async function scheduleRetries(
  retries: readonly ScheduledRetry[],
  policy: RetryPolicy,
  sqs: SQSClient,
  pins?: MappingPins,
): Promise<ScheduledRetry[]> {
  const delays = orderPreservingDelays(retries, policy);
  const messages: RetryMessage[] = [];
  const byDestination = new Map<string, ScheduledRetry[]>();
  for (const retry of retries) {
    const id = destinationKey(retry.delivery.destination);
    const forDestination = byDestination.get(id);
    if (forDestination) forDestination.push(retry);
    else byDestination.set(id, [retry]);
  }
  for (const destinationRetries of byDestination.values()) {
    const ordered = destinationRetries.some((r) => r.delivery.orderKey);
    let previous: RetryMessage | undefined;
    for (const retry of destinationRetries) {
      const event = toBundledEvent(retry, pins);
      const bytes = bundledBytes(event);
      const delaySeconds = delays.get(retry) ?? 0;
      const alone = utf8Bytes(retry.delivery.record.body) > MAX_BUNDLED_BODY_BYTES;
      if (previous && !alone && !previous.alone && previous.bytes + bytes <= MAX_BUNDLE_BYTES) {
        previous.retries.push(retry);
        previous.bytes += bytes;
        previous.delaySeconds = Math.max(previous.delaySeconds, delaySeconds);
        continue;
      }
      // A later message of an ordered destination goes strictly later: SQS delays are whole seconds.
      const floor = previous ? previous.delaySeconds + (ordered ? 1 : 0) : 0;
      const message = {
        retries: [retry],
        delaySeconds: Math.min(policy.maxDelaySeconds, Math.max(delaySeconds, floor)),
        bytes,
        alone,
      };
      messages.push(message);
      previous = message;
    }
  }
  const unsent = await sendMessages(
    sqs,
    policy.queueUrl,
    messages.map((message) => toMessageEntry(message, pins)),
  );
  return [...unsent].flatMap(([index, errorCode]) =>
    messages[index].retries.map((retry) => ({ ...retry, sendError: errorCode })),
  );
}

/** Backoff per retry; within an order key each is at least a second after the one before. */
function orderPreservingDelays(
  retries: readonly ScheduledRetry[],
  policy: RetryPolicy,
): Map<ScheduledRetry, number> {
  const lastDelay = new Map<string, number>();
  const delays = new Map<ScheduledRetry, number>();
  for (const retry of retries) {
    const { delivery, error } = retry;
    let delaySeconds = backoffSeconds(policy, delivery.record.attempts, error.retryAfterSeconds ?? 0);
    const { orderKey } = delivery;
    if (orderKey) delaySeconds = Math.max(delaySeconds, (lastDelay.get(orderKey) ?? -1) + 1);
    delaySeconds = Math.min(delaySeconds, policy.maxDelaySeconds);
    if (orderKey) lastDelay.set(orderKey, delaySeconds);
    delays.set(retry, delaySeconds);
  }
  return delays;
}

function toBundledEvent(retry: ScheduledRetry, pins: MappingPins | undefined): BundledEvent {
  const { mappingVersion, mappingPin } = pinned(retry.delivery, pins);
  return {
    body: retry.delivery.record.body,
    attempt: nextAttempt(retry),
    first_attempt_at: retry.delivery.record.firstAttemptAt,
    last_error_code: retry.error.code,
    ...(mappingVersion !== undefined && { mapping_version: mappingVersion, mapping_pin: mappingPin }),
  };
}

function toMessageEntry(
  { retries, delaySeconds }: RetryMessage,
  pins: MappingPins | undefined,
): SendMessageBatchRequestEntry {
  const [first] = retries;
  const { destination } = first.delivery;
  const entry = toRetryEntry({
    body: first.delivery.record.body,
    targets: [destination.id],
    attempt: nextAttempt(first),
    firstAttemptAt: first.delivery.record.firstAttemptAt,
    delaySeconds,
    reason: first.error.code,
    ...pinned(first.delivery, pins),
    // A destination's retries are its own tenant for SQS fair queues.
    messageGroupId: destinationKey(destination),
  });
  if (retries.length === 1) return entry;
  return {
    ...entry,
    MessageBody: toRetryBundleBody(retries.map((retry) => toBundledEvent(retry, pins))),
    MessageAttributes: {
      ...entry.MessageAttributes,
      [RETRY_BUNDLE_ATTRIBUTE]: { DataType: 'Number', StringValue: String(retries.length) },
    },
  };
}
