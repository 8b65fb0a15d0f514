import { type Destination, destinationKey } from '../../shared/destination-config';

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
  /** Calls in flight at once, all workspaces and destinations together. */
  readonly total: number;
  /** A hard cap on one destination's calls in flight, whatever else is free. @default total */
  readonly perDestination?: number;
  /** How often the pool looks for calls that keep others waiting too long. @default 25 ms */
  readonly checkIntervalMs?: number;
}

/** Whose call it is: shares go to workspaces first, then to destinations within each. */
export type CallOwner = Pick<Destination, 'workspaceId' | 'id'>;

export interface CallPoolOptions {
  /**
   * The destinations the batch will call: each one's share is kept for it until it first asks,
   * so whoever asks first cannot take the slots of those a moment behind. @default none
   */
  readonly expected?: Iterable<CallOwner>;
  readonly now?: () => number;
}

interface RunningCall {
  readonly queue: DestinationQueue;
  readonly startedAt: number;
  readonly patienceMs: number;
  readonly controller: AbortController;
  readonly cut: (error: CallCutError) => void;
}

interface WaitingCall {
  /** Arrival order, the tie-break between equally loaded destinations. */
  readonly seq: number;
  /** Starts the call (true), or refuses it without calling (false): its destination was cut. */
  readonly admit: (started: boolean) => void;
}

/** The fair split of the slots at one moment. */
interface Shares {
  /** Whether one more call keeps the destination, and its workspace, within their shares. */
  readonly within: (queue: DestinationQueue) => boolean;
  /** Whether the destination, or its workspace, holds more than its share: others' slots. */
  readonly over: (queue: DestinationQueue) => boolean;
  /** Slots kept for destinations the batch will call that have not asked yet. */
  readonly keptForExpected: number;
}

interface WorkspaceLoad {
  inFlight: number;
  readonly destinations: DestinationQueue[];
}

interface DestinationQueue {
  readonly key: string;
  readonly workspace: WorkspaceLoad;
  inFlight: number;
  readonly waiting: WaitingCall[];
  /** Named by the batch and not yet asked for a slot: its share is kept for it. */
  expected: boolean;
  /** Its calls were cut as slow in this batch: it gets no more. */
  cut: boolean;
  /** It answered a call in this batch: it is slow at worst, not hung. */
  answered: boolean;
}

/**
 * The delivery calls of one batch, shared by workspace first, then by destination within each
 * workspace, so a workspace's number of destinations buys it nothing over another's.
 *
 * - **Fair**: a slot that frees goes to the waiting call of the least-loaded workspace, and within
 *   it of the least-loaded destination. A call within its share starts at once.
 * - **Work-conserving**: a share nobody is using goes to whoever has calls waiting. Lending waits
 *   one turn of the event loop, so a destination whose call just answered asks for its next
 *   before its slot is lent away; and a destination the batch will call but has not yet asked
 *   keeps its share.
 * - **Hung destinations get no more**: one that has answered nothing in this batch and has a call
 *   past its patience gets no new call, within its share or lent, until one answers or is cut.
 * - **Never held hostage**: when a call within its share waits and the pool is full, the calls of
 *   destinations over their share that have run past their patience are cut. When every call in
 *   flight has run past its patience and nothing else waits, they are cut too. A cut call is
 *   aborted and rejected with `CallCutError`, and its destination gets no further calls in this
 *   batch: one hung destination costs its own events a retry, not anyone else's time.
 * - At the batch's deadline every call is cut.
 */
export class CallPool {
  private readonly workspaces = new Map<string, WorkspaceLoad>();
  private readonly destinations = new Map<string, DestinationQueue>();
  private readonly running = new Set<RunningCall>();
  private readonly perDestination: number;
  private readonly now: () => number;
  private inFlight = 0;
  private arrivals = 0;
  private closed?: CutReason;
  private timer?: NodeJS.Timeout;
  private lending?: NodeJS.Immediate;

  constructor(
    private readonly limits: CallPoolLimits,
    options: CallPoolOptions = {},
  ) {
    this.perDestination = limits.perDestination ?? limits.total;
    this.now = options.now ?? Date.now;
    for (const owner of options.expected ?? []) this.queueOf(owner).expected = true;
  }

