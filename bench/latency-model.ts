/**
 * How long each AWS operation takes to answer in the loopback stand-in (`bench/loopback-aws.ts`):
 * a log-normal distribution per operation, fitted to a median (p50) and a 99th percentile (p99),
 * drawn from a seeded PRNG so a run can be repeated. The instant model answers at once.
 *
 * The defaults are assumptions about in-region calls over a kept-alive HTTPS connection, not
 * measurements: AWS publishes no latency figures for these APIs. See `DEFAULT_LATENCIES`.
 */
import { seededRandom } from '../local/test-events';

/** The operations the stand-in answers. */
export const AWS_OPERATIONS = [
  'sts:AssumeRole',
  'sns:PublishBatch',
  'sns:Publish',
  'lambda:Invoke',
  'sqs:SendMessageBatch',
  'sqs:SendMessage',
  'kinesis:PutRecords',
  'kinesis:PutRecord',
  'events:PutEvents',
] as const;
export type AwsOperation = (typeof AWS_OPERATIONS)[number];

/** An operation's latency, as two quantiles of a log-normal distribution. */
export interface LatencyQuantiles {
  /** Median, in milliseconds. */
  readonly p50Ms: number;
  /** 99th percentile, in milliseconds; at least `p50Ms` (equal: every call takes `p50Ms`). */
  readonly p99Ms: number;
}

export type LatencyTable = Readonly<Record<AwsOperation, LatencyQuantiles>>;

/**
 * Assumed in-region latencies: caller and service in one region, the connection kept alive (the
 * SDK's default), no throttling. Tails of 3–3.5× the median at p99: a log-normal's usual shape for
 * network calls. Assumptions, not measurements: AWS publishes no latency figures for these APIs.
 */
export const DEFAULT_LATENCIES: LatencyTable = {
  'sts:AssumeRole': { p50Ms: 80, p99Ms: 250 },
  'sns:PublishBatch': { p50Ms: 20, p99Ms: 70 },
  'sns:Publish': { p50Ms: 15, p99Ms: 50 },
  'lambda:Invoke': { p50Ms: 20, p99Ms: 70 },
  'sqs:SendMessageBatch': { p50Ms: 15, p99Ms: 50 },
  'sqs:SendMessage': { p50Ms: 12, p99Ms: 40 },
  'kinesis:PutRecords': { p50Ms: 25, p99Ms: 90 },
  'kinesis:PutRecord': { p50Ms: 15, p99Ms: 50 },
  'events:PutEvents': { p50Ms: 25, p99Ms: 90 },
};

/** Why each default is what it is: printed next to it in docs/performance.md. */
export const DEFAULT_LATENCY_REASONS: Readonly<Record<AwsOperation, string>> = {
  'sts:AssumeRole':
    'signs and issues a session: slower than a data-plane call; the dispatcher pays it once per role per execution environment, the naive dispatcher once per delivery',
  'sns:PublishBatch': 'up to 10 messages stored durably across zones before SNS answers',
  'sns:Publish': 'one message: a smaller request than a batch, the same durable write',
  'lambda:Invoke':
    'InvocationType Event: Lambda queues the event and answers 202 without waiting for the function',
  'sqs:SendMessageBatch':
    "up to 10 messages stored across zones: a queue destination's deliveries, and the dispatcher's retries and dead letters (none expected here)",
  'sqs:SendMessage':
    'one message, the same durable write as a batch with a smaller request: what the naive dispatcher sends to a queue',
  'kinesis:PutRecords':
    'up to 500 records, each written to its shard and replicated across three zones before the answer: the largest request here, so a little slower than a batch of 10',
  'kinesis:PutRecord': 'one record, the same replicated write: what the naive dispatcher sends to a stream',
  'events:PutEvents':
    'up to 10 entries (the naive dispatcher: one): EventBridge stores each event durably before it answers, and rule matching adds a few ms over SNS',
};

/** The standard normal's 99th percentile. */
const Z99 = 2.326_347_874_040_840_8;

/** Milliseconds each operation waits before it answers. */
export class LatencyModel {
  private readonly random: () => number;
  private readonly shapes: Readonly<Record<AwsOperation, { mu: number; sigma: number; p50Ms: number }>>;

  /** Answers at once: every draw is 0, and nothing random is drawn. */
  static instant(): LatencyModel {
    return new LatencyModel(
      Object.fromEntries(AWS_OPERATIONS.map((op) => [op, { p50Ms: 0, p99Ms: 0 }])) as LatencyTable,
    );
  }

