import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The heap a dispatcher has to itself: its Lambda has 512 MB, and the runtime, SDK and buffers need their share. */
const HEAP_LIMIT_MB = 256;
const MESSAGES = 10;

describe('a batch of worst-case messages', () => {
  it(`maps ${MESSAGES} messages of 1 MB that would expand 33-fold within half of a ${HEAP_LIMIT_MB} MB heap, dead-lettering each`, async () => {
    // Prepare: the real dispatchBatch in a process of its own, with a realistic heap limit.
    const script = ['--import', 'tsx', 'bench/poison-batch.ts', '--messages', String(MESSAGES)];

    // Act: a crash (out of memory) rejects with the exit code.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`--max-old-space-size=${HEAP_LIMIT_MB}`, ...script],
      { cwd: `${__dirname}/../..`, maxBuffer: 1_048_576 },
    );

    // Assess
    const measured = JSON.parse(stdout);
    console.log(
      `peak heap ${measured.peakHeapUsedMB} MB (${measured.baselineHeapMB} MB before the batch), peak RSS ${measured.maxRssMB} MB`,
    );
    expect(measured.bodyBytes).toBeGreaterThan(990_000);
    // Each poison message, for each of its workspace's two destinations; nothing else.
    expect(measured.deadLetters).toEqual({ MappingLimitExceeded: 2 * MESSAGES });
    expect(measured.delivered).toEqual({ poison: 1, 'poison-fn': 1, other: 1, 'other-fn': 1 });
    expect(measured.batchItemFailures).toBe(0);
    expect(measured.peakHeapUsedMB).toBeLessThan(HEAP_LIMIT_MB / 2);
  }, 120_000);

  it(`prepares ${MESSAGES} batched messages of 1,000 events each only up to the bound, within half of the heap, sending the rest back`, async () => {
    const script = [
      '--import',
      'tsx',
      'bench/poison-batch.ts',
      '--messages',
      String(MESSAGES),
      '--shape',
      'batched',
    ];

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`--max-old-space-size=${HEAP_LIMIT_MB}`, ...script],
      { cwd: `${__dirname}/../..`, maxBuffer: 1_048_576 },
    );

    const measured = JSON.parse(stdout);
    console.log(`peak heap ${measured.peakHeapUsedMB} MB (${measured.baselineHeapMB} MB before the batch)`);
    // MAX_EVENTS_PER_BATCH events, to both destinations; the other records back on the queue, unread.
    expect(measured.delivered).toEqual({ poison: 5_000, 'poison-fn': 5_000 });
    expect(measured.resent).toBe(MESSAGES - 5 + 2);
    expect(measured.deadLetters).toEqual({});
    expect(measured.batchItemFailures).toBe(0);
    expect(measured.peakHeapUsedMB).toBeLessThan(HEAP_LIMIT_MB / 2);
  }, 120_000);
});
