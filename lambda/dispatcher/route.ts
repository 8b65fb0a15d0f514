import type { Destination } from '../shared/destination-config';

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
): RouteResult {
  let candidates: readonly Destination[] = destinations;
  if (requestedIds) {
    const byId = new Map(destinations.map((d) => [d.id, d]));
    const unknown = requestedIds.find((id) => !byId.has(id));
    if (unknown !== undefined) {
      return {
        ok: false,
        errorCode: 'DestinationNotFound',
        reason: 'message names a destination that is not configured',
        destinationId: unknown,
      };
    }
    candidates = [...new Set(requestedIds)].map((id) => byId.get(id) as Destination);
  }
  const name = eventName.toLowerCase();
  return {
    ok: true,
    destinations: candidates.filter((d) =>
      d.events.some((allowed) => allowed === '*' || allowed.toLowerCase() === name),
    ),
  };
}