  /**
   * Runs one call to a destination. `patienceMs` is how long it may run while others wait, or
   * once nothing else is left to do; the call receives an abort signal to pass to the SDK.
   */
  async run<T>(owner: CallOwner, patienceMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const queue = this.queueOf(owner);
    queue.expected = false;
    if (this.closed) throw new CallCutError(this.closed);
    if (!(await this.slot(queue))) throw new CallCutError(this.closed ?? 'slow');
    try {
      const controller = new AbortController();
      let cut!: (error: CallCutError) => void;
      const cutPromise = new Promise<never>((_, reject) => {
        cut = reject;
      });
      const running: RunningCall = { queue, startedAt: this.now(), patienceMs, controller, cut };
      this.running.add(running);
      this.watch();
      try {
        // Whichever comes first: the call's own answer, or the pool giving up on it.
        const answer = await Promise.race([call(controller.signal), cutPromise]);
        queue.answered = true;
        return answer;
      } finally {
        this.running.delete(running);
      }
    } finally {
      this.release(queue);
    }
  }

  /**
   * The batch will make no (more) calls to this destination: the share kept for it is free.
   * A destination that asks for a slot needs no such word.
   */
  done(owner: CallOwner): void {
    const queue = this.destinations.get(destinationKey(owner));
    if (!queue?.expected) return;
    queue.expected = false;
    this.grant(true);
  }

  /** Cuts every call in flight and refuses new ones: the batch must settle now. */
  close(reason: CutReason = 'deadline'): void {
    this.closed ??= reason;
    for (const call of [...this.running]) this.abort(call, reason);
    for (const queue of this.destinations.values()) this.refuseWaiting(queue);
    this.stopWatching();
  }

  private queueOf(owner: CallOwner): DestinationQueue {
    const key = destinationKey(owner);
    let queue = this.destinations.get(key);
    if (queue) return queue;
    let workspace = this.workspaces.get(owner.workspaceId);
    if (!workspace) {
      workspace = { inFlight: 0, destinations: [] };
      this.workspaces.set(owner.workspaceId, workspace);
    }
    queue = { key, workspace, inFlight: 0, waiting: [], expected: false, cut: false, answered: false };
    workspace.destinations.push(queue);
    this.destinations.set(key, queue);
    return queue;
  }

  /** Resolves true once the call may start, false when it must not be made. */
  private slot(queue: DestinationQueue): Promise<boolean> {
    if (queue.cut) return Promise.resolve(false);
    return new Promise((resolve) => {
      queue.waiting.push({
        seq: this.arrivals++,
        admit: (started) => {
          if (started) this.take(queue);
          resolve(started);
        },
      });
      this.grant(false);
    });
  }

  private take(queue: DestinationQueue): void {
    queue.inFlight += 1;
    queue.workspace.inFlight += 1;
    this.inFlight += 1;
  }

  private release(queue: DestinationQueue): void {
    queue.inFlight -= 1;
    queue.workspace.inFlight -= 1;
    this.inFlight -= 1;
    this.grant(false);
  }

  /**
   * Starts waiting calls while slots are free: within their share at once; beyond it (lending)
   * only when `lend`, else on the next turn of the event loop, and never into a share kept for a
   * destination that has not asked yet.
   */
  private grant(lend: boolean): void {
    if (this.closed) return;
    const shares = this.shares();
    const stalled = this.stalled();
    while (this.inFlight < this.limits.total) {
      const owed = this.leastLoadedWaiting((queue) => shares.within(queue) && !stalled.has(queue));
      if (owed) {
        owed.waiting.shift()?.admit(true);
        continue;
      }
      // Never lent to a destination that looks hung: its calls would keep the batch waiting for
      // their patience to run out.
      const borrower = this.leastLoadedWaiting((queue) => !stalled.has(queue));
      if (!borrower) return;
      if (!lend) {
        this.lendSoon();
        return;
      }
      if (this.limits.total - this.inFlight <= shares.keptForExpected) return;
      borrower.waiting.shift()?.admit(true);
    }
  }

  /**
   * Destinations that have not answered a call in this batch and have one in flight past its
   * patience: they look hung, and get no new call until one answers or theirs are cut.
   */
  private stalled(): Set<DestinationQueue> {
    const now = this.now();
    const stalled = new Set<DestinationQueue>();
    for (const call of this.running) {
      if (!call.queue.answered && now - call.startedAt >= call.patienceMs) stalled.add(call.queue);
    }
    return stalled;
  }

