import type { Logger } from '@aws-lambda-powertools/logger';
import { consentAllows } from '../../shared/consent';
import { type CompiledMapping, MappingLimitError } from '../../shared/data-mapping';
import type { Destination } from '../../shared/destination-config';
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
  /** The same by destination, for its summary line. */
  readonly blockedByDestination: Map<Destination, number>;
}

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
  const destinations = routeEvent(event, message, workspace, out);
  if (!destinations) return;
  const { record, body, attempts, firstAttemptAt, messageGroupId } = event;
  const { workspaceId } = message;
  if (destinations.length === 0) {
    out.unrouted += 1;
    logger.debug('no destination accepts this event', {
      messageId: record.messageId,
      workspaceId,
      distinctIdHash,
    });
    return;
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
    ...(event.batched && { batched: true }),
  };
  // One mapped message per distinct mapping: destinations on the defaults share one (or share
  // the limit the event passes under it).
  const mapped = new Map<CompiledMapping, Shaped | MappingLimitError>();
  for (const destination of destinations) {
    if (!consentAllows(message.consent, destination.requiredConsent)) {
      out.blockedByConsent += 1;
      out.blockedByDestination.set(destination, (out.blockedByDestination.get(destination) ?? 0) + 1);
      logger.debug('not delivered: no consent', {
        messageId: record.messageId,
        workspaceId,
        destinationId: destination.id,
        distinctIdHash,
      });
      continue;
    }
    const delivery = deliveryTo(destination, accepted, workspace, pinned, mapped);
    if ('errorCode' in delivery) out.deadLetters.push({ ...letterSource(event, message), ...delivery });
    else out.deliveries.push(delivery);
  }
}

/**
 * The destinations the event goes to; undefined when it was dead-lettered instead (a destination
 * it names that its workspace lacks; a retry or redrive that no destination accepts any more).
 */
function routeEvent(
  event: IncomingEvent,
  message: ValidMessage,
  workspace: LiveWorkspace,
  out: DeliveriesOut,
): readonly Destination[] | undefined {
  const { targets, mappingVersion, mappingPin } = event;
  const routed = route(message.payload.event.event, message.destinations, workspace.destinations, targets);
  if (routed.ok && (routed.destinations.length > 0 || !targets)) return routed.destinations;
  // What the event's letter keeps, so a redrive goes where the retry was going.
  const carried = {
    ...letterSource(event, message),
    ...(targets && { targets }),
    ...(mappingVersion !== undefined && { mappingVersion, mappingPin }),
  };
  if (!routed.ok) {
    const { errorCode, reason, destinationId } = routed;
    out.deadLetters.push({ ...carried, errorCode, errorMessage: reason, destinationId });
    return undefined;
  }
  // A retry or redrive that goes nowhere now ends with a reason, never acknowledged silently.
  out.deadLetters.push({
    ...carried,
    errorCode: 'NoLongerRouted',
    errorMessage:
      targets?.length === 0
        ? 'message targets no destination'
        : "no destination it targets accepts this event any more (the destination's events changed)",
  });
  return undefined;
}

/** Why one destination does not get the event: dead-lettered for that destination alone. */
type Refusal = Pick<DeadLetter, 'errorCode' | 'errorMessage' | 'destinationId' | 'destinationType'>;

/** The event's delivery to one destination, as its mapping shapes it, or why there is none. */
function deliveryTo(
  destination: Destination,
  accepted: AcceptedRecord,
  workspace: LiveWorkspace,
  pinned: LiveWorkspace | undefined,
  mapped: Map<CompiledMapping, Shaped | MappingLimitError>,
): Delivery | Refusal {
  const unauthorized = authorizationProblem(workspace, destination);
  if (unauthorized) {
    return { errorCode: 'AccountNotAuthorized', errorMessage: unauthorized, destinationId: destination.id };
  }
  const { payload } = accepted;
  const live = shapedOnce(mapped, workspace.mappings.get(destination.id) as CompiledMapping, payload);
  // A pinned version's mapping, only for the same destination and never weaker than the live one.
  const pinnedMapping =
    pinned &&
    sameDestination(
      pinned.destinations.find((d) => d.id === destination.id),
      destination,
    )
      ? pinned.mappings.get(destination.id)
      : undefined;
  const pinnedShape = pinnedMapping && shapedOnce(mapped, pinnedMapping, payload);
  const keepsPin =
    pinnedShape !== undefined &&
    !(pinnedShape instanceof MappingLimitError) &&
    !(live instanceof MappingLimitError) &&
    revealsNoMore(pinnedShape.payload, live.payload);
  const shaped = keepsPin ? pinnedShape : live;
  if (shaped instanceof MappingLimitError) {
    return {
      errorCode: 'MappingLimitExceeded',
      errorMessage: shaped.message,
      destinationId: destination.id,
      destinationType: destination.type,
    };
  }
  return {
    record: accepted,
    destination,
    orderKey: orderKeyOf(accepted, destination),
    wave: 0,
    payload: shaped.payload,
    message: shaped.message,
    mappingVersion: keepsPin && pinned ? pinned.version : workspace.version,
  };
}

/** What a dead letter of this event carries whatever went wrong. */
function letterSource(event: IncomingEvent, message: ValidMessage) {
  return {
    body: event.body,
    sourceMessageId: event.record.messageId,
    attempts: event.attempts,
    messageGroupId: event.messageGroupId,
    workspaceId: message.workspaceId,
    distinctId: message.payload.event.distinct_id,
  };
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
