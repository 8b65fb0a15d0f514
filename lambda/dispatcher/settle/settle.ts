import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { distinctIdHash } from '../../shared/log-ids';
import type { Delivery } from '../delivery';
import { DeferredDeliveryError, type DeliveryError } from '../errors';
import { type MappingPins, pinned } from '../prepare/mapping-pins';
import type { UnresolvedEvent } from '../prepare/prepare-deliveries';
import { type DeadLetter, type DeadLetterQueue, sendDeadLetters, toDeadLetterEntry } from './dead-letter';
import {
  type DeadLetterStore,
  ofKnownWorkspace,
  storeDeadLetters,
  toStoredLetter,
} from './dead-letter-store';
import { backoffSeconds, type RetryPolicy, toRetryEntry } from './retry';
import { type ScheduledRetry, scheduleRetries } from './schedule-retries';
import { sendMessages } from './send-messages';

export interface SettleDependencies {
  readonly sqs: SQSClient;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly logger: Logger;
  /** The receive on which a message still failing is dead-lettered with `RetriesExhausted`. */
  readonly maxReceiveCount: number;
  /** Per-destination retries on a standard ingest queue. @default none: failed records are redelivered whole */
  readonly retry?: RetryPolicy;
  /** Signs the mapping version each retry and dead letter keeps. @default none: they keep none */
  readonly pins?: MappingPins;
  /**
   * Where letters of known workspaces are also kept, for their customers (the API). One write per
   * letter, none per delivered event. @default none: the dead-letter queue only
   */
  readonly deadLetterStore?: DeadLetterStore;
}

export interface Settlement {
  /** Records to report as batch item failures, for SQS to redeliver. */
  readonly failedRecords: ReadonlySet<string>;
  readonly deadLettered: number;
  readonly retriesScheduled: number;
  /** The dead letters written, for metrics. */
  readonly written: readonly DeadLetter[];
  /** The deliveries whose retry was sent, for metrics. */
  readonly retried: readonly Delivery[];
  /** Events sent again because their workspace could not be looked up: an alarm watches the rate. */
  readonly registryResends: number;
  /** Letters written to the dead-letter store too (none without one). */
  readonly deadLettersStored: number;
  /** Letters of known workspaces in the dead-letter queue but not in the store: counted, never thrown. */
  readonly deadLettersNotStored: number;
}

/**
 * Whether a retryable failure of this delivery gets another attempt, or is dead-lettered now.
 * With per-destination retries a deferral (the destination was not called) uses no attempt up.
 * Without them the record goes back to the queue, whose redrive policy counts every receive: on
 * the last one it is dead-lettered here, with its reason, deferral or not.
 */
export function willBeRetried(delivery: Delivery, deps: SettleDependencies, error?: DeliveryError): boolean {
  const { record } = delivery;
  if (!deps.retry || record.messageGroupId) return record.attempts < deps.maxReceiveCount;
  const attempts = record.attempts - (error instanceof DeferredDeliveryError ? 1 : 0);
  const age = (Date.now() - record.firstAttemptAt) / 1000;
  return attempts < deps.retry.maxAttempts && age < deps.retry.maxAgeSeconds;
}

/**
 * Settles each record once its deliveries have their results: permanent failures and exhausted
 * retries are dead-lettered with their reason; other failures get a per-destination retry, or,
 * without a retry policy or on a FIFO ingest queue, make the record a batch item failure that SQS
 * redelivers.
 */
export async function settle(
  deliveries: readonly Delivery[],
  deadLetters: DeadLetter[],
  deps: SettleDependencies,
  unresolved: readonly UnresolvedEvent[] = [],
): Promise<Settlement> {
  const waitingForRegistry = await retryUnresolved(unresolved, deps, deadLetters);
  const failedRecords = new Set<string>(waitingForRegistry.returned);
  const retries = decideFailures(deliveries, deps, deadLetters, failedRecords);
  const unsentRetries = await sendRetries(retries, deps, failedRecords);
  const { unwritten, stored, notStored } = await writeDeadLetters(deadLetters, deps, failedRecords);
  return {
    deadLettersStored: stored,
    deadLettersNotStored: notStored,
    failedRecords,
    deadLettered: deadLetters.length - unwritten.size,
    retriesScheduled: retries.length - unsentRetries,
    registryResends: waitingForRegistry.resent,
    written: deadLetters.filter((_, index) => !unwritten.has(index)),
    retried: retries.filter((r) => !failedRecords.has(r.delivery.record.messageId)).map((r) => r.delivery),
  };
}

/**
 * Each failed delivery's end for now: a dead letter (into `deadLetters`) when permanent or out of
 * attempts, else a per-destination retry (returned), or its record returned to the queue (into
 * `failedRecords`) without a retry policy or on a FIFO ingest queue.
 */
