import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { type Destination, isFifoTopic } from '../shared/destination-config';
import { parseIngestMessage } from '../shared/ingest-message';
import type { DeadLetter } from './dead-letter';
import type { AcceptedRecord, Delivery } from './delivery';
import { RETRY_ATTEMPT_ATTRIBUTE, readAttempt } from './retry';
import { readRetryBundle } from './retry-bundle';
import { readTargetDestinations, route } from './route';

export interface PreparedBatch {
  readonly deliveries: Delivery[];
  /** Records that failed validation or routing: dead-lettered, never thrown. */
  readonly deadLetters: DeadLetter[];
}

/**
 * Validates and routes every record of a batch: one delivery per (record, matching destination),
 * in queue order, each with its order key and wave; invalid records become dead letters.
 */
export function prepareDeliveries(
  records: readonly SQSRecord[],
  destinations: readonly Destination[],
  logger: Logger,
): PreparedBatch {
  const deadLetters: DeadLetter[] = [];
  const deliveries: Delivery[] = [];
  for (const record of records) {
    // Only a FIFO queue's group orders its messages: on a standard queue a group id is there for
    // SQS fair queues (tenants), and orders nothing.
    const messageGroupId = record.eventSourceARN.endsWith('.fifo')
      ? record.attributes.MessageGroupId
      : undefined;
    const targets = readTargetDestinations(record.messageAttributes ?? {});
    for (const { eventId, body, attempts, firstAttemptAt } of eventsOf(record)) {
      const source = { body, sourceMessageId: record.messageId, attempts, messageGroupId };
      const parsed = parseIngestMessage(body);
      if (!parsed.ok) {
        deadLetters.push({ ...source, errorCode: parsed.errorCode, errorMessage: parsed.reason });
        continue;
      }
      const routed = route(parsed.payload.event.event, parsed.destinations, destinations, targets);
      if (!routed.ok) {
        const { errorCode, reason, destinationId } = routed;
        deadLetters.push({ ...source, errorCode, errorMessage: reason, destinationId });
        continue;
      }
      if (routed.destinations.length === 0) {
        logger.debug('no destination accepts this event', {
          messageId: record.messageId,
          distinctId: parsed.payload.event.distinct_id,
        });
      }
      const accepted: AcceptedRecord = {
        messageId: record.messageId,
        eventId,
        body,
        attempts,
        firstAttemptAt,
        payload: parsed.payload,
        message: JSON.stringify(parsed.payload),
        ...(messageGroupId && { messageGroupId }),
      };
      for (const destination of routed.destinations) {
        deliveries.push({
          record: accepted,
          destination,
          orderKey: orderKeyOf(accepted, destination),
          wave: 0,
          message: accepted.message,
        });
      }
    }
  }
  assignWaves(deliveries);
  return { deliveries, deadLetters };
}

/** The events a record carries: itself, or each event of a retry bundle, with its own attempt count. */
function eventsOf(
  record: SQSRecord,
): { eventId: string; body: string; attempts: number; firstAttemptAt: number }[] {
  const { attempt, firstAttemptAt } = readAttempt(record);
  const bundled = readRetryBundle(record.body);
  if (!bundled) return [{ eventId: record.messageId, body: record.body, attempts: attempt, firstAttemptAt }];
  // `attempt` counts this message's own receives on top of the retry attempt it carries.
  const redeliveries =
    attempt - (Number(record.messageAttributes?.[RETRY_ATTEMPT_ATTRIBUTE]?.stringValue) || 1);
  return bundled.map((event, index) => ({
    eventId: `${record.messageId}:${index}`,
    body: event.body,
    attempts: event.attempt + Math.max(0, redeliveries),
    firstAttemptAt: event.first_attempt_at,
  }));
}

/**
 * Which deliveries must keep queue order. On a FIFO ingest queue, a message group's records
 * keep their order across all destinations (SQS requires it of partial batch responses); on a
 * standard queue, only a FIFO topic's deliveries keep order, per visitor.
 */
function orderKeyOf(record: AcceptedRecord, destination: Destination): string | undefined {
  if (record.messageGroupId) return `group:${record.messageGroupId}`;
  if (isFifoTopic(destination)) return `topic:${destination.id}:visitor:${record.payload.visitor.visitor_id}`;
  return undefined;
}

/** The n-th record of an order key goes in wave n; unordered deliveries all go in wave 0. */
function assignWaves(deliveries: Delivery[]): void {
  const recordsByKey = new Map<string, string[]>();
  for (const delivery of deliveries) {
    if (!delivery.orderKey) continue;
    const ids = recordsByKey.get(delivery.orderKey) ?? [];
    if (ids.at(-1) !== delivery.record.eventId) ids.push(delivery.record.eventId);
    recordsByKey.set(delivery.orderKey, ids);
    delivery.wave = ids.length - 1;
  }
}
