import { DESTINATION_ID_PATTERN, type Destination } from '../../shared/destination-config';

/**
 * SQS message attribute naming, comma-separated, the only destinations a message still goes to:
 * set by redrive (and retries) so that destinations that already have the event do not get it again.
 */
export const TARGET_DESTINATIONS_ATTRIBUTE = 'target_destinations';

/** The longest target list honoured: far more ids than a retry or redrive names (one). */
export const MAX_TARGETS_ATTRIBUTE_BYTES = 1_024;

/**
 * The destinations a message is restricted to, if it names any. A list longer than
 * `MAX_TARGETS_ATTRIBUTE_BYTES`, or naming anything but destination ids, names none (the
 * message is dead-lettered as going nowhere): it would not fit on a retry or a dead letter, and
 * a producer's text (an email, say) is never echoed into a reason or an attribute.
 */
export function readTargetDestinations(
  attributes: Record<string, { stringValue?: string } | undefined>,
): string[] | undefined {
  const value = attributes[TARGET_DESTINATIONS_ATTRIBUTE]?.stringValue;
  if (value === undefined) return undefined;
  if (Buffer.byteLength(value) > MAX_TARGETS_ATTRIBUTE_BYTES) return [];
  const ids = value.split(',').filter(Boolean);
  return ids.every((id) => DESTINATION_ID_PATTERN.test(id)) ? ids : [];
}

export type RouteResult =
  | { ok: true; destinations: Destination[] }
  | { ok: false; errorCode: 'DestinationNotFound'; reason: string; destinationId: string };

/**
 * Destinations an event goes to: those whose `events` allow-list names it (exactly, ignoring
 * case; `*` allows all), narrowed to the message's own `destinations` list when it has one.
 * A listed id that is not configured is an error, not a silent skip.
 */
export function route(
  eventName: string,
  requestedIds: readonly string[] | undefined,
  destinations: readonly Destination[],
  targetIds?: readonly string[],
): RouteResult {
  if (targetIds) {
    // A redriven or retried message goes only to the destinations it names.
    const targeted = route(eventName, requestedIds, destinations);
    if (!targeted.ok) return targeted;
    const unknown = unknownDestination(
      targetIds,
      destinations,
      'message targets a destination that is not configured',
    );
    if (unknown) return unknown;
    return { ok: true, destinations: targeted.destinations.filter((d) => targetIds.includes(d.id)) };
  }
  let candidates: readonly Destination[] = destinations;
  if (requestedIds) {
    const unknown = unknownDestination(
      requestedIds,
      destinations,
      'message names a destination that is not configured',
    );
    if (unknown) return unknown;
    const byId = new Map(destinations.map((d) => [d.id, d]));
    candidates = [...new Set(requestedIds)].map((id) => byId.get(id) as Destination);
  }
  const name = eventName.toLowerCase();
  return { ok: true, destinations: candidates.filter((d) => accepts(d, name)) };
}

/** Each destination's allow-list, lower-cased once (destinations are frozen per loaded version). */
const allowLists = new WeakMap<Destination, { all: boolean; names: ReadonlySet<string> }>();

function accepts(destination: Destination, lowerCaseName: string): boolean {
  let list = allowLists.get(destination);
  if (!list) {
    list = {
      all: destination.events.includes('*'),
      names: new Set(destination.events.map((e) => e.toLowerCase())),
    };
    allowLists.set(destination, list);
  }
  return list.all || list.names.has(lowerCaseName);
}

function unknownDestination(
  ids: readonly string[],
  destinations: readonly Destination[],
  reason: string,
): RouteResult | undefined {
  const destinationId = ids.find((id) => !destinations.some((d) => d.id === id));
  return destinationId === undefined
    ? undefined
    : { ok: false, errorCode: 'DestinationNotFound', reason, destinationId };
}
