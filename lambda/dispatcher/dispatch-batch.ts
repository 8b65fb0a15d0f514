import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { type Destination, isFifoTopic, type SnsDestination } from '../shared/destination-config';
import { type DeliveredPayload, parseIngestMessage } from '../shared/ingest-message';
import { runWithConcurrency } from './batching';
import type { DeliveryClients } from './clients';
import { type DeadLetter, type DeadLetterQueue, sendDeadLetters } from './dead-letter';
import { invokeFunction } from './deliver-lambda';
import { planTopicBatches, publishBatch } from './deliver-sns';
import type { DestinationHealth } from './destination-health';
import type { DestinationRegistry } from './destination-registry';
import { type DeliveryResult, failed, RetryableDeliveryError } from './errors';
import { type PayloadStore, sizeAtDestination } from './offload';
import { backoffSeconds, type RetryPolicy, readAttempt, toRetryEntry } from './retry';
import { readTargetDestinations, route } from './route';
import { sendMessages } from './send-messages';

export interface DispatchDependencies {
  readonly registry: DestinationRegistry;
  readonly clients: DeliveryClients;
  readonly sqs: SQSClient;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly logger: Logger;
  /** The receive on which a message still failing is dead-lettered with `RetriesExhausted`. */
  readonly maxReceiveCount: number;
  /** Delivery API calls in flight at once within one batch. */
  readonly concurrency: number;
  /** Destinations that just failed for good, skipped for a while. @default none remembered */
  readonly health?: DestinationHealth;
  /**
   * Per-destination retries on a standard ingest queue.
   * @default none: a failed record is returned as a batch item failure and redelivered whole
   */
  readonly retry?: RetryPolicy;
  /**
   * Where payloads too large for a destination that enables `offloadOversize` are stored.
   * @default none: oversize events are dead-lettered with `PayloadTooLarge`
   */
  readonly payloads?: PayloadStore;
}

/** An ingest record that passed validation and routing. */
interface AcceptedRecord {
  readonly messageId: string;
  readonly body: string;
  /** This delivery attempt's number, counting earlier retries. */
  readonly attempts: number;
  readonly firstAttemptAt: number;
  readonly messageGroupId?: string;
  readonly payload: DeliveredPayload;
  /** The payload's JSON, serialized once for all its destinations. */
  readonly message: string;
}

/** One event to one destination. */
interface Delivery {
  readonly record: AcceptedRecord;
  readonly destination: Destination;
  /** Deliveries sharing an order key go out one after another, in queue order. */
  readonly orderKey?: string;
  wave: number;
  /** What is sent: the record's message, or the pointer envelope once the payload is offloaded. */
  message: string;
  result?: DeliveryResult;
}

const blockedBehindFailure = (): DeliveryResult => ({
  ok: false,
  error: new RetryableDeliveryError(
    'OrderBlocked',
    'an earlier event of the same visitor failed; kept behind it',
  ),
});

/**
 * Delivers one SQS batch: validate, route, deliver, then assess each record.
 *
 * A record is acknowledged once each of its deliveries succeeded, was dead-lettered, or has a
 * retry scheduled for that destination alone. Without a retry policy, or on a FIFO ingest queue,
 * a record still failing is returned as a batch item failure so SQS redelivers only it.
 */