  /**
   * @param latencies each operation's quantiles; @default DEFAULT_LATENCIES
   * @param seed the PRNG's seed: the same seed and the same sequence of operations give the same
   *   draws; @default 1
   */
  constructor(
    readonly latencies: LatencyTable = DEFAULT_LATENCIES,
    seed = 1,
  ) {
    const problems = validateLatencies(latencies);
    if (problems.length > 0) throw new Error(`invalid latency model: ${problems.join('; ')}`);
    this.random = seededRandom(seed);
    this.shapes = Object.fromEntries(
      AWS_OPERATIONS.map((op) => [op, { ...logNormalShape(latencies[op]), p50Ms: latencies[op].p50Ms }]),
    ) as LatencyModel['shapes'];
  }

  /** True when every operation answers at once. */
  get answersAtOnce(): boolean {
    return AWS_OPERATIONS.every((op) => this.latencies[op].p99Ms === 0);
  }

  /** A delay for one call of `operation`, in milliseconds. */
  draw(operation: AwsOperation): number {
    const { mu, sigma, p50Ms } = this.shapes[operation];
    // No spread (instant included): no draw, so other operations' sequences stay as they were.
    if (sigma === 0) return p50Ms;
    return Math.exp(mu + sigma * this.standardNormal());
  }

  /** Box–Muller, one value per pair of uniforms: simple, and each draw uses exactly two. */
  private standardNormal(): number {
    const u1 = 1 - this.random(); // (0, 1]: the logarithm stays finite
    const u2 = this.random();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** mu and sigma of the log-normal whose median is p50 and 99th percentile p99. */
export function logNormalShape({ p50Ms, p99Ms }: LatencyQuantiles): { mu: number; sigma: number } {
  if (p50Ms === 0) return { mu: Number.NEGATIVE_INFINITY, sigma: 0 };
  return { mu: Math.log(p50Ms), sigma: Math.log(p99Ms / p50Ms) / Z99 };
}

/** Every problem with a latency table, each naming its operation. */
export function validateLatencies(latencies: Partial<Record<string, LatencyQuantiles>>): string[] {
  const problems: string[] = [];
  for (const op of AWS_OPERATIONS) {
    const q = latencies[op];
    if (!q) {
      problems.push(`${op}: missing`);
      continue;
    }
    if (!Number.isFinite(q.p50Ms) || q.p50Ms < 0)
      problems.push(`${op}: p50 ${q.p50Ms} ms is not a number ≥ 0`);
    if (!Number.isFinite(q.p99Ms)) problems.push(`${op}: p99 ${q.p99Ms} ms is not a number`);
    else if (q.p99Ms < q.p50Ms) problems.push(`${op}: p99 ${q.p99Ms} ms is below its p50 ${q.p50Ms} ms`);
    if (q.p50Ms === 0 && q.p99Ms !== 0) problems.push(`${op}: a p50 of 0 needs a p99 of 0`);
  }
  return problems;
}

/** What a command line may change in the defaults. */
export interface LatencyOverrides {
  /** Every operation's p50; unless `p99Ms` is given too, each p99 scales with it (same tail ratio). */
  readonly p50Ms?: number;
  /** Every operation's p99. */
  readonly p99Ms?: number;
  /** Per operation, `op=p50/p99` (e.g. `sns:PublishBatch=20/70`, or `PublishBatch=20/70`), applied last. */
  readonly perOperation?: readonly string[];
}

/**
 * The defaults with the overrides applied: all operations first, then each named one. Throws
 * once, naming every bad value, when the result is not a valid model.
 */
export function resolveLatencies(
  overrides: LatencyOverrides,
  defaults: LatencyTable = DEFAULT_LATENCIES,
): LatencyTable {
  const problems: string[] = [];
  const table: Record<string, LatencyQuantiles> = {};
  for (const op of AWS_OPERATIONS) {
    const { p50Ms, p99Ms } = defaults[op];
    const p50 = overrides.p50Ms ?? p50Ms;
    const p99 =
      overrides.p99Ms ?? (overrides.p50Ms === undefined || p50Ms === 0 ? p99Ms : (p99Ms / p50Ms) * p50);
    table[op] = { p50Ms: p50, p99Ms: p99 };
  }
  for (const text of overrides.perOperation ?? []) {
    const match = /^([\w:-]+)=([\d.]+)\/([\d.]+)$/.exec(text.trim());
    const op = match && operationNamed(match[1]);
    if (!match || !op) {
      problems.push(
        `--latency-op ${text}: expected op=p50/p99 in ms, op one of ${AWS_OPERATIONS.join(', ')} (the service prefix may be left out)`,
      );
      continue;
    }
    table[op] = { p50Ms: Number(match[2]), p99Ms: Number(match[3]) };
  }
  problems.push(...validateLatencies(table));
  if (problems.length > 0) throw new Error(`invalid latency model: ${problems.join('; ')}`);
  return table as LatencyTable;
}

function operationNamed(name: string): AwsOperation | undefined {
  const wanted = name.toLowerCase();
  return AWS_OPERATIONS.find(
    (op) => op.toLowerCase() === wanted || op.split(':')[1].toLowerCase() === wanted,
  );
}