function decideFailures(
  deliveries: readonly Delivery[],
  deps: SettleDependencies,
  deadLetters: DeadLetter[],
  failedRecords: Set<string>,
): ScheduledRetry[] {
  const retries: ScheduledRetry[] = [];
  for (const delivery of deliveries) {
    const result = delivery.result;
    if (!result || result.ok) continue;
    const { record, destination } = delivery;
    const { error } = result;
    const letter = {
      body: record.body,
      sourceMessageId: record.messageId,
      destinationId: destination.id,
      destinationType: destination.type,
      attempts: record.attempts,
      messageGroupId: record.messageGroupId,
      ...pinned(delivery, deps.pins),
      workspaceId: record.workspaceId,
      distinctId: record.payload.event.distinct_id,
    };
    if (!error.retryable) {
      deadLetters.push({ ...letter, errorCode: error.code, errorMessage: error.message });
      continue;
    }
    if (!willBeRetried(delivery, deps, error)) {
      deadLetters.push({
        ...letter,
        errorCode: 'RetriesExhausted',
        errorMessage: `${error.code} after ${record.attempts} attempts: ${error.message}`,
      });
      continue;
    }
    const perDestination = Boolean(deps.retry) && !record.messageGroupId;
    const log = {
      messageId: record.messageId,
      workspaceId: record.workspaceId,
      distinctIdHash: record.distinctIdHash,
      destinationId: destination.id,
      errorCode: error.code,
      errorMessage: error.message,
      attempts: record.attempts,
    };
    // A deferral is the breaker or rate limit doing its job: one line per event would drown the logs.
    if (error instanceof DeferredDeliveryError) deps.logger.debug('delivery deferred', log);
    else
      deps.logger.warn(
        perDestination ? 'delivery failed, retry scheduled' : 'delivery failed, will retry',
        log,
      );
    if (perDestination) retries.push({ delivery, error });
    else failedRecords.add(record.messageId);
  }
  return retries;
}

/** Sends the retries; a record whose retry could not be sent goes back to the queue. Returns how many were not sent. */
async function sendRetries(
  retries: readonly ScheduledRetry[],
  deps: SettleDependencies,
  failedRecords: Set<string>,
): Promise<number> {
  if (!deps.retry || retries.length === 0) return 0;
  const unsent = await scheduleRetries(retries, deps.retry, deps.sqs, deps.pins);
  for (const { delivery, sendError } of unsent) {
    failedRecords.add(delivery.record.messageId);
    deps.logger.error('retry not sent, record returned to the queue', {
      messageId: delivery.record.messageId,
      destinationId: delivery.destination.id,
      sendError,
    });
  }
  return unsent.length;
}

/**
 * Writes the dead letters, each logged for the trace; a record whose letter could not be written
 * goes back to the queue. Then, with a store, the letters of known workspaces go there too (see
 * `keepInStore`). Returns the letters not written, by index, and how many the store has.
 */
async function writeDeadLetters(
  deadLetters: readonly DeadLetter[],
  deps: SettleDependencies,
  failedRecords: Set<string>,
): Promise<{ unwritten: Map<number, string>; stored: number; notStored: number }> {
  const sentIds = new Map<number, string>();
  const unwritten = await sendDeadLetters(deps.sqs, deps.deadLetterQueue, deadLetters, sentIds);
  deadLetters.forEach((letter, index) => {
    const writeError = unwritten.get(index);
    const log = {
      messageId: letter.sourceMessageId,
      ...(letter.workspaceId && { workspaceId: letter.workspaceId }),
      ...(letter.workspaceId &&
        letter.distinctId && { distinctIdHash: distinctIdHash(letter.workspaceId, letter.distinctId) }),
      destinationId: letter.destinationId,
      errorCode: letter.errorCode,
      errorMessage: letter.errorMessage,
      attempts: letter.attempts,
    };
    if (writeError) {
      deps.logger.error('dead letter not written, will retry', { ...log, writeError });
      failedRecords.add(letter.sourceMessageId);
    } else {
      deps.logger.warn('dead-lettered', log);
    }
  });
  try {
    const { stored, notStored } = await keepInStore(deadLetters, unwritten, sentIds, deps);
    return { unwritten, stored, notStored };
  } catch (error) {
    // Never the batch's failure: every letter is in the dead-letter queue already.
    const notStored = deadLetters.filter((l, i) => !unwritten.has(i) && ofKnownWorkspace(l)).length;
    deps.logger.error("dead letters not in their workspace's store: in the dead-letter queue only", {
      notStored,
      errorName: (error as Error)?.name,
    });
    return { unwritten, stored: 0, notStored };
  }
}

/**
 * The batch's letters of known workspaces, once in the dead-letter queue (the queue first, so a
 * store failure never loses a letter), written to the store in as few BatchWriteItem calls as fit.
 * A failure is logged and counted, never thrown: the letter is in the operator's queue.
 */
