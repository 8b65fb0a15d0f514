import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { consentAllows } from '../../shared/consent';
import { type CompiledMapping, MappingLimitError } from '../../shared/data-mapping';
import type { Destination } from '../../shared/destination-config';
import {
  type DeliveredPayload,
  isWorkspaceGroup,
  type ParsedMessage,
  parseIngestMessage,
} from '../../shared/ingest-message';
import { distinctIdHash } from '../../shared/log-ids';
import { authorizationProblem, type LiveWorkspace } from '../../shared/workspace';
import { driverOf } from '../deliver/drivers';
import type { AcceptedRecord, Delivery } from '../delivery';
import type { ReceivedEvent } from '../delivery-log';
import type { DeadLetter } from '../settle/dead-letter';
import {
  REDRIVEN_AT_ATTRIBUTE,
  RETRY_ATTEMPT_ATTRIBUTE,
  readAttempt,
  readMappingVersion,
} from '../settle/retry';
import { readRetryBundle } from '../settle/retry-bundle';
import { type MappingPins, revealsNoMore, sameDestination } from './mapping-pins';
import type { Registry } from './registry';
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
  /** Every event valid enough to name its workspace and id: what the trace starts from. */
  readonly received: ReceivedEvent[];
  /**
   * Workspaces whose producers sent FIFO message groups without the workspace in front
   * (`workspace_id:visitor_id`): ordered apart here, but SQS ties them to any other workspace
   * sending the same group ids.
   */
  readonly unscopedGroups: ReadonlySet<string>;
}

/**
 * Validates and routes every record of a batch: one delivery per (record, matching destination
 * of the record's own workspace), in queue order, each with its order key and wave; invalid
 * records, unknown workspaces and unknown destinations become dead letters. Workspaces are
 * looked up once each per batch.
 */
