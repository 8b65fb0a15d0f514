import { hash } from 'node:crypto';

/**
 * How logs name visitor-supplied ids. Producers may set `event.distinct_id` (or `visitor_id`) to
 * an email address or a phone number, so a log line carries a hash instead: SHA-256 of the id
 * with its scope (the workspace), cut to 80 bits. Scoped, the same id hashes apart in two
 * workspaces, and no table precomputed for one workspace serves another. Not a secret: whoever
 * reads the logs, knows the workspace and guesses the id can confirm the guess (docs/security.md).
 * `npm run trace` computes the same hash from the id it is given.
 */
export function distinctIdHash(workspaceId: string, distinctId: string): string {
  return scopedHash('distinct_id', workspaceId, distinctId);
}

/**
 * The consumer's name for an event in its logs: a hash of its idempotency key (`visitor_id`,
 * `distinct_id`). A consumer sees no workspace; the visitor scopes the id instead.
 */
export function eventKeyHash(visitorId: string, distinctId: string): string {
  return scopedHash('event_key', visitorId, distinctId);
}

/**
 * The scope is length-prefixed, so no two (scope, id) pairs hash the same input; the one-shot
 * `hash` is several times cheaper than a `createHash` object, and this runs for every event.
 */
const scopedHash = (kind: string, scope: string, id: string): string =>
  hash('sha256', `${kind}:${scope.length}:${scope}:${id}`).slice(0, 20);
