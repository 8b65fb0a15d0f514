import { createHash } from 'node:crypto';
import { encodeEventIdentity } from '../lambda/shared/event-identity';
import { type DeliveredPayload, stableStringify } from '../lambda/shared/ingest-message';

/**
 * An event's key in a consumer scope (`workspace/destination`): its identity as consumers tell
 * events apart, `distinct_id` scoped by `visitor_id` in that workspace's destination, encoded as
 * the dispatcher encodes it, so no visitor or event id can make two events one key.
 */
export function eventKey(scope: string, visitorId: string, distinctId: string): string {
  const slash = scope.indexOf('/');
  if (slash < 0) throw new Error(`consumer scope "${scope}" is not workspace/destination`);
  return encodeEventIdentity({
    workspaceId: scope.slice(0, slash),
    destinationId: scope.slice(slash + 1),
    visitorId,
    distinctId,
  });
}

/** What the local consumers saw, per consumer scope (one scope per destination). */
export class DeliveryLedger {
  /** scope → event key → time first processed (ms) */
  readonly processed = new Map<string, Map<string, number>>();
  /** scope → visitor_id → distinct_ids in the order the consumer processed them */
  readonly orderByVisitor = new Map<string, Map<string, string[]>>();
  readonly duplicatesSkipped = new Map<string, number>();
  /** scope → event key → SHA-256 of the payload as processed: shows the whole event arrived */
  readonly digests = new Map<string, Map<string, string>>();

  recordProcessed(scope: string, payload: DeliveredPayload, at = Date.now()): void {
    const byEvent = this.processed.get(scope) ?? new Map<string, number>();
    this.processed.set(scope, byEvent);
    const key = eventKey(scope, payload.visitor.visitor_id, payload.event.distinct_id);
    if (!byEvent.has(key)) byEvent.set(key, at);
    const digests = this.digests.get(scope) ?? new Map<string, string>();
    this.digests.set(scope, digests);
    digests.set(key, payloadDigest(payload));
    const byVisitor = this.orderByVisitor.get(scope) ?? new Map<string, string[]>();
    this.orderByVisitor.set(scope, byVisitor);
    const order = byVisitor.get(payload.visitor.visitor_id) ?? [];
    order.push(payload.event.distinct_id);
    byVisitor.set(payload.visitor.visitor_id, order);
  }

  recordDuplicate(scope: string): void {
    this.duplicatesSkipped.set(scope, (this.duplicatesSkipped.get(scope) ?? 0) + 1);
  }

  processedIn(scope: string): ReadonlyMap<string, number> {
    return this.processed.get(scope) ?? new Map();
  }
}

/** A digest of the payload's content, key order aside (schemas may reorder keys). */
export const payloadDigest = (payload: DeliveredPayload): string =>
  createHash('sha256').update(stableStringify(payload)).digest('hex');
