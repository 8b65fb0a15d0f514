/**
 * A retry bundle: one SQS message carrying several events' retries to one destination, so that
 * a destination whose circuit is open costs one message per batch instead of one per event (the
 * retry send is on every batch's critical path). Recognised by its body, which no ingest message
 * can have (the ingest schema allows no `retry_bundle` key), so it survives a redrive that keeps
 * only the body. Each event keeps its own original body, attempt count and first attempt time.
 */

export const RETRY_BUNDLE_KEY = 'retry_bundle';

/** Bodies above this go in a retry message of their own: escaped into JSON they could outgrow SQS's limit. */
export const MAX_BUNDLED_BODY_BYTES = 65_536;
/** A bundle stays well under the 256 KiB of one SendMessageBatch call. */
export const MAX_BUNDLE_BYTES = 240_000;

export interface BundledEvent {
  /** The original ingest message body, unchanged. */
  readonly body: string;
  /** The attempt this retry will be. */
  readonly attempt: number;
  readonly first_attempt_at: number;
  /** Why the last attempt failed. */
  readonly last_error_code: string;
  /** The workspace version whose mapping shaped the event's first attempt. */
  readonly mapping_version?: number;
  /** The dispatcher's pin of that version (see `MappingPins`): a bundle a producer wrote has none. */
  readonly mapping_pin?: string;
}

export interface RetryBundle {
  readonly [RETRY_BUNDLE_KEY]: readonly BundledEvent[];
}

/** The bundled events of a message body, or undefined when the body is not a well-formed bundle. */
export function readRetryBundle(body: string): BundledEvent[] | undefined {
  if (!body.startsWith(`{"${RETRY_BUNDLE_KEY}":`)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const events = (parsed as Partial<RetryBundle> | null)?.[RETRY_BUNDLE_KEY];
  if (!Array.isArray(events) || Object.keys(parsed as object).length !== 1) return undefined;
  const wellFormed = events.every(
    (e: Partial<BundledEvent>) =>
      typeof e?.body === 'string' &&
      Number.isInteger(e.attempt) &&
      (e.attempt ?? 0) > 0 &&
      Number.isFinite(e.first_attempt_at) &&
      typeof e.last_error_code === 'string',
  );
  return wellFormed && events.length > 0 ? events : undefined;
}

/** A bundle's message body. */
export const toRetryBundleBody = (events: readonly BundledEvent[]): string =>
  JSON.stringify({ [RETRY_BUNDLE_KEY]: events } satisfies RetryBundle);

/** What an event adds to a bundle's body. */
export const bundledBytes = (event: BundledEvent): number =>
  Buffer.byteLength(JSON.stringify(event), 'utf8') + 1;
