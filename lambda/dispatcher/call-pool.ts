/** Why a call was abandoned before it answered. */
export type CutReason = 'slow' | 'deadline';

/**
 * Thrown by `CallPool.run` for a call abandoned before it answered (the call itself is aborted),
 * or never started because its destination was already cut in this batch or the batch is settling.
 */
export class CallCutError extends Error {
  override readonly name = 'CallCutError';
  constructor(
    readonly reason: CutReason,
    /** How long it ran; undefined when it never started. */
    readonly elapsedMs?: number,
  ) {
    const why =
      reason === 'slow'
        ? 'longer than this destination usually takes'
        : "the batch had to settle before the function's deadline";
    super(
      elapsedMs === undefined
        ? `not called: ${reason === 'slow' ? 'this destination did not answer in time earlier in this batch' : why}`
        : `no answer after ${elapsedMs} ms: ${why}`,
    );
  }

  get started(): boolean {
    return this.elapsedMs !== undefined;
  }
}

export interface CallPoolLimits {
  /** Calls in flight at once, all destinations together. */
  readonly total: number;
  /** Calls in flight at once to one destination: a hung destination holds no more slots than this. */
  readonly perDestination: number;
  /** How often the pool looks for calls that kept the batch waiting too long. @default 25 ms */
  readonly checkIntervalMs?: number;
}

interface RunningCall {
  readonly key: string;
  readonly startedAt: number;
  readonly patienceMs: number;
  readonly controller: AbortController;
  readonly cut: (error: CallCutError) => void;
}

interface WaitingCall {
  readonly key: string;
  readonly start: () => void;
}

/**
 * The delivery calls of one batch, shared fairly between destinations: at most `total` in flight,
 * at most `perDestination` to any one destination, started in the order asked for among the
 * destinations that have room. A batch never waits on calls that are only slow: when every call
 * still in flight has run past its patience and none is waiting to start, those calls are cut
 * (aborted, and rejected with `CallCutError`), and their destinations get no further calls in
 * this batch, so one hung destination costs its own events a retry, not every other
 * destination's time. At the batch's deadline every call is cut.
 */
export class CallPool {
  private readonly running = new Set<RunningCall>();
  private readonly inFlight = new Map<string, number>();
  private readonly waiting: WaitingCall[] = [];
  /** Destinations whose calls were cut as slow in this batch: they get no more. */
  private readonly cutKeys = new Set<string>();
  private closed?: CutReason;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly limits: CallPoolLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Runs one call to a destination (by key). `patienceMs` is how long it may run once nothing
   * else is left to do; the call receives an abort signal to pass to the SDK.
   */
  async run<T>(key: string, patienceMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.cutKeys.has(key)) throw new CallCutError('slow');
    await this.slot(key);
    try {
      if (this.closed) throw new CallCutError(this.closed);
      if (this.cutKeys.has(key)) throw new CallCutError('slow');
      const controller = new AbortController();
      let cut!: (error: CallCutError) => void;
      const cutPromise = new Promise<never>((_, reject) => {
        cut = reject;
      });
      const running: RunningCall = { key, startedAt: this.now(), patienceMs, controller, cut };
      this.running.add(running);
      this.watch();
      try {
        // Whichever comes first: the call's own answer, or the pool giving up on it.
        return await Promise.race([call(controller.signal), cutPromise]);
      } finally {
        this.running.delete(running);
      }
    } finally {
      this.release(key);
    }
  }

  /** Cuts every call in flight and refuses new ones: the batch must settle now. */
  close(reason: CutReason = 'deadline'): void {
    this.closed ??= reason;
    for (const call of [...this.running]) this.abort(call, reason);
    for (const { start } of this.waiting.splice(0)) start();
    this.stopWatching();
  }

  private slot(key: string): Promise<void> {
    if (this.closed || this.hasRoom(key)) {
      this.take(key);
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push({
        key,
        start: () => {
          this.take(key);
          resolve();
        },
      }),
    );
  }

  private hasRoom(key: string): boolean {
    const total = [...this.inFlight.values()].reduce((sum, n) => sum + n, 0);
    return total < this.limits.total && (this.inFlight.get(key) ?? 0) < this.limits.perDestination;
  }

  private take(key: string): void {
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
  }

  private release(key: string): void {
    const left = (this.inFlight.get(key) ?? 1) - 1;
    if (left === 0) this.inFlight.delete(key);
    else this.inFlight.set(key, left);
    const next = this.waiting.findIndex((w) => this.hasRoom(w.key));
    if (next >= 0) this.waiting.splice(next, 1)[0].start();
  }

  private watch(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.cutStragglers(), this.limits.checkIntervalMs ?? 25);
    // A pending check must not keep a process alive.
    this.timer.unref?.();
  }

  private stopWatching(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Cuts the calls in flight when all of them are overdue and the only calls waiting to start
   * are more of the same destinations': nothing else would use the time spent waiting.
   */
  private cutStragglers(): void {
    if (this.running.size === 0) {
      this.stopWatching();
      return;
    }
    const now = this.now();
    const calls = [...this.running];
    if (!calls.every((c) => now - c.startedAt >= c.patienceMs)) return;
    const overdueKeys = new Set(calls.map((c) => c.key));
    if (this.waiting.some((w) => !overdueKeys.has(w.key))) return;
    for (const key of overdueKeys) this.cutKeys.add(key);
    for (const call of calls) this.abort(call, 'slow');
    // The cut destinations' waiting calls now fail at once, without calling.
    for (const { start } of this.waiting.splice(0)) start();
  }

  private abort(call: RunningCall, reason: CutReason): void {
    this.running.delete(call);
    // The cut first, so it wins the race against the call's own abort error.
    call.cut(new CallCutError(reason, this.now() - call.startedAt));
    call.controller.abort();
  }
}