  private lendSoon(): void {
    if (this.lending) return;
    this.lending = setImmediate(() => {
      this.lending = undefined;
      this.grant(true);
    });
  }

  /**
   * The destination whose waiting call goes next among those `eligible`: the least-loaded
   * workspace's, then the least-loaded destination's, then first come.
   */
  private leastLoadedWaiting(eligible: (queue: DestinationQueue) => boolean): DestinationQueue | undefined {
    let best: DestinationQueue | undefined;
    for (const queue of this.destinations.values()) {
      if (queue.waiting.length === 0 || queue.inFlight >= this.perDestination || !eligible(queue)) continue;
      if (
        !best ||
        queue.workspace.inFlight < best.workspace.inFlight ||
        (queue.workspace.inFlight === best.workspace.inFlight &&
          (queue.inFlight < best.inFlight ||
            (queue.inFlight === best.inFlight && queue.waiting[0].seq < best.waiting[0].seq)))
      )
        best = queue;
    }
    return best;
  }

  /**
   * The shares now: the total split equally between the workspaces with calls running, waiting
   * or expected, then equally between such destinations within each.
   */
  private shares(): Shares {
    const active = new Map<WorkspaceLoad, number>();
    const isActive = (queue: DestinationQueue) =>
      queue.inFlight > 0 || queue.waiting.length > 0 || queue.expected;
    for (const queue of this.destinations.values()) {
      if (isActive(queue)) active.set(queue.workspace, (active.get(queue.workspace) ?? 0) + 1);
    }
    const perWorkspace = this.limits.total / Math.max(1, active.size);
    // At least one slot each, whatever the split: every active destination may make progress.
    const slots = (share: number) => Math.max(1, Math.floor(share));
    const shareOf = (queue: DestinationQueue) => perWorkspace / (active.get(queue.workspace) ?? 1);
    let keptForExpected = 0;
    for (const queue of this.destinations.values()) {
      if (queue.expected) keptForExpected += slots(shareOf(queue));
    }
    return {
      keptForExpected,
      within: (queue) =>
        queue.inFlight < slots(shareOf(queue)) && queue.workspace.inFlight < slots(perWorkspace),
      over: (queue) =>
        queue.inFlight > slots(shareOf(queue)) || queue.workspace.inFlight > slots(perWorkspace),
    };
  }

  private refuseWaiting(queue: DestinationQueue): void {
    for (const waiting of queue.waiting.splice(0)) waiting.admit(false);
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
    if (this.lending) clearImmediate(this.lending);
    this.lending = undefined;
  }

  /**
   * Cuts overdue calls that keep others waiting: those of destinations over their share while a
   * call within its share waits for a slot; and all of them once every call in flight is overdue
   * and the only calls waiting are more of the same destinations'.
   */
  private cutStragglers(): void {
    if (this.running.size === 0) {
      this.stopWatching();
      return;
    }
    const now = this.now();
    const overdue = (call: RunningCall) => now - call.startedAt >= call.patienceMs;
    const calls = [...this.running];
    const waiting = [...this.destinations.values()].filter((q) => q.waiting.length > 0 && !q.cut);

    if (this.inFlight >= this.limits.total) {
      const shares = this.shares();
      if (waiting.some((queue) => shares.within(queue))) {
        const overShare = calls.filter((c) => overdue(c) && shares.over(c.queue));
        this.cut(overShare);
        if (overShare.length > 0) return;
      }
    }

    if (!calls.every(overdue)) return;
    const overdueQueues = new Set(calls.map((c) => c.queue));
    if (waiting.some((queue) => !overdueQueues.has(queue))) return;
    this.cut(calls);
  }

  /** Cuts these calls as slow; their destinations get no more calls in this batch. */
  private cut(calls: readonly RunningCall[]): void {
    for (const call of calls) {
      call.queue.cut = true;
      this.abort(call, 'slow');
    }
    // The cut destinations' waiting calls now fail at once, without calling.
    for (const call of calls) this.refuseWaiting(call.queue);
  }

  private abort(call: RunningCall, reason: CutReason): void {
    this.running.delete(call);
    // The cut first, so it wins the race against the call's own abort error.
    call.cut(new CallCutError(reason, this.now() - call.startedAt));
    call.controller.abort();
  }
}
