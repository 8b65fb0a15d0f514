import { DeferredDeliveryError, type DeliveryError } from '../../errors';

export interface CircuitBreakerSettings {
  /** Consecutive failed calls (timeouts, 5xx, throttling) that open the circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit stays open before one probe call may go. */
  readonly cooldownMs: number;
  /** Each failed probe doubles the cool-down, up to this. */
  readonly maxCooldownMs: number;
  /** Shortest patience for a call once the batch waits on nothing else. */
  readonly minPatienceMs: number;
  /** Longest patience: the per-call budget. */
  readonly maxPatienceMs: number;
  /** Patience is this many times the destination's usual call time, within the bounds above. */
  readonly patienceFactor: number;
}

export const DEFAULT_BREAKER_SETTINGS: CircuitBreakerSettings = {
  failureThreshold: 3,
  cooldownMs: 30_000,
  maxCooldownMs: 300_000,
  // In-region first calls (TLS and AssumeRole included) take 100-300 ms; far regions may take
  // longer once per execution environment, and are then deferred, not lost.
  minPatienceMs: 500,
  maxPatienceMs: 5_000,
  patienceFactor: 4,
};

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitTransition {
  readonly destinationId: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** The error code that opened it, or the probe's outcome. */
  readonly reason: string;
  /** When an open circuit lets a probe through. */
  readonly retryAt?: number;
}

/** What the breaker says about the next call to a destination. */
export type Admission =
  | { readonly kind: 'call' }
  /** Half-open: exactly this one call goes; the destination's other deliveries wait for its outcome. */
  | { readonly kind: 'probe' }
  | { readonly kind: 'deferred'; readonly error: DeliveryError };

interface Circuit {
  state: CircuitState;
  consecutiveFailures: number;
  openUntil: number;
  /** When the last probe went out (half-open). */
  probeSince: number;
  cooldownMs: number;
  /** Moving average of successful call durations. */
  typicalMs?: number;
}

/**
 * A circuit breaker per destination, per execution environment. Repeated retryable failures of a
 * destination's calls open its circuit: while open, its events are deferred (retried later)
 * without calling it; after the cool-down one probe call decides whether it closes. Only calls
 * count, never events: a PublishBatch of ten is one call. It also learns how long a
 * destination's calls usually take, which sets how long the batch waits on a straggling call.
 */
export class CircuitBreakers {
  private readonly circuits = new Map<string, Circuit>();
  /** Transitions so far, by target state: the figures a report or metric reads. */
  readonly counts: Record<CircuitState, number> = { closed: 0, open: 0, 'half-open': 0 };

  constructor(
    private readonly settings: CircuitBreakerSettings = DEFAULT_BREAKER_SETTINGS,
    private readonly onTransition: (transition: CircuitTransition) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether the next call to this destination may go. */
  admit(destinationId: string): Admission {
    const circuit = this.circuits.get(destinationId);
    if (!circuit || circuit.state === 'closed') return { kind: 'call' };
    const now = this.now();
    if (circuit.state === 'open' && now >= circuit.openUntil) {
      circuit.probeSince = now;
      this.move(destinationId, circuit, 'half-open', 'cool-down over');
      return { kind: 'probe' };
    }
    // A probe with no outcome (cut at a deadline, never sent) must not leave the circuit stuck.
    if (circuit.state === 'half-open' && now - circuit.probeSince >= 2 * this.settings.maxPatienceMs) {
      circuit.probeSince = now;
      return { kind: 'probe' };
    }
    // Half-open: a probe is out, and answers (or is cut) within the per-call budget.
    const waitMs =
      circuit.state === 'open' ? Math.max(0, circuit.openUntil - now) : this.settings.maxPatienceMs;
    return {
      kind: 'deferred',
      error: new DeferredDeliveryError(
        'CircuitOpen',
        circuit.state === 'open'
          ? `circuit open after repeated failures; next try in ${Math.ceil(waitMs / 1000)} s`
          : 'circuit half-open: waiting for the probe call',
        Math.ceil(waitMs / 1000) || undefined,
      ),
    };
  }

  /** The per-call budget: the most any call may keep the batch waiting once nothing else is left. */
  get maxPatienceMs(): number {
    return this.settings.maxPatienceMs;
  }

  /** How long a call to this destination may keep the batch waiting once nothing else is left. */
  patienceMs(destinationId: string): number {
    const { minPatienceMs, maxPatienceMs, patienceFactor } = this.settings;
    const typical = this.circuits.get(destinationId)?.typicalMs ?? 0;
    return Math.min(maxPatienceMs, Math.max(minPatienceMs, Math.ceil(typical * patienceFactor)));
  }

  /** A call answered and its destination took it (per-entry failures aside). */
  recordSuccess(destinationId: string, durationMs: number): void {
    const circuit = this.circuit(destinationId);
    circuit.typicalMs =
      circuit.typicalMs === undefined ? durationMs : 0.8 * circuit.typicalMs + 0.2 * durationMs;
    circuit.consecutiveFailures = 0;
    if (circuit.state !== 'closed') {
      circuit.cooldownMs = this.settings.cooldownMs;
      this.move(destinationId, circuit, 'closed', 'probe succeeded');
    }
  }

  /**
   * A call failed with a retryable error: the destination, not one event, looks unwell. A call
   * cut at the batch's deadline says nothing about its destination (a slow one is cut sooner).
   */
  recordFailure(destinationId: string, error: DeliveryError): void {
    if (!error.retryable || error instanceof DeferredDeliveryError || error.code === 'DeadlineExceeded')
      return;
    const circuit = this.circuit(destinationId);
    circuit.consecutiveFailures += 1;
    const probeFailed = circuit.state === 'half-open';
    if (
      !probeFailed &&
      (circuit.state === 'open' || circuit.consecutiveFailures < this.settings.failureThreshold)
    )
      return;
    if (probeFailed) circuit.cooldownMs = Math.min(this.settings.maxCooldownMs, circuit.cooldownMs * 2);
    // A throttled destination said when to come back: never sooner.
    const hintMs = (error.retryAfterSeconds ?? 0) * 1000;
    circuit.openUntil = this.now() + Math.max(circuit.cooldownMs, hintMs);
    this.move(destinationId, circuit, 'open', error.code);
  }

  state(destinationId: string): CircuitState {
    return this.circuits.get(destinationId)?.state ?? 'closed';
  }

  private circuit(destinationId: string): Circuit {
    let circuit = this.circuits.get(destinationId);
    if (!circuit) {
      circuit = {
        state: 'closed',
        consecutiveFailures: 0,
        openUntil: 0,
        probeSince: 0,
        cooldownMs: this.settings.cooldownMs,
      };
      this.circuits.set(destinationId, circuit);
    }
    return circuit;
  }

  private move(destinationId: string, circuit: Circuit, to: CircuitState, reason: string): void {
    const from = circuit.state;
    circuit.state = to;
    this.counts[to] += 1;
    this.onTransition({
      destinationId,
      from,
      to,
      reason,
      ...(to === 'open' && { retryAt: circuit.openUntil }),
    });
  }
}
