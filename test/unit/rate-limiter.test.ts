import { RateLimiter } from '../../lambda/dispatcher/deliver/rate-limiter';

describe('RateLimiter', () => {
  it('grants one second of events at once, then refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);

    expect(limiter.take('d', 10, 25)).toEqual({ granted: 10, waitSeconds: 2 });
    now += 500;
    expect(limiter.take('d', 10, 25)).toEqual({ granted: 5, waitSeconds: 2 });
    now += 10_000;
    expect(limiter.take('d', 10, 3)).toEqual({ granted: 3, waitSeconds: 0 });
    expect(limiter.take('other', 10, 3)).toEqual({ granted: 3, waitSeconds: 0 });
  });
});