export async function dispatchBatch(
  records: readonly SQSRecord[],
  deps: DispatchDependencies,
): Promise<SQSBatchResponse> {
  const destinations = await deps.registry.destinations();
  const deadLetters: DeadLetter[] = [];
  const deliveries: Delivery[] = [];

  // Prepare: validate and route every record; invalid ones are dead-lettered, never thrown.
  for (const record of records) {
    const { attempt: attempts, firstAttemptAt } = readAttempt(record);
    const messageGroupId = record.attributes.MessageGroupId;
    const source = { body: record.body, sourceMessageId: record.messageId, attempts, messageGroupId };
    const parsed = parseIngestMessage(record.body);
    if (!parsed.ok) {
      deadLetters.push({ ...source, errorCode: parsed.errorCode, errorMessage: parsed.reason });
      continue;
    }
    const targets = readTargetDestinations(record.messageAttributes ?? {});
    const routed = route(parsed.payload.event.event, parsed.destinations, destinations, targets);
    if (!routed.ok) {
      const { errorCode, reason, destinationId } = routed;
      deadLetters.push({ ...source, errorCode, errorMessage: reason, destinationId });
      continue;
    }
    if (routed.destinations.length === 0) {
      deps.logger.debug('no destination accepts this event', {
        messageId: record.messageId,
        distinctId: parsed.payload.event.distinct_id,
      });
    }
    const accepted: AcceptedRecord = {
      messageId: record.messageId,
      body: record.body,
      attempts,
      firstAttemptAt,
      payload: parsed.payload,
      message: JSON.stringify(parsed.payload),
    };
    if (messageGroupId) Object.assign(accepted, { messageGroupId });
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

  // Act: deliver in waves so that ordered deliveries go out one after another.
  assignWaves(deliveries);
  await deliverInWaves(deliveries, deps);

  // Assess: permanent failures and exhausted retries are dead-lettered, the rest retried.
  const retry = new Set<string>();
  const scheduled = new Map<string, ScheduledRetry>();
  for (const delivery of deliveries) {
    const result = delivery.result;
    if (!result || result.ok) continue;
    const { record, destination } = delivery;
    const letter = {
      body: record.body,
      sourceMessageId: record.messageId,
      destinationId: destination.id,
      attempts: record.attempts,
      messageGroupId: record.messageGroupId,
    };
    if (!result.error.retryable) {
      deadLetters.push({ ...letter, errorCode: result.error.code, errorMessage: result.error.message });
      continue;
    }
    if (!willBeRetried(record, deps)) {
      deadLetters.push({
        ...letter,
        errorCode: 'RetriesExhausted',
        errorMessage: `${result.error.code} after ${record.attempts} attempts: ${result.error.message}`,
      });
      continue;
    }
    const perDestination = Boolean(deps.retry) && !record.messageGroupId;
    deps.logger.warn(perDestination ? 'delivery failed, retry scheduled' : 'delivery failed, will retry', {
      messageId: record.messageId,
      distinctId: record.payload.event.distinct_id,
      destinationId: destination.id,
      errorCode: result.error.code,
      errorMessage: result.error.message,
      attempts: record.attempts,
    });
    if (!perDestination) {
      retry.add(record.messageId);
      continue;
    }
    const entry = scheduled.get(record.messageId) ?? {
      record,
      targets: new Set<string>(),
      retryAfter: 0,
      orderKeys: [],
    };
    entry.targets.add(destination.id);
    entry.retryAfter = Math.max(entry.retryAfter, result.error.retryAfterSeconds ?? 0);
    if (delivery.orderKey) entry.orderKeys.push(delivery.orderKey);
    scheduled.set(record.messageId, entry);
  }
  if (deps.retry && scheduled.size > 0) {
    for (const messageId of await scheduleRetries([...scheduled.values()], deps.retry, deps.sqs))
      retry.add(messageId);
  }

  const unwritten = await sendDeadLetters(deps.sqs, deps.deadLetterQueue, deadLetters);
  deadLetters.forEach((letter, index) => {
    const writeError = unwritten.get(index);
    const log = {
      messageId: letter.sourceMessageId,
      destinationId: letter.destinationId,
      errorCode: letter.errorCode,
      errorMessage: letter.errorMessage,
      attempts: letter.attempts,
    };
    if (writeError) {
      deps.logger.error('dead letter not written, will retry', { ...log, writeError });
      retry.add(letter.sourceMessageId);
    } else {
      deps.logger.warn('dead-lettered', log);
    }
  });

  const delivered = deliveries.filter((d) => d.result?.ok).length;
  deps.logger.info('batch dispatched', {
    records: records.length,
    deliveries: deliveries.length,
    delivered,
    deadLettered: deadLetters.length - unwritten.size,
    retried: retry.size,
  });
  return {
    batchItemFailures: records
      .filter((r) => retry.has(r.messageId))
      .map((r) => ({ itemIdentifier: r.messageId })),
  };
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
    if (ids.at(-1) !== delivery.record.messageId) ids.push(delivery.record.messageId);
    recordsByKey.set(delivery.orderKey, ids);
    delivery.wave = ids.length - 1;
  }
}

async function deliverInWaves(deliveries: Delivery[], deps: DispatchDependencies): Promise<void> {
  const blocked = new Set<string>();
  const lastWave = deliveries.reduce((max, d) => Math.max(max, d.wave), -1);
  for (let wave = 0; wave <= lastWave; wave++) {
    const runnable: Delivery[] = [];
    for (const delivery of deliveries) {
      if (delivery.wave !== wave) continue;
      const unhealthy = deps.health?.check(delivery.destination.id);
      if (unhealthy) delivery.result = { ok: false, error: unhealthy };
      else if (delivery.orderKey && blocked.has(delivery.orderKey)) delivery.result = blockedBehindFailure();
      else runnable.push(delivery);
    }
    await runWithConcurrency(offloadTasks(runnable, deps.payloads), deps.concurrency);
    await runWithConcurrency(
      deliveryTasks(
        runnable.filter((d) => !d.result),
        deps.clients,
      ),
      deps.concurrency,
    );
    for (const { orderKey, result, record, destination } of runnable) {
      if (result && !result.ok) deps.health?.record(destination.id, result.error);
      // A record on its last attempt is dead-lettered rather than retried: nothing to keep behind it.
      if (orderKey && result && !result.ok && result.error.retryable && willBeRetried(record, deps)) {
        blocked.add(orderKey);
      }
    }
  }
}