export async function prepareDeliveries(
  records: readonly SQSRecord[],
  registry: Registry,
  logger: Logger,
  /** Verifies the mapping versions retries carry. @default none: every event gets the live mapping */
  pins?: MappingPins,
): Promise<PreparedBatch> {
  const deadLetters: DeadLetter[] = [];
  const deliveries: Delivery[] = [];
  const unresolved: UnresolvedEvent[] = [];
  const received: ReceivedEvent[] = [];
  const unscopedGroups = new Set<string>();
  let unrouted = 0;
  let blockedByConsent = 0;
  // Plain loops, and objects of one shape: this runs for every event, so it stays cheap.
  const events: IncomingEvent[] = [];
  for (const record of records) eventsOf(record, events, pins);
  const parsed: ParsedMessage[] = new Array(events.length);
  const workspaceIds = new Set<string>();
  for (let index = 0; index < events.length; index++) {
    const message = parseIngestMessage(events[index].body);
    parsed[index] = message;
    if (message.ok) workspaceIds.add(message.workspaceId);
  }
  const workspaces = await lookUp(workspaceIds, (id) => registry.workspace(id), logger);
  // Retries keep the mapping they started with: the published versions they name, looked up once.
  const pinnedKeys = new Set<string>();
  for (let index = 0; index < events.length; index++) {
    const { mappingVersion } = events[index];
    const message = parsed[index];
    if (mappingVersion === undefined || !message.ok) continue;
    const live = workspaces.get(message.workspaceId);
    if (live && live !== 'unavailable' && mappingVersion !== live.version)
      pinnedKeys.add(`${message.workspaceId}#${mappingVersion}`);
  }
  const pinned = await lookUp(
    pinnedKeys,
    (key) => {
      const [id, version] = key.split('#');
      return registry.version(id, Number(version));
    },
    logger,
  );

  // On a FIFO ingest queue, a group's later events wait behind one that could not be resolved
  // (a group within its workspace).
  const heldGroups = new Set<string>();
  for (let index = 0; index < events.length; index++) {
    const {
      record,
      eventId,
      body,
      attempts,
      firstAttemptAt,
      messageGroupId,
      targets,
      mappingVersion,
      mappingPin,
      redriven,
    } = events[index];
    // What a letter written before routing keeps, so a redrive goes where the retry was going.
    const carried = {
      ...(targets && { targets }),
      ...(mappingVersion !== undefined && { mappingVersion, mappingPin }),
    };
    const message = parsed[index];
    if (!message.ok) {
      deadLetters.push({
        body,
        sourceMessageId: record.messageId,
        attempts,
        messageGroupId,
        errorCode: message.errorCode,
        errorMessage: message.reason,
        ...carried,
      });
      continue;
    }
    const { workspaceId } = message;
    const distinctId = message.payload.event.distinct_id;
    const idHash = distinctIdHash(workspaceId, distinctId);
    received.push(
      redriven
        ? { workspaceId, distinctIdHash: idHash, attempt: attempts, redriven }
        : { workspaceId, distinctIdHash: idHash, attempt: attempts },
    );
    const source = {
      body,
      sourceMessageId: record.messageId,
      attempts,
      messageGroupId,
      workspaceId,
      distinctId,
    };
    const group = messageGroupId === undefined ? undefined : groupKey(workspaceId, messageGroupId);
    if (messageGroupId !== undefined && !isWorkspaceGroup(workspaceId, messageGroupId)) {
      unscopedGroups.add(workspaceId);
    }
    const held = group !== undefined && heldGroups.has(group);
    const live = held ? 'unavailable' : workspaces.get(workspaceId);
    const version =
      live && live !== 'unavailable' && mappingVersion !== undefined && mappingVersion !== live.version
        ? pinned.get(`${workspaceId}#${mappingVersion}`)
        : live;
    const workspace = version === 'unavailable' ? 'unavailable' : live;
    if (workspace === 'unavailable') {
      if (group) heldGroups.add(group);
      unresolved.push({
        messageId: record.messageId,
        body,
        workspaceId,
        attempts,
        firstAttemptAt,
        ...(targets && { targets }),
        ...(messageGroupId && { messageGroupId }),
        ...(mappingVersion !== undefined && { mappingVersion, mappingPin }),
      });
      continue;
    }
    // The published version a retry's mapping is pinned to, when it is not the live one.
    const pinnedVersion = version !== 'unavailable' && version !== workspace ? version : undefined;
    if (!workspace) {
      deadLetters.push({
        ...source,
        ...carried,
        errorCode: 'WorkspaceNotFound',
        errorMessage: 'message names a workspace that does not exist or is disabled',
      });
      continue;
    }
    const routed = route(message.payload.event.event, message.destinations, workspace.destinations, targets);
    if (!routed.ok) {
      const { errorCode, reason, destinationId } = routed;
      deadLetters.push({ ...source, ...carried, errorCode, errorMessage: reason, destinationId });
      continue;
    }
    if (routed.destinations.length === 0 && targets) {
      // A retry or redrive that goes nowhere now ends with a reason, never acknowledged silently.
      deadLetters.push({
        ...source,
        ...carried,
        errorCode: 'NoLongerRouted',
        errorMessage:
          targets.length === 0
            ? 'message targets no destination'
            : "no destination it targets accepts this event any more (the destination's events changed)",
      });
      continue;
    }
    if (routed.destinations.length === 0) {
      unrouted += 1;
      logger.debug('no destination accepts this event', {
        messageId: record.messageId,
        workspaceId,
        distinctIdHash: idHash,
      });
    }
    const accepted: AcceptedRecord = {
      messageId: record.messageId,
      eventId,
      body,
      attempts,
      firstAttemptAt,
      workspaceId,
      distinctIdHash: idHash,
      payload: message.payload,
      messageGroupId,
    };
    // One mapped message per distinct mapping: destinations on the defaults share one (or share
    // the limit the event passes under it).
    const mapped = new Map<CompiledMapping, Shaped | MappingLimitError>();
    for (const destination of routed.destinations) {
      if (!consentAllows(message.consent, destination.requiredConsent)) {
        blockedByConsent += 1;
        logger.debug('not delivered: no consent', {
          messageId: record.messageId,
          workspaceId,
          destinationId: destination.id,
          distinctIdHash: idHash,
        });
        continue;
      }
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
      const live = shapedOnce(
        mapped,
        workspace.mappings.get(destination.id) as CompiledMapping,
        message.payload,
      );
      // A pinned version's mapping, only for the same destination and never weaker than the live one.
      const pinnedMapping =
        pinnedVersion &&
        sameDestination(
          pinnedVersion.destinations.find((d) => d.id === destination.id),
          destination,
        )
          ? pinnedVersion.mappings.get(destination.id)
          : undefined;
      const pinnedShape = pinnedMapping && shapedOnce(mapped, pinnedMapping, message.payload);
      const keepsPin =
        pinnedShape !== undefined &&
        !(pinnedShape instanceof MappingLimitError) &&
        !(live instanceof MappingLimitError) &&
        revealsNoMore(pinnedShape.payload, live.payload);
      const shaped = keepsPin ? pinnedShape : live;
      if (shaped instanceof MappingLimitError) {
        deadLetters.push({
          ...source,
          errorCode: 'MappingLimitExceeded',
          errorMessage: shaped.message,
          destinationId: destination.id,
          destinationType: destination.type,
        });
        continue;
      }
      deliveries.push({
        record: accepted,
        destination,
        orderKey: orderKeyOf(accepted, destination),
        wave: 0,
        payload: shaped.payload,
        message: shaped.message,
        mappingVersion: keepsPin && pinnedVersion ? pinnedVersion.version : workspace.version,
      });
    }
  }
  assignWaves(deliveries);
  return { deliveries, deadLetters, unresolved, unrouted, blockedByConsent, received, unscopedGroups };
}

