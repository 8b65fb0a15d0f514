/**
 * The dispatcher's `destination summary` log line, one per destination and batch, as both its
 * writer (the dispatcher) and its readers (the control plane's delivery visibility, with
 * CloudWatch Logs Insights or the local log file) know it. Per-destination figures are fields of
 * this one line, never a line per event: what customers see of their deliveries costs no write
 * per delivered event, and a few bytes per destination and batch.
 */

/** Every code a delivery or a dead letter may carry. */
export const ERROR_CODES = [
  'InvalidJson',
  'InvalidEvent',
  'WorkspaceNotFound',
  'DestinationNotFound',
  'AccountNotAuthorized',
  'MappingLimitExceeded',
  'NoLongerRouted',
  'RegistryUnavailable',
  'AccessDenied',
  'InvalidParameter',
  'KmsError',
  'PayloadTooLarge',
  'OffloadFailed',
  'Throttled',
  'ServiceUnavailable',
  'NetworkError',
  'FunctionError',
  'OrderBlocked',
  'DeliveryTimedOut',
  'DeadlineExceeded',
  'CircuitOpen',
  'RateLimited',
  'DestinationDisabled',
  'RetriesExhausted',
  'UnknownError',
] as const;

export const DESTINATION_SUMMARY = 'destination summary';

/**
 * Upper bounds (ms) of the latency histogram's buckets: 1-2.5-5 steps from 50 ms to a day, and
 * one bucket above. Fixed, so a Logs Insights query can sum each bucket by name.
 */
export const LATENCY_BOUNDS_MS = [
  50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000,
  86_400_000,
] as const;

/** The bucket above the last bound. */
export const LATENCY_OVERFLOW = `gt${LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1]}`;

/** Every bucket's name, in order: `le50` … `le86400000`, then the overflow. */
export const LATENCY_BUCKETS: readonly string[] = [
  ...LATENCY_BOUNDS_MS.map((b) => `le${b}`),
  LATENCY_OVERFLOW,
];

/** The bucket a latency falls in. */
export function latencyBucket(ms: number): string {
  for (const bound of LATENCY_BOUNDS_MS) if (ms <= bound) return `le${bound}`;
  return LATENCY_OVERFLOW;
}

/**
 * What a summary adds to its counts (`delivered`, `failed`, `retried`, `deadLettered`, `bytes`)
 * for delivery visibility; each only when not zero, so a quiet destination's line stays short.
 */
export interface DestinationSummaryDetail {
  /** Failed deliveries (their attempt failed, or they were deferred without a call) by code. */
  failedByCode?: Partial<Record<(typeof ERROR_CODES)[number], number>>;
  /** Events this destination did not get for want of the visitor's consent. */
  blockedByConsent?: number;
  /** Deliveries sent as a pointer to the payload bucket (too large for the destination). */
  offloaded?: number;
  /**
   * Delivered events by latency bucket (`LATENCY_BUCKETS`): from the event's first arrival in
   * the ingest queue (SQS SentTimestamp, kept across retries) to the end of the batch that
   * delivered it.
   */
  latencyMs?: Record<string, number>;
}
