/** Time kept back from the function's deadline to settle a batch: retries and dead letters to send. */
export const SETTLE_MARGIN_MS = 3_000;

/**
 * When a batch must stop delivering so that it settles before its function times out: a batch
 * that times out is redelivered whole (duplicates for every destination that succeeded) and,
 * after `maxReceiveCount` receives, dead-lettered without a reason.
 */
export class BatchDeadline {
  private constructor(
    /** Epoch ms; undefined when there is none (tests, tools). */
    readonly at: number | undefined,
    private readonly now: () => number,
  ) {}

  /** From the Lambda context: its remaining time, less the settle margin. */
  static fromRemainingTime(
    remainingMs: number,
    marginMs = SETTLE_MARGIN_MS,
    now: () => number = Date.now,
  ): BatchDeadline {
    // Half the remaining time at least, so a short timeout still delivers something.
    return new BatchDeadline(now() + Math.max(remainingMs - marginMs, remainingMs / 2), now);
  }

  static none(): BatchDeadline {
    return new BatchDeadline(undefined, Date.now);
  }

  passed(): boolean {
    return this.at !== undefined && this.now() >= this.at;
  }

  /** Calls `reached` at the deadline unless the returned function is called first. */
  onReached(reached: () => void): () => void {
    if (this.at === undefined) return () => {};
    const timer = setTimeout(reached, Math.max(0, this.at - this.now()));
    return () => clearTimeout(timer);
  }
}
