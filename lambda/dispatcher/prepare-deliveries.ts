import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { type Destination, destinationKey, isFifoTopic } from '../shared/destination-config';
import { parseIngestMessage } from '../shared/ingest-message';
import { authorizationProblem, type LiveWorkspace } from '../shared/workspace';
import type { DeadLetter } from './dead-letter';
import type { AcceptedRecord, Delivery } from './delivery';
import type { DestinationRegistry } from './destination-registry';
import { RETRY_ATTEMPT_ATTRIBUTE, readAttempt } from './retry';
import { readRetryBundle } from './retry-bundle';
import { readTargetDestinations, route } from './route';

/** An event whose workspace could not be looked up: retried as it came, never dead-lettered. */
export interface UnresolvedEvent {
  readonly messageId: string;
  readonly body: string;
  readonly workspaceId: string;
  readonly attempts: number;
  readonly firstAttemptAt: number;
  /** The destinations it was still going to, when it was a retry or a redrive. */
  readonly targets?: readonly string[];
  readonly messageGroupId?: string;
}

export interface PreparedBatch {
  readonly deliveries: Delivery[];
  /** Records that failed validation or routing: dead-lettered, never thrown. */
  readonly deadLetters: DeadLetter[];
  readonly unresolved: UnresolvedEvent[];
  /** Valid events that no destination of their workspace accepts: acknowledged, counted. */
  readonly unrouted: number;
}

/**
 * Validates and routes every record of a batch: one delivery per (record, matching destination
 * of the record's own workspace), in queue order, each with its order key and wave; invalid
 * records, unknown workspaces and unknown destinations become dead letters. Workspaces are
 * looked up once each per batch.
 */
export async function prepareDeliveries(
  records: readonly SQSRecord[],
  registry: DestinationRegistry,
  logger: Logger,
): Promise<PreparedBatch> {
  const deadLetters: DeadLetter[] = [];
  const deliveries: Delivery[] = [];
  const unresolved: UnresolvedEvent[] = [];
  let unrouted = 0;
  const events = records.flatMap((record) => {
    // Only a FIFO queue's group orders its messages: on a standard queue a group id is there for
    // SQS fair queues (tenants), and orders nothing.
    const messageGroupId = record.eventSourceARN.endsWith('.fifo')
      ? record.attributes.MessageGroupId
      : undefined;
    const targets = readTargetDestinations(record.messageAttributes ?? {});
    return eventsOf(record).map((event) => ({ ...event, record, messageGroupId, targets }));
  });
  const parsed = events.map((event) => parseIngestMessage(event.body));
  const workspaces = await lookUpWorkspaces(
    parsed.flatMap((p) => (p.ok ? [p.workspaceId] : [])),
    registry,
    logger,
  );

  // On a FIFO ingest queue, a group's later events wait behind one that could not be resolved.
  const heldGroups = new Set<string>();
  events.forEach(({ record, eventId, body, attempts, firstAttemptAt, messageGroupId, targets }, index) => {
    const source = { body, sourceMessageId: record.messageId, attempts, messageGroupId };
    const message = parsed[index];
    if (!message.ok) {
      deadLetters.push({ ...source, errorCode: message.errorCode, errorMessage: message.reason });
      return;
    }
    const { workspaceId } = message;
    const held = messageGroupId !== undefined && heldGroups.has(messageGroupId);
    const workspace = held ? 'unavailable' : workspaces.get(workspaceId);
    if (workspace === 'unavailable') {
      if (messageGroupId) heldGroups.add(messageGroupId);
      unresolved.push({
        messageId: record.messageId,
        body,
        workspaceId,
        attempts,
        firstAttemptAt,
        ...(targets && { targets }),
        ...(messageGroupId && { messageGroupId }),
      });
      return;
    }
    if (!workspace) {
      deadLetters.push({
        ...source,
        errorCode: 'WorkspaceNotFound',
        errorMessage: 'message names a workspace that does not exist or is disabled',
      });
      return;
    }
    const routed = route(message.payload.event.event, message.destinations, workspace.destinations, targets);
    if (!routed.ok) {
      const { errorCode, reason, destinationId } = routed;
      deadLetters.push({ ...source, errorCode, errorMessage: reason, destinationId });
      return;
    }
    if (routed.destinations.length === 0) {
      unrouted += 1;
      logger.debug('no destination accepts this event', {
        messageId: record.messageId,
        workspaceId,
        distinctId: message.payload.event.distinct_id,
      });
    }
    const accepted: AcceptedRecord = {
      messageId: record.messageId,
      eventId,
      body,
      attempts,
      firstAttemptAt,
      workspaceId,
      payload: message.payload,
      message: JSON.stringify(message.payload),
      ...(messageGroupId && { messageGroupId }),
    };
    for (const destination of routed.destinations) {
      const unauthorized = authorizationProblem(workspace, destination);
      if (unauthorized) {
        deadLetters.push({
          ...source,
          errorCode: 'AccountNotAuthorized',
          errorMessage: unauthorized,
          destinationId: destination.id,
        });
        continue;
      }
      deliveries.push({
        record: accepted,
        destination,
        orderKey: orderKeyOf(accepted, destination),
        wave: 0,
        message: accepted.message,
      });
    }
  });
  assignWaves(deliveries);
  return { deliveries, deadLetters, unresolved, unrouted };
}

/** Each workspace of the batch, looked up once; `unavailable` when the registry could not say. */
async function lookUpWorkspaces(
  ids: readonly string[],
  registry: DestinationRegistry,
  logger: Logger,
): Promise<Map<string, LiveWorkspace | undefined | 'unavailable'>> {
  const unique = [...new Set(ids)];
  const outcomes = await Promise.allSettled(unique.map((id) => registry.workspace(id)));
  const workspaces = new Map<string, LiveWorkspace | undefined | 'unavailable'>();
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') {
      workspaces.set(unique[index], outcome.value);
      return;
    }
    logger.error('workspace not loaded: its events will be retried', {
      workspaceId: unique[index],
      errorName: (outcome.reason as Error)?.name,
    });
    workspaces.set(unique[index], 'unavailable');
  });
  return workspaces;
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
  if (isFifoTopic(destination))
    return `topic:${destinationKey(destination)}:visitor:${record.payload.visitor.visitor_id}`;
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
