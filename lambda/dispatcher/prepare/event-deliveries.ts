import type { Logger } from '@aws-lambda-powertools/logger';
import { consentAllows } from '../../shared/consent';
import { type CompiledMapping, MappingLimitError } from '../../shared/data-mapping';
import type { DeliveredPayload, ParsedMessage } from '../../shared/ingest-message';
import { authorizationProblem, type LiveWorkspace } from '../../shared/workspace';
import type { AcceptedRecord, Delivery } from '../delivery';
import type { DeadLetter } from '../settle/dead-letter';
import { revealsNoMore, sameDestination } from './mapping-pins';
import { orderKeyOf } from './order';
import type { IncomingEvent } from './read-events';
import { route } from './route';

/** An ingest message that passed the schema. */
export type ValidMessage = Extract<ParsedMessage, { ok: true }>;

/** Where the deliveries stage puts what it decides: the batch being prepared. */
export interface DeliveriesOut {
  readonly deliveries: Delivery[];
  readonly deadLetters: DeadLetter[];
  unrouted: number;
  blockedByConsent: number;
}

/** What a dead letter of this event carries whatever went wrong. */
type LetterSource = Pick<
  DeadLetter,
  'body' | 'sourceMessageId' | 'attempts' | 'messageGroupId' | 'workspaceId' | 'distinctId'
>;

/**
 * Stage 4: one event of a live workspace to its deliveries. Routes it to the workspace's
 * destinations (or the ones a retry still targets), then per destination: consent, the invoke
 * account's authorization, and the mapping (the pinned version's when a retry keeps it).
 */
export function addDeliveries(
  event: IncomingEvent,
  message: ValidMessage,
  workspace: LiveWorkspace,
  pinned: LiveWorkspace | undefined,
  distinctIdHash: string,
  out: DeliveriesOut,
  logger: Logger,
): void {
  const { record, body, attempts, firstAttemptAt, messageGroupId, targets, mappingVersion, mappingPin } =
    event;
  const { workspaceId } = message;
  const source: LetterSource = {
    body,
    sourceMessageId: record.messageId,
    attempts,
    messageGroupId,
    workspaceId,
    distinctId: message.payload.event.distinct_id,
  };
  // What the event's letter keeps, so a redrive goes where the retry was going.
  const carried = {
    ...(targets && { targets }),
    ...(mappingVersion !== undefined && { mappingVersion, mappingPin }),
  };
  const routed = route(message.payload.event.event, message.destinations, workspace.destinations, targets);
  if (!routed.ok) {
    const { errorCode, reason, destinationId } = routed;
    out.deadLetters.push({ ...source, ...carried, errorCode, errorMessage: reason, destinationId });
    return;
  }
  if (routed.destinations.length === 0 && targets) {
    // A retry or redrive that goes nowhere now ends with a reason, never acknowledged silently.
    out.deadLetters.push({
      ...source,
      ...carried,
      errorCode: 'NoLongerRouted',
      errorMessage:
        targets.length === 0
          ? 'message targets no destination'
          : "no destination it targets accepts this event any more (the destination's events changed)",
    });
    return;
  }
  if (routed.destinations.length === 0) {
    out.unrouted += 1;
    logger.debug('no destination accepts this event', {
      messageId: record.messageId,
      workspaceId,
      distinctIdHash,
    });
  }
  const accepted: AcceptedRecord = {
    messageId: record.messageId,
    eventId: event.eventId,
    body,
    attempts,
    firstAttemptAt,
    workspaceId,
    distinctIdHash,
    payload: message.payload,
    messageGroupId,
  };
  // One mapped message per distinct mapping: destinations on the defaults share one (or share
  // the limit the event passes under it).
  const mapped = new Map<CompiledMapping, Shaped | MappingLimitError>();
  for (const destination of routed.destinations) {
    if (!consentAllows(message.consent, destination.requiredConsent)) {
      out.blockedByConsent += 1;
      logger.debug('not delivered: no consent', {
        messageId: record.messageId,
        workspaceId,
        destinationId: destination.id,
        distinctIdHash,
      });
      continue;
    }
    const unauthorized = authorizationProblem(workspace, destination);
    if (unauthorized) {
      out.deadLetters.push({
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
      pinned &&
      sameDestination(
        pinned.destinations.find((d) => d.id === destination.id),
        destination,
      )
        ? pinned.mappings.get(destination.id)
        : undefined;
    const pinnedShape = pinnedMapping && shapedOnce(mapped, pinnedMapping, message.payload);
    const keepsPin =
      pinnedShape !== undefined &&
      !(pinnedShape instanceof MappingLimitError) &&
      !(live instanceof MappingLimitError) &&
      revealsNoMore(pinnedShape.payload, live.payload);
    const shaped = keepsPin ? pinnedShape : live;
    if (shaped instanceof MappingLimitError) {
      out.deadLetters.push({
        ...source,
        errorCode: 'MappingLimitExceeded',
        errorMessage: shaped.message,
        destinationId: destination.id,
        destinationType: destination.type,
      });
      continue;
    }
    out.deliveries.push({
      record: accepted,
      destination,
      orderKey: orderKeyOf(accepted, destination),
      wave: 0,
      payload: shaped.payload,
      message: shaped.message,
      mappingVersion: keepsPin && pinned ? pinned.version : workspace.version,
    });
  }
}

/** An event as one destination's mapping shapes it, and its serialised message. */
interface Shaped {
  readonly payload: DeliveredPayload;
  readonly message: string;
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
