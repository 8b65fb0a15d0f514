import { type DeliveryError, type ErrorCode, PermanentDeliveryError } from '../../errors';

/** Errors that say the destination itself is broken, not one event: every event would fail the same way. */
const DESTINATION_WIDE: ReadonlySet<ErrorCode> = new Set(['AccessDenied', 'DestinationNotFound', 'KmsError']);

/**
 * Remembers, per execution environment, destinations that just failed with a destination-wide
 * permanent error, so their next events are dead-lettered with the same reason for a short
 * while instead of each calling AWS to fail again. Other destinations are not affected.
 */
export class BrokenDestinations {
  private readonly unhealthy = new Map<string, { until: number; error: DeliveryError }>();

  constructor(
    private readonly cooldownMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  record(destinationId: string, error: DeliveryError): void {
    if (error.retryable || !DESTINATION_WIDE.has(error.code)) return;
    this.unhealthy.set(destinationId, { until: this.now() + this.cooldownMs, error });
  }

  /** The error to dead-letter with while the destination is unhealthy; undefined once it may be tried again. */
  check(destinationId: string): DeliveryError | undefined {
    const entry = this.unhealthy.get(destinationId);
    if (!entry) return undefined;
    if (this.now() >= entry.until) {
      this.unhealthy.delete(destinationId);
      return undefined;
    }
    return new PermanentDeliveryError(
      entry.error.code,
      `destination unhealthy, not called: ${entry.error.message}`,
    );
  }
}
