import { hash } from 'node:crypto';
import type { Destination } from './destination-config';

/**
 * An event as one destination's consumer tells it apart: `distinct_id` scoped by `visitor_id`,
 * within its workspace and destination (ids repeat across workspaces, visitors and destinations).
 * FIFO deduplication ids, offload object keys and the local runtime's ledger are all derived from
 * it, through `encodeEventIdentity`, so none of them can merge two events a consumer keeps apart.
 */
export interface EventIdentity {
  readonly workspaceId: string;
  readonly destinationId: string;
  readonly visitorId: string;
  readonly distinctId: string;
}

/** The identity of a delivered event at one destination. */
export function eventIdentityOf(
  destination: Pick<Destination, 'workspaceId' | 'id'>,
  payload: {
    readonly visitor: { readonly visitor_id: string };
    readonly event: { readonly distinct_id: string };
  },
): EventIdentity {
  return {
    workspaceId: destination.workspaceId,
    destinationId: destination.id,
    visitorId: payload.visitor.visitor_id,
    distinctId: payload.event.distinct_id,
  };
}

/**
 * One string per identity, and never the same string for two: a JSON array quotes and escapes
 * every part, so no character inside an id (a newline, a quote, a separator) can move the border
 * between parts, and lone surrogates are escaped rather than turned into U+FFFD when hashed.
 */
export function encodeEventIdentity(identity: EventIdentity): string {
  return JSON.stringify([
    identity.workspaceId,
    identity.destinationId,
    identity.visitorId,
    identity.distinctId,
  ]);
}

/**
 * SHA-256 of the encoding, 64 hex characters: what services take as an identity key (a FIFO
 * deduplication id holds at most 128 characters, an object key should not carry visitor ids).
 */
export function hashEventIdentity(identity: EventIdentity): string {
  return hash('sha256', encodeEventIdentity(identity));
}