/** The event as `mapping` shapes it, shaped once per event whatever the number of destinations sharing the mapping. */
function shapedOnce(
  mapped: Map<CompiledMapping, Shaped | MappingLimitError>,
  mapping: CompiledMapping,
  payload: DeliveredPayload,
): Shaped | MappingLimitError {
  let shaped = mapped.get(mapping);
  if (!shaped) {
    shaped = shape(mapping, payload);
    mapped.set(mapping, shaped);
  }
  return shaped;
}

/** An event as one destination's mapping shapes it, and its serialised message. */
interface Shaped {
  readonly payload: DeliveredPayload;
  readonly message: string;
}

/**
 * The event shaped by one mapping, or the mapping limit it passes: an event that would expand
 * past the bound is dead-lettered for that destination alone, never a crash that fails its batch.
 */
function shape(mapping: CompiledMapping, payload: DeliveredPayload): Shaped | MappingLimitError {
  try {
    const mappedPayload = mapping.apply(payload);
    return { payload: mappedPayload, message: JSON.stringify(mappedPayload) };
  } catch (error) {
    if (error instanceof MappingLimitError) return error;
    throw error;
  }
}

/** Each key of the batch looked up once; `unavailable` when the registry could not say. */
async function lookUp(
  keys: ReadonlySet<string>,
  find: (key: string) => Promise<LiveWorkspace | undefined>,
  logger: Logger,
): Promise<Map<string, LiveWorkspace | undefined | 'unavailable'>> {
  const unique = [...keys];
  const outcomes = await Promise.allSettled(unique.map(find));
  const found = new Map<string, LiveWorkspace | undefined | 'unavailable'>();
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') {
      found.set(unique[index], outcome.value);
      return;
    }
    logger.error('workspace not loaded: its events will be retried', {
      workspace: unique[index],
      errorName: (outcome.reason as Error)?.name,
    });
    found.set(unique[index], 'unavailable');
  });
  return found;
}

