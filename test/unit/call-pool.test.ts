import { CallCutError, CallPool } from '../../lambda/dispatcher/deliver/call-pool';

/** A destination of workspace `a` unless named `workspace/destination`. */
const owner = (name: string) => {
  const [workspaceId, id] = name.includes('/') ? name.split('/') : ['a', name];
  return { workspaceId, id };
};

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
      pool.run(owner('slow'), 20, answerAfter(80, 'slow answered')),
      pool.run(owner('busy'), 1_000, answerAfter(150, 'busy answered')),
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
      pool.run(owner('hung'), 30, answerAfter(10_000)),
      pool.run(owner('hung'), 30, async () => {
        calledAgain = true;
        return 'should not run';
      }),
      pool.run(owner('fast'), 30, answerAfter(5, 'fast answered')),
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
    const running = pool.run(owner('a'), 60_000, answerAfter(10_000));
    await sleep(10);

    pool.close('deadline');

    await expect(running).rejects.toMatchObject({ reason: 'deadline', started: true });
    await expect(pool.run(owner('b'), 60_000, answerAfter(1))).rejects.toMatchObject({
      reason: 'deadline',
      started: false,
    });
  });

  it('keeps one destination to its share of the slots, so others start at once', async () => {
    const pool = new CallPool({ total: 4, perDestination: 2, checkIntervalMs: 5 });
    const startedAt = new Map<string, number>();
    const begin = Date.now();
    const call = (key: string, ms: number) =>
      pool.run(owner(key), 60_000, (signal) => {
        startedAt.set(`${key}-${startedAt.size}`, Date.now() - begin);
        return answerAfter(ms)(signal);
      });

    // Six calls to a slow destination queued first, then one to another destination.
    await Promise.all([...Array.from({ length: 6 }, () => call('slow', 100)), call('other', 1)]);

    const otherStart = [...startedAt].find(([k]) => k.startsWith('other'))?.[1] ?? Infinity;
    expect(otherStart).toBeLessThan(50);
    pool.close();
  });

  describe('shares by workspace, then destination', () => {
    /** Counts calls in flight per destination and the most seen at once. */
    const tracker = () => {
      const inFlight = new Map<string, number>();
      const peak = new Map<string, number>();
      const startedAt = new Map<string, number[]>();
      const begin = Date.now();
      const track =
        (name: string, ms: number) =>
        async (signal: AbortSignal): Promise<string> => {
          const n = (inFlight.get(name) ?? 0) + 1;
          inFlight.set(name, n);
          peak.set(name, Math.max(peak.get(name) ?? 0, n));
          startedAt.set(name, [...(startedAt.get(name) ?? []), Date.now() - begin]);
          try {
            return await answerAfter(ms, name)(signal);
          } finally {
            inFlight.set(name, (inFlight.get(name) ?? 1) - 1);
          }
        };
      return { peak, startedAt, track };
    };

    it("keeps another workspace's share however many destinations one workspace has", async () => {
      // Prepare: workspace `attacker` with 4 hung destinations, 10 calls each, asking first;
      // workspace `victim` with one destination, 20 quick calls.
      const hung = ['h1', 'h2', 'h3', 'h4'].map((id) => ({ workspaceId: 'attacker', id }));
      const victim = { workspaceId: 'victim', id: 'topic' };
      const pool = new CallPool({ total: 16, checkIntervalMs: 5 }, { expected: [...hung, victim] });
      const { peak, startedAt, track } = tracker();

      // Act
      const attacker = hung.flatMap((h) =>
        Array.from({ length: 10 }, () => pool.run(h, 100, track(`attacker/${h.id}`, 60_000))),
      );
      const victimCalls = Array.from({ length: 20 }, () => pool.run(victim, 100, track('victim', 5)));
      const answered = await Promise.all(victimCalls);
      const attackerOutcomes = await Promise.allSettled(attacker);

      // Assess: the victim got half the slots at once and all its answers; the attacker's hung
      // calls were cut, not waited for.
      expect(answered).toHaveLength(20);
      expect(peak.get('victim')).toBe(8);
      expect(Math.max(...(startedAt.get('victim') ?? []))).toBeLessThan(60);
      expect(attackerOutcomes.every((o) => o.status === 'rejected' && o.reason instanceof CallCutError)).toBe(
        true,
      );
      pool.close();
    });

    it('lends a share nobody is using to whoever has calls waiting', async () => {
      // Prepare: one workspace; a destination with a single quick call beside one with 40.
      const busy = owner('busy');
      const quick = owner('quick');
      const pool = new CallPool({ total: 16, checkIntervalMs: 5 }, { expected: [busy, quick] });
      const { peak, track } = tracker();

      // Act
      await Promise.all([
        pool.run(quick, 1_000, track('quick', 1)),
        ...Array.from({ length: 40 }, () => pool.run(busy, 1_000, track('busy', 20))),
      ]);

      // Assess: once the quick destination was done, the busy one used every slot.
      expect(peak.get('busy')).toBe(16);
      pool.close();
    });

    it('keeps the share of a destination the batch will call until it asks or is done', async () => {
      const first = owner('first');
      const late = owner('late');
      const idle = owner('idle');
      const pool = new CallPool({ total: 12, checkIntervalMs: 5 }, { expected: [first, late, idle] });
      const { peak, startedAt, track } = tracker();

      // Act: `first` asks for 30 slow calls; `late` asks 30 ms later; `idle` never calls.
      const firstCalls = Array.from({ length: 30 }, () => pool.run(first, 10_000, track('first', 100)));
      await sleep(30);
      const beforeLate = peak.get('first');
      const lateCall = pool.run(late, 10_000, track('late', 1));
      await lateCall;
      const beforeDone = peak.get('first');
      pool.done(idle);
      await Promise.all(firstCalls);

      // Assess: `late` started at once; `first` had a third of the slots, then borrowed what
      // `late` left unused but never `idle`'s, then had all of them.
      expect(Math.min(...(startedAt.get('late') ?? []))).toBeLessThan(45);
      expect(beforeLate).toBe(4);
      expect(beforeDone).toBeLessThanOrEqual(8);
      expect(peak.get('first')).toBe(12);
      pool.close();
    });

    it('cuts overdue calls holding slots beyond their share when a call within its share waits', async () => {
      // Prepare: workspace `a` alone borrows every slot with hung calls (no one else expected).
      const pool = new CallPool({ total: 4, checkIntervalMs: 5 });
      const hung = Array.from({ length: 4 }, () =>
        pool.run(owner('a/hung'), 30, answerAfter(60_000)).catch((error: unknown) => error),
      );
      await sleep(10);

      // Act: another workspace's call arrives and waits.
      const started = Date.now();
      const other = await pool.run(owner('b/fast'), 30, answerAfter(1, 'fast answered'));

      // Assess: it ran once the borrowed calls were overdue, and they were cut.
      expect(other).toBe('fast answered');
      expect(Date.now() - started).toBeLessThan(500);
      for (const error of await Promise.all(hung)) {
        expect(error).toBeInstanceOf(CallCutError);
        expect(error).toMatchObject({ reason: 'slow', started: true });
      }
      pool.close();
    });

    it('lets overdue calls run on while the calls waiting are beyond their own share', async () => {
      // Prepare: two workspaces, two slots each; `a`'s calls are overdue but within its share.
      const slow = owner('a/slow');
      const other = owner('b/other');
      const pool = new CallPool({ total: 4, checkIntervalMs: 5 }, { expected: [slow, other] });

      // Act: `b` queues more calls than its share while `a`'s run past their patience.
      const outcomes = await Promise.allSettled([
        pool.run(slow, 10, answerAfter(80, 'slow answered')),
        pool.run(slow, 10, answerAfter(80, 'slow answered')),
        ...Array.from({ length: 6 }, () => pool.run(other, 1_000, answerAfter(30, 'other answered'))),
      ]);

      // Assess
      expect(outcomes.every((o) => o.status === 'fulfilled')).toBe(true);
      pool.close();
    });
    it('gives a destination that answers nothing and has an overdue call no further slots', async () => {
      // Prepare: `hung` never answers (patience 30 ms); `busy` answers after 60 ms.
      const hung = owner('hung');
      const busy = owner('busy');
      const pool = new CallPool({ total: 4, checkIntervalMs: 5 }, { expected: [hung, busy] });
      let hungCalls = 0;

      // Act
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 8 }, () =>
          pool.run(hung, 30, (signal) => {
            hungCalls += 1;
            return answerAfter(60_000)(signal);
          }),
        ),
        ...Array.from({ length: 2 }, () => pool.run(busy, 1_000, answerAfter(60, 'busy answered'))),
      ]);

      // Assess: once `busy` was done, its slots were not handed to the hung destination, whose
      // two calls were cut instead of being joined by more.
      expect(hungCalls).toBe(2);
      expect(outcomes.slice(8).every((o) => o.status === 'fulfilled')).toBe(true);
      pool.close();
    });
  });
});
