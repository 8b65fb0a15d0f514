interface Bucket {
  tokens: number;
  refilledAt: number;
}

/**
 * A token bucket per destination, per execution environment: a destination with
 * `maxEventsPerSecond` is sent at most that many events a second, with bursts of at most one
 * second's worth. Events over the limit are not dropped: the caller defers them.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Takes up to `wanted` tokens. Returns how many were granted now and, when fewer than wanted,
   * the seconds until the rest could be.
   */
  take(destinationId: string, perSecond: number, wanted: number): { granted: number; waitSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(destinationId) ?? { tokens: perSecond, refilledAt: now };
    bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.refilledAt) / 1000) * perSecond);
    bucket.refilledAt = now;
    this.buckets.set(destinationId, bucket);
    const granted = Math.min(wanted, Math.floor(bucket.tokens));
    bucket.tokens -= granted;
    const missing = wanted - granted;
    return { granted, waitSeconds: missing > 0 ? Math.ceil((missing - bucket.tokens) / perSecond) : 0 };
  }
}