/**
 * One upload per delivery too large for its destination, where the destination offloads: its
 * message becomes the pointer envelope. A failed upload fails the delivery, retried or
 * dead-lettered like any other failure. Without offloading, delivery rejects it as too large.
 */
function offloadTasks(deliveries: Delivery[], payloads: PayloadStore | undefined): (() => Promise<void>)[] {
  if (!payloads) return [];
  return deliveries
    .filter(({ destination, record, message }) => {
      if (!destination.offloadOversize) return false;
      const { bytes, limit } = sizeAtDestination(destination, record.payload, message);
      return bytes > limit;
    })
    .map((delivery) => async () => {
      try {
        delivery.message = await payloads.offload(
          delivery.destination,
          delivery.record.payload,
          delivery.message,
        );
      } catch (error) {
        delivery.result = failed(error);
      }
    });
}

/** One task per API call: a PublishBatch of up to 10 events per topic, an Invoke per event per function. */
function deliveryTasks(deliveries: Delivery[], clients: DeliveryClients): (() => Promise<void>)[] {
  const tasks: (() => Promise<void>)[] = [];
  const byTopic = new Map<string, Delivery[]>();
  for (const delivery of deliveries) {
    const { destination } = delivery;
    if (destination.type === 'lambda') {
      tasks.push(async () => {
        delivery.result = await invokeFunction(clients.lambda(destination), destination, delivery.message);
      });
    } else {
      const forTopic = byTopic.get(destination.id);
      if (forTopic) forTopic.push(delivery);
      else byTopic.set(destination.id, [delivery]);
    }
  }
  for (const topicDeliveries of byTopic.values()) {
    const destination = topicDeliveries[0].destination as SnsDestination;
    const plan = planTopicBatches(
      destination,
      topicDeliveries.map((d) => ({ payload: d.record.payload, message: d.message })),
    );
    for (const { index, result } of plan.rejected) topicDeliveries[index].result = result;
    for (const batch of plan.batches) {
      tasks.push(async () => {
        const results = await publishBatch(clients.sns(destination), destination, batch);
        batch.forEach(({ index }, position) => {
          topicDeliveries[index].result = results[position];
        });
      });
    }
  }
  return tasks;
}

interface ScheduledRetry {
  readonly record: AcceptedRecord;
  readonly targets: Set<string>;
  retryAfter: number;
  readonly orderKeys: string[];
}

/** Whether a retryable failure of this record gets another attempt, or is dead-lettered now. */
function willBeRetried(record: AcceptedRecord, deps: DispatchDependencies): boolean {
  if (!deps.retry || record.messageGroupId) return record.attempts < deps.maxReceiveCount;
  const age = (Date.now() - record.firstAttemptAt) / 1000;
  return record.attempts < deps.retry.maxAttempts && age < deps.retry.maxAgeSeconds;
}

/**
 * Sends one delayed retry per record, naming only its failed destinations. Within an order key
 * a later record never gets a shorter delay than an earlier one. Returns the ids of records
 * whose retry could not be sent: they are returned as batch item failures instead.
 */
async function scheduleRetries(
  retries: ScheduledRetry[],
  policy: RetryPolicy,
  sqs: SQSClient,
): Promise<string[]> {
  const lastDelay = new Map<string, number>();
  const entries = retries.map(({ record, targets, retryAfter, orderKeys }) => {
    let delaySeconds = backoffSeconds(policy, record.attempts, retryAfter);
    for (const key of orderKeys) delaySeconds = Math.max(delaySeconds, (lastDelay.get(key) ?? -1) + 1);
    delaySeconds = Math.min(delaySeconds, policy.maxDelaySeconds);
    for (const key of orderKeys) lastDelay.set(key, delaySeconds);
    return toRetryEntry({
      body: record.body,
      targets: [...targets],
      attempt: record.attempts + 1,
      firstAttemptAt: record.firstAttemptAt,
      delaySeconds,
    });
  });
  const unsent = await sendMessages(sqs, policy.queueUrl, entries);
  return [...unsent.keys()].map((index) => retries[index].record.messageId);
}
