import {
  AWS_OPERATIONS,
  DEFAULT_LATENCIES,
  LatencyModel,
  logNormalShape,
  resolveLatencies,
} from '../../bench/latency-model';

/** Nearest-rank quantile. */
const quantile = (sorted: number[], q: number) => sorted[Math.ceil(q * sorted.length) - 1];
const drawMany = (model: LatencyModel, n: number) =>
  Array.from({ length: n }, () => model.draw('sns:PublishBatch')).sort((a, b) => a - b);

describe('LatencyModel', () => {
  it('draws the same delays from the same seed, and other ones from another seed', () => {
    // Prepare
    const sequence = (seed: number) => {
      const model = new LatencyModel(DEFAULT_LATENCIES, seed);
      return AWS_OPERATIONS.flatMap((op) => [model.draw(op), model.draw(op)]);
    };

    // Act
    const first = sequence(42);
    const again = sequence(42);
    const other = sequence(43);

    // Assess
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    expect(first.every((ms) => ms > 0)).toBe(true);
  });

  it('has the configured p50 and p99 over many draws', () => {
    // Prepare
    const model = new LatencyModel({ ...DEFAULT_LATENCIES, 'sns:PublishBatch': { p50Ms: 20, p99Ms: 70 } }, 7);

    // Act
    const draws = drawMany(model, 200_000);

    // Assess: within 3% of the median and 5% of the 99th percentile.
    expect(quantile(draws, 0.5)).toBeGreaterThan(20 * 0.97);
    expect(quantile(draws, 0.5)).toBeLessThan(20 * 1.03);
    expect(quantile(draws, 0.99)).toBeGreaterThan(70 * 0.95);
    expect(quantile(draws, 0.99)).toBeLessThan(70 * 1.05);
  });

  it('keeps each operation to its own distribution', () => {
    // Prepare
    const model = new LatencyModel(DEFAULT_LATENCIES, 3);

    // Act
    const medianOf = (op: (typeof AWS_OPERATIONS)[number]) => {
      const draws = Array.from({ length: 20_000 }, () => model.draw(op)).sort((a, b) => a - b);
      return quantile(draws, 0.5);
    };

    // Assess
    expect(medianOf('sts:AssumeRole')).toBeGreaterThan(80 * 0.95);
    expect(medianOf('sts:AssumeRole')).toBeLessThan(80 * 1.05);
    expect(medianOf('sqs:SendMessageBatch')).toBeGreaterThan(15 * 0.95);
    expect(medianOf('sqs:SendMessageBatch')).toBeLessThan(15 * 1.05);
  });

  it('draws 0 for every operation in the instant model', () => {
    // Prepare
    const model = LatencyModel.instant();

    // Act
    const draws = AWS_OPERATIONS.flatMap((op) => Array.from({ length: 100 }, () => model.draw(op)));

    // Assess
    expect(model.answersAtOnce).toBe(true);
    expect(new Set(draws)).toEqual(new Set([0]));
  });

  it('draws the p50 every time when p99 equals p50', () => {
    // Prepare
    const model = new LatencyModel({ ...DEFAULT_LATENCIES, 'lambda:Invoke': { p50Ms: 25, p99Ms: 25 } });

    // Act
    const draws = Array.from({ length: 50 }, () => model.draw('lambda:Invoke'));

    // Assess
    expect(new Set(draws)).toEqual(new Set([25]));
    expect(model.answersAtOnce).toBe(false);
  });

  it('refuses a p99 below its p50, naming every bad operation at once', () => {
    expect(
      () =>
        new LatencyModel({
          ...DEFAULT_LATENCIES,
          'sns:Publish': { p50Ms: 30, p99Ms: 10 },
          'lambda:Invoke': { p50Ms: -1, p99Ms: 10 },
        }),
    ).toThrow(/sns:Publish: p99 10 ms is below its p50 30 ms.*lambda:Invoke: p50 -1 ms/);
  });
});

describe('logNormalShape', () => {
  it('puts the median at p50 and p99 2.326 standard deviations above it on the log scale', () => {
    const { mu, sigma } = logNormalShape({ p50Ms: 20, p99Ms: 70 });

    expect(Math.exp(mu)).toBeCloseTo(20, 9);
    expect(Math.exp(mu + 2.326_347_874 * sigma)).toBeCloseTo(70, 6);
  });
});

describe('resolveLatencies', () => {
  it('returns the defaults when nothing is overridden', () => {
    expect(resolveLatencies({})).toEqual(DEFAULT_LATENCIES);
  });

  it('sets every p50 and scales each p99 with it, then applies per-operation overrides', () => {
    // Act
    const table = resolveLatencies({
      p50Ms: 40,
      perOperation: ['PublishBatch=30/120', 'sts:assumerole=100/300'],
    });

    // Assess
    expect(table['lambda:Invoke']).toEqual({ p50Ms: 40, p99Ms: 140 });
    expect(table['sqs:SendMessageBatch'].p99Ms).toBeCloseTo((50 / 15) * 40, 9);
    expect(table['sns:PublishBatch']).toEqual({ p50Ms: 30, p99Ms: 120 });
    expect(table['sts:AssumeRole']).toEqual({ p50Ms: 100, p99Ms: 300 });
  });

  it('sets every p50 and p99 when both are given', () => {
    const table = resolveLatencies({ p50Ms: 10, p99Ms: 40 });

    expect(new Set(AWS_OPERATIONS.map((op) => JSON.stringify(table[op])))).toEqual(
      new Set([JSON.stringify({ p50Ms: 10, p99Ms: 40 })]),
    );
  });

  it('names every bad override at once', () => {
    expect(() => resolveLatencies({ p99Ms: 5, perOperation: ['sns:Nope=1/2', 'Invoke=20'] })).toThrow(
      /--latency-op sns:Nope=1\/2.*--latency-op Invoke=20.*sts:AssumeRole: p99 5 ms is below its p50 80 ms/,
    );
  });
});
