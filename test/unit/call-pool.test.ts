import { CallCutError, CallPool } from '../../lambda/dispatcher/call-pool';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A call that answers after `ms`, or rejects when aborted, like the SDK. */
const answerAfter =
  (ms: number, value = 'ok') =>
  (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve(value), ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      });
    });

describe('CallPool', () => {
  it('lets a slow call finish while other calls are still running', async () => {
    // Prepare: patience 20 ms, but a 150 ms call runs beside it the whole time.
    const pool = new CallPool({ total: 4, perDestination: 2, checkIntervalMs: 5 });

    // Act
    const results = await Promise.all([
      pool.run('slow', 20, answerAfter(80, 'slow answered')),
      pool.run('busy', 1_000, answerAfter(150, 'busy answered')),
    ]);

    // Assess
    expect(results).toEqual(['slow answered', 'busy answered']);
    pool.close();
  });

  it('cuts calls that are all past their patience once nothing else is left, and calls that destination no more', async () => {
    const pool = new CallPool({ total: 4, perDestination: 1, checkIntervalMs: 5 });
    let calledAgain = false;
    const started = Date.now();

    const outcomes = await Promise.allSettled([
      pool.run('hung', 30, answerAfter(10_000)),
      pool.run('hung', 30, async () => {
        calledAgain = true;
        return 'should not run';
      }),
      pool.run('fast', 30, answerAfter(5, 'fast answered')),
    ]);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 'fast answered' });
    const [cut, notCalled] = outcomes as PromiseRejectedResult[];
    expect(cut.reason).toBeInstanceOf(CallCutError);
    expect(cut.reason).toMatchObject({ reason: 'slow', started: true });
    expect(notCalled.reason).toMatchObject({ reason: 'slow', started: false });
    expect(calledAgain).toBe(false);
    pool.close();
  });

  it('cuts every call at close (the deadline) and refuses new ones', async () => {
    const pool = new CallPool({ total: 4, perDestination: 4, checkIntervalMs: 5 });
    const running = pool.run('a', 60_000, answerAfter(10_000));
    await sleep(10);

    pool.close('deadline');

    await expect(running).rejects.toMatchObject({ reason: 'deadline', started: true });
    await expect(pool.run('b', 60_000, answerAfter(1))).rejects.toMatchObject({
      reason: 'deadline',
      started: false,
    });
  });

  it('keeps one destination to its share of the slots, so others start at once', async () => {
    const pool = new CallPool({ total: 4, perDestination: 2, checkIntervalMs: 5 });
    const startedAt = new Map<string, number>();
    const begin = Date.now();
    const call = (key: string, ms: number) =>
      pool.run(key, 60_000, (signal) => {
        startedAt.set(`${key}-${startedAt.size}`, Date.now() - begin);
        return answerAfter(ms)(signal);
      });

    // Six calls to a slow destination queued first, then one to another destination.
    await Promise.all([...Array.from({ length: 6 }, () => call('slow', 100)), call('other', 1)]);

    const otherStart = [...startedAt].find(([k]) => k.startsWith('other'))?.[1] ?? Infinity;
    expect(otherStart).toBeLessThan(50);
    pool.close();
  });
});