async function keepInStore(
  deadLetters: readonly DeadLetter[],
  unwritten: ReadonlyMap<number, string>,
  sentIds: ReadonlyMap<number, string>,
  deps: SettleDependencies,
): Promise<{ stored: number; notStored: number }> {
  const store = deps.deadLetterStore;
  if (!store) return { stored: 0, notStored: 0 };
  const now = Date.now();
  const letters = deadLetters.flatMap((letter, index) =>
    !unwritten.has(index) && ofKnownWorkspace(letter)
      ? [
          toStoredLetter(
            letter,
            toDeadLetterEntry(letter, deps.deadLetterQueue.fifo),
            sentIds.get(index),
            now,
            store.retentionSeconds,
          ),
        ]
      : [],
  );
  if (letters.length === 0) return { stored: 0, notStored: 0 };
  const outcome = await storeDeadLetters(store, letters);
  if (outcome.notStored > 0)
    deps.logger.error("dead letters not in their workspace's store: in the dead-letter queue only", {
      letters: letters.length,
      notStored: outcome.notStored,
      tooLarge: outcome.tooLarge,
      errors: outcome.errors,
      workspaceIds: [...new Set(letters.map((l) => l.workspaceId))],
    });
  return { stored: outcome.stored, notStored: outcome.notStored };
}

/**
 * Whether an event whose workspace could not be looked up may wait for the registry again, or
 * is dead-lettered with `RegistryUnavailable`: within the retry policy's attempts and age, or
 * (FIFO ingest, no retry policy) before its last receive. Every event ends within a bound.
 */
function mayWaitForRegistry(event: UnresolvedEvent, deps: SettleDependencies): boolean {
  if (!deps.retry || event.messageGroupId) return event.attempts < deps.maxReceiveCount;
  const age = (Date.now() - event.firstAttemptAt) / 1000;
  return event.attempts < deps.retry.maxAttempts && age < deps.retry.maxAgeSeconds;
}

/**
 * Events whose workspace could not be looked up (the registry unreadable, nothing cached, a
 * key or version that fails to load) are sent again as they came, with a delay and the next
 * attempt, on a standard ingest queue; on a FIFO one, or when the resend fails, their records go
 * back to the queue. Past the retry policy's limits they are dead-lettered (into `deadLetters`)
 * with `RegistryUnavailable`. Returns the records to fail, and how many events were re-sent.
 */
async function retryUnresolved(
  events: readonly UnresolvedEvent[],
  deps: SettleDependencies,
  deadLetters: DeadLetter[],
): Promise<{ returned: string[]; resent: number }> {
  if (events.length === 0) return { returned: [], resent: 0 };
  const { retry } = deps;
  const waiting: UnresolvedEvent[] = [];
  for (const event of events) {
    if (mayWaitForRegistry(event, deps)) {
      waiting.push(event);
      continue;
    }
    deadLetters.push({
      body: event.body,
      sourceMessageId: event.messageId,
      attempts: event.attempts,
      messageGroupId: event.messageGroupId,
      workspaceId: event.workspaceId,
      errorCode: 'RegistryUnavailable',
      errorMessage: `the workspace could not be looked up in ${event.attempts} attempts since ${new Date(event.firstAttemptAt).toISOString()}; redrive once the registry serves it`,
      ...(event.targets && { targets: event.targets }),
      ...(event.mappingVersion !== undefined && {
        mappingVersion: event.mappingVersion,
        mappingPin: event.mappingPin,
      }),
    });
  }
  const resendable = retry ? waiting.filter((e) => !e.messageGroupId) : [];
  const returned = waiting.filter((e) => !resendable.includes(e)).map((e) => e.messageId);
  let resent = 0;
  if (retry && resendable.length > 0) {
    const unsent = await sendMessages(
      deps.sqs,
      retry.queueUrl,
      resendable.map((event) =>
        toRetryEntry({
          body: event.body,
          targets: event.targets ?? [],
          attempt: event.attempts + 1,
          firstAttemptAt: event.firstAttemptAt,
          delaySeconds: backoffSeconds(retry, event.attempts),
          reason: 'RegistryUnavailable',
          messageGroupId: event.workspaceId,
          ...(event.mappingVersion !== undefined && {
            mappingVersion: event.mappingVersion,
            mappingPin: event.mappingPin,
          }),
        }),
      ),
    );
    for (const index of unsent.keys()) returned.push(resendable[index].messageId);
    resent = resendable.length - unsent.size;
  }
  if (waiting.length > 0) {
    deps.logger.warn('events retried: their workspace could not be looked up', {
      events: waiting.length,
      workspaceIds: [...new Set(waiting.map((e) => e.workspaceId))],
    });
  }
  return { returned, resent };
}
