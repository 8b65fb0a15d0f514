import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import type { Destination } from '../../shared/destination-config';
import { isWorkspaceGroup } from '../../shared/ingest-message';
import { distinctIdHash } from '../../shared/log-ids';
import type { Delivery } from '../delivery';
import type { ReceivedEvent } from '../delivery-log';
import type { DeadLetter } from '../settle/dead-letter';
import { addDeliveries, type DeliveriesOut } from './event-deliveries';
import { lookUpWorkspaces, UNAVAILABLE } from './look-up-workspaces';
import type { MappingPins } from './mapping-pins';
import { assignWaves, groupKey } from './order';
import { type IncomingEvent, readEventsWithin } from './read-events';
import type { Registry } from './registry';

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
  readonly mappingVersion?: number;
  readonly mappingPin?: string;
}

export interface PreparedBatch {
  readonly deliveries: Delivery[];
  /** Records that failed validation or routing: dead-lettered, never thrown. */
  readonly deadLetters: DeadLetter[];
  readonly unresolved: UnresolvedEvent[];
  /** Valid events that no destination of their workspace accepts: acknowledged, counted. */
  readonly unrouted: number;
  /** (Event, destination) pairs not delivered because the visitor did not consent: counted only. */
  readonly blockedByConsent: number;
  /** The same by destination. */
  readonly blockedByDestination: ReadonlyMap<Destination, number>;
  /** Every event valid enough to name its workspace and id: what the trace starts from. */
  readonly received: ReceivedEvent[];
  /**
   * Workspaces whose producers sent FIFO message groups without the workspace in front
   * (`workspace_id:visitor_id`): ordered apart here, but SQS ties them to any other workspace
   * sending the same group ids.
   */
  readonly unscopedGroups: ReadonlySet<string>;
  /** Records left unread, past the batch's bound of events: for the batch to send back. */
  readonly deferred: SQSRecord[];
}

/**
 * Validates and routes every record of a batch, in stages: read the events (stage 1), look up
 * their workspaces once each, live and pinned (stage 2), resolve each event's workspace
 * (stage 3: unavailable → retried as it came; missing → dead letter; live →) its deliveries
 * (stage 4): one per (event, matching destination of its own workspace), in queue order, each
 * with its order key and wave. Invalid events, unknown workspaces and unknown destinations
 * become dead letters, never thrown.
 */
export async function prepareDeliveries(
  records: readonly SQSRecord[],
  registry: Registry,
  logger: Logger,
  /** Verifies the mapping versions retries carry. @default none: every event gets the live mapping */
  pins?: MappingPins,
  /** Events to prepare at most; the records past them are deferred. @default no bound */
  maxEvents = Number.POSITIVE_INFINITY,
): Promise<PreparedBatch> {
  const { events, deferred } = readEventsWithin(records, pins, maxEvents);
  const workspaces = await lookUpWorkspaces(events, registry, logger);

  const unresolved: UnresolvedEvent[] = [];
  const received: ReceivedEvent[] = [];
  const unscopedGroups = new Set<string>();
  const out: DeliveriesOut = {
    deliveries: [],
    deadLetters: [],
    unrouted: 0,
    blockedByConsent: 0,
    blockedByDestination: new Map(),
  };
  // On a FIFO ingest queue, a group's later events wait behind one that could not be resolved
  // (a group within its workspace).
  const heldGroups = new Set<string>();
  for (const event of events) {
    const { message, messageGroupId } = event;
    if (!message.ok) {
      out.deadLetters.push({
        ...letterBeforeRouting(event),
        errorCode: message.errorCode,
        errorMessage: message.reason,
      });
      continue;
    }
    const { workspaceId } = message;
    const idHash = distinctIdHash(workspaceId, message.payload.event.distinct_id);
    received.push(
      event.redriven
        ? { workspaceId, distinctIdHash: idHash, attempt: event.attempts, redriven: true }
        : { workspaceId, distinctIdHash: idHash, attempt: event.attempts },
    );
    if (messageGroupId !== undefined && !isWorkspaceGroup(workspaceId, messageGroupId)) {
      unscopedGroups.add(workspaceId);
    }
    const group = messageGroupId === undefined ? undefined : groupKey(workspaceId, messageGroupId);
    const resolution =
      group !== undefined && heldGroups.has(group)
        ? UNAVAILABLE
        : workspaces.resolve(workspaceId, event.mappingVersion);
    switch (resolution.kind) {
      case 'unavailable':
        if (group) heldGroups.add(group);
        unresolved.push(unresolvedEvent(event, workspaceId));
        break;
      case 'missing':
        out.deadLetters.push({
          ...letterBeforeRouting(event),
          workspaceId,
          distinctId: message.payload.event.distinct_id,
          errorCode: 'WorkspaceNotFound',
          errorMessage: 'message names a workspace that does not exist or is disabled',
        });
        break;
      case 'live':
        addDeliveries(event, message, resolution.workspace, resolution.pinned, idHash, out, logger);
        break;
    }
  }
  assignWaves(out.deliveries);
  const { deliveries, deadLetters, unrouted, blockedByConsent, blockedByDestination } = out;
  return {
    deliveries,
    deadLetters,
    unresolved,
    unrouted,
    blockedByConsent,
    blockedByDestination,
    received,
    unscopedGroups,
    deferred,
  };
}

/** A letter for an event that never reached routing: it keeps where a retry was going and its mapping. */
function letterBeforeRouting(event: IncomingEvent) {
  const { body, record, attempts, messageGroupId, targets, mappingVersion, mappingPin } = event;
  return {
    body,
    sourceMessageId: record.messageId,
    attempts,
    messageGroupId,
    ...(targets && { targets }),
    ...(mappingVersion !== undefined && { mappingVersion, mappingPin }),
  };
}

function unresolvedEvent(event: IncomingEvent, workspaceId: string): UnresolvedEvent {
  const { record, body, attempts, firstAttemptAt, targets, messageGroupId, mappingVersion, mappingPin } =
    event;
  return {
    messageId: record.messageId,
    body,
    workspaceId,
    attempts,
    firstAttemptAt,
    ...(targets && { targets }),
    ...(messageGroupId && { messageGroupId }),
    ...(mappingVersion !== undefined && { mappingVersion, mappingPin }),
  };
}
