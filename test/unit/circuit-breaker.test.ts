import {
  CircuitBreakers,
  type CircuitTransition,
  DEFAULT_BREAKER_SETTINGS,
} from '../../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import {
  DeferredDeliveryError,
  PermanentDeliveryError,
  RetryableDeliveryError,
} from '../../lambda/dispatcher/errors';

const timeout = () => new RetryableDeliveryError('DeliveryTimedOut', 'no answer');

describe('CircuitBreakers', () => {
  let now: number;
  let transitions: CircuitTransition[];
  let breakers: CircuitBreakers;

  beforeEach(() => {
    now = 1_000_000;
    transitions = [];
    breakers = new CircuitBreakers(
      { ...DEFAULT_BREAKER_SETTINGS, failureThreshold: 3, cooldownMs: 30_000 },
      (t) => transitions.push(t),
      () => now,
    );
  });

  it('opens after repeated retryable failures and defers until the cool-down is over', () => {
    breakers.recordFailure('hung', timeout());
    breakers.recordFailure('hung', timeout());
    expect(breakers.admit('hung')).toEqual({ kind: 'call' });

    breakers.recordFailure('hung', timeout());

    const admission = breakers.admit('hung');
    expect(admission.kind).toBe('deferred');
    if (admission.kind !== 'deferred') return;
    expect(admission.error).toBeInstanceOf(DeferredDeliveryError);
    expect(admission.error).toMatchObject({ code: 'CircuitOpen', retryAfterSeconds: 30 });
    expect(transitions).toEqual([
      {
        destinationId: 'hung',
        from: 'closed',
        to: 'open',
        reason: 'DeliveryTimedOut',
        retryAt: now + 30_000,
      },
    ]);
    expect(breakers.admit('healthy')).toEqual({ kind: 'call' });
  });

  it('does not count permanent errors, deferrals, or failures broken by a success', () => {
    breakers.recordFailure('d', timeout());
    breakers.recordFailure('d', timeout());
    breakers.recordSuccess('d', 20);
    breakers.recordFailure('d', timeout());
    breakers.recordFailure('d', new PermanentDeliveryError('AccessDenied', 'denied'));
    breakers.recordFailure('d', new DeferredDeliveryError('RateLimited', 'over the limit'));

    expect(breakers.state('d')).toBe('closed');
    expect(transitions).toEqual([]);
  });

  it('does not open on calls cut at the batch deadline: the batch had to settle, the destination did nothing wrong', () => {
    for (let i = 0; i < 3; i++)
      breakers.recordFailure('d', new RetryableDeliveryError('DeadlineExceeded', 'settling'));

    expect(breakers.state('d')).toBe('closed');
  });

  it('lets one probe through after the cool-down: success closes, failure reopens for twice as long', () => {
    for (let i = 0; i < 3; i++) breakers.recordFailure('d', timeout());
    now += 30_000;

    expect(breakers.admit('d')).toEqual({ kind: 'probe' });
    expect(breakers.admit('d').kind).toBe('deferred');
    breakers.recordFailure('d', timeout());
    expect(breakers.state('d')).toBe('open');
    now += 30_000;
    expect(breakers.admit('d').kind).toBe('deferred');
    now += 30_000;
    expect(breakers.admit('d')).toEqual({ kind: 'probe' });
    breakers.recordSuccess('d', 40);

    expect(breakers.state('d')).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
    expect(breakers.counts).toEqual({ open: 2, 'half-open': 2, closed: 1 });
  });

  it('sends another probe when the last one had no outcome, so a half-open circuit never gets stuck', () => {
    for (let i = 0; i < 3; i++) breakers.recordFailure('d', timeout());
    now += 30_000;
    expect(breakers.admit('d')).toEqual({ kind: 'probe' });
    // The probe was cut at the batch deadline: no success, no failure recorded.
    breakers.recordFailure('d', new RetryableDeliveryError('DeadlineExceeded', 'settling'));

    now += DEFAULT_BREAKER_SETTINGS.maxPatienceMs;
    expect(breakers.admit('d').kind).toBe('deferred');
    now += DEFAULT_BREAKER_SETTINGS.maxPatienceMs;
    expect(breakers.admit('d')).toEqual({ kind: 'probe' });
  });

  it('stays open at least as long as a throttling hint', () => {
    for (let i = 0; i < 3; i++)
      breakers.recordFailure('d', new RetryableDeliveryError('Throttled', 'slow down', 120));

    now += 60_000;

    expect(breakers.admit('d')).toMatchObject({ kind: 'deferred', error: { retryAfterSeconds: 60 } });
  });

  it("sets a call's patience from the destination's usual call time, within bounds", () => {
    expect(breakers.patienceMs('new')).toBe(DEFAULT_BREAKER_SETTINGS.minPatienceMs);
    breakers.recordSuccess('far', 600);
    expect(breakers.patienceMs('far')).toBe(2_400);
    breakers.recordSuccess('very-slow', 60_000);
    expect(breakers.patienceMs('very-slow')).toBe(DEFAULT_BREAKER_SETTINGS.maxPatienceMs);
  });
});