/** One event of the batch as it came in: a record, or one event of a retry bundle. */
interface IncomingEvent {
  readonly record: SQSRecord;
  readonly eventId: string;
  readonly body: string;
  readonly attempts: number;
  readonly firstAttemptAt: number;
  /** The mapping version a retry keeps: only one the dispatcher pinned (see `MappingPins`). */
  readonly mappingVersion: number | undefined;
  readonly mappingPin: string | undefined;
  readonly redriven: boolean;
  /** Only a FIFO ingest queue's group orders its messages. */
  readonly messageGroupId: string | undefined;
  /** The destinations a retry or redrive is still going to. */
  readonly targets: string[] | undefined;
}

/**
 * Appends the events a record carries: itself, or each event of a retry bundle, with its own
 * attempt count.
 */
function eventsOf(record: SQSRecord, events: IncomingEvent[], pins: MappingPins | undefined): void {
  const attributes = record.messageAttributes ?? {};
  const { attempt, firstAttemptAt } = readAttempt(record);
  const redriven = Boolean(attributes[REDRIVEN_AT_ATTRIBUTE]);
  // On a standard queue a group id is there for SQS fair queues (tenants), and orders nothing.
  const messageGroupId = record.eventSourceARN.endsWith('.fifo')
    ? record.attributes.MessageGroupId
    : undefined;
  const targets = readTargetDestinations(attributes);
  // A pin names one destination: only a retry or redrive to it alone keeps a mapping version.
  const trusted = (version: number | undefined, pin: string | undefined, body: string) =>
    version !== undefined && targets?.length === 1 && pins?.verify(pin, targets[0], version, body)
      ? { mappingVersion: version, mappingPin: pin }
      : { mappingVersion: undefined, mappingPin: undefined };
  const bundled = readRetryBundle(record.body);
  if (!bundled) {
    const carried = readMappingVersion(attributes);
    events.push({
      record,
      eventId: record.messageId,
      body: record.body,
      attempts: attempt,
      firstAttemptAt,
      ...trusted(carried?.version, carried?.pin, record.body),
      redriven,
      messageGroupId,
      targets,
    });
    return;
  }
  // `attempt` counts this message's own receives on top of the retry attempt it carries.
  const redeliveries = attempt - (Number(attributes[RETRY_ATTEMPT_ATTRIBUTE]?.stringValue) || 1);
  bundled.forEach((event, index) => {
    events.push({
      record,
      eventId: `${record.messageId}:${index}`,
      body: event.body,
      attempts: event.attempt + Math.max(0, redeliveries),
      firstAttemptAt: event.first_attempt_at,
      ...trusted(event.mapping_version, event.mapping_pin, event.body),
      redriven,
      messageGroupId,
      targets,
    });
  });
}

/**
 * Which deliveries must keep queue order. On a FIFO ingest queue, a message group's records
 * keep their order across all destinations (SQS requires it of partial batch responses); on a
 * standard queue, only what the destination's driver orders (a FIFO topic's visitor, say).
 */
function orderKeyOf(record: AcceptedRecord, destination: Destination): string | undefined {
  if (record.messageGroupId) return groupKey(record.workspaceId, record.messageGroupId);
  return driverOf(destination).orderKey(destination, record.payload);
}

/**
 * A FIFO ingest queue's message group, within its workspace: a producer's group ids (or another
 * workspace's using the same ones) never tie two workspaces' events together. Workspace ids hold
 * no `:`, so the key is unambiguous.
 */
const groupKey = (workspaceId: string, messageGroupId: string): string =>
  `group:${workspaceId}:${messageGroupId}`;

/**
 * On a FIFO ingest queue, the n-th record of a message group goes in wave n, across all
 * destinations. Other deliveries all go in wave 0: a FIFO topic orders its visitors' events
 * within its own calls.
 */
function assignWaves(deliveries: Delivery[]): void {
  const recordsByKey = new Map<string, string[]>();
  for (const delivery of deliveries) {
    if (!delivery.orderKey || !delivery.record.messageGroupId) continue;
    const ids = recordsByKey.get(delivery.orderKey) ?? [];
    if (ids.at(-1) !== delivery.record.eventId) ids.push(delivery.record.eventId);
    recordsByKey.set(delivery.orderKey, ids);
    delivery.wave = ids.length - 1;
  }
}
