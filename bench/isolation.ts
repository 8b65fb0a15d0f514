#!/usr/bin/env node
/**
 * `npm run bench:isolation`: one hung destination must not slow the others, and one workspace
 * must not slow another. Runs the real dispatcher handler, one batch at a time as one Lambda
 * execution environment runs it, against a loopback stand-in for AWS, side by side in one
 * process, interleaved round by round:
 * - a hung destination: three healthy destinations alone, then the same three plus a function
 *   of the same workspace that answers only after --hang-ms (longer than any call budget);
 * - a hostile workspace: a victim workspace's three healthy destinations alone, then beside an
 *   attacker workspace with --attackers functions answering after --hang-ms, each batch half
 *   the victim's events, half the attacker's.
 * Prints the healthy (victim's) throughput in both and the ratio, the slowest batch against its
 * deadline, and where the hung destinations' events went.
 */
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createDispatcherHandler } from '../lambda/dispatcher/create-handler';
import { DEFAULT_RETRY_POLICY } from '../lambda/dispatcher/settle/retry';
import type { DestinationInput } from '../lambda/shared/destination-config';
import { invocationContext } from '../local/lambda-context';
import { LoopbackAws } from './loopback-aws';
import { sqsRecord } from './sqs-record';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/EventDelivery`;
export const HEALTHY: DestinationInput[] = [
  {
    id: 'orders-fn',
    type: 'lambda',
    functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders`,
    roleArn: ROLE,
    events: ['*'],
  },
  {
    id: 'events-topic',
    type: 'sns',
    topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:events`,
    roleArn: ROLE,
    events: ['*'],
  },
  {
    id: 'orders-fifo',
    type: 'sns',
    topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:orders.fifo`,
    roleArn: ROLE,
    events: ['*'],
  },
];
export const HUNG: DestinationInput = {
  id: 'hung-fn',
  type: 'lambda',
  functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:hung`,
  roleArn: ROLE,
  events: ['*'],
};
const BENCH_WORKSPACE = 'bench';
const HEALTHY_TARGETS = ['orders', 'events', 'orders.fifo'];
const ATTACKER_WORKSPACE = 'attacker';
const ATTACKER_ACCOUNT = '444455556666';

/** The attacker workspace's functions: each answers only after the hang. */
export function attackerFunctions(count: number): DestinationInput[] {
  return Array.from({ length: count }, (_, n) => ({
    id: `slow-fn-${n}`,
    type: 'lambda',
    functionArn: `arn:aws:lambda:us-east-1:${ATTACKER_ACCOUNT}:function:hung-${n}`,
    roleArn: `arn:aws:iam::${ATTACKER_ACCOUNT}:role/EventDelivery`,
    invocationType: 'RequestResponse',
    events: ['*'],
  }));
}

/** A workspace of the run: its destinations, and its share of each batch's records. */
export interface BenchWorkspace {
  readonly id: string;
  readonly destinations: DestinationInput[];
}

export interface ScenarioResult {
  readonly seconds: number;
  readonly healthyDelivered: number;
  readonly healthyPerSecond: number;
  readonly slowestBatchMs: number;
  readonly batchesPastDeadline: number;
  readonly hungRetries: number;
  readonly hungRetryReasons: Record<string, number>;
  readonly batchItemFailures: number;
}

/**
 * Runs `batches` batches through a fresh dispatcher (a new execution environment). With several
 * workspaces, each batch's records are split equally between them, in turn.
 */
export async function runScenario(
  aws: LoopbackAws,
  destinations: DestinationInput[] | BenchWorkspace[],
  options: { batches: number; batchSize: number; functionTimeoutMs: number },
): Promise<ScenarioResult> {
  aws.reset();
  const workspaces: BenchWorkspace[] = isWorkspaceList(destinations)
    ? destinations
    : [{ id: BENCH_WORKSPACE, destinations }];
  const handler = createDispatcherHandler(
    {
      destinationsJson: JSON.stringify({
        workspaces: workspaces.map(({ id, destinations: list }) => ({
          id,
          externalId: `${id}-external-id-0001`,
          destinations: list,
        })),
      }),
      deadLetterQueue: { url: `${aws.endpoint}/${ACCOUNT}/dlq`, fifo: false },
      maxReceiveCount: 5,
      concurrency: 16,
      region: 'us-east-1',
      retry: { ...DEFAULT_RETRY_POLICY, queueUrl: `${aws.endpoint}/${ACCOUNT}/ingest` },
    },
    {
      overrides: { endpoint: aws.endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } },
      logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
    },
  );
  let slowestBatchMs = 0;
  let batchesPastDeadline = 0;
  let batchItemFailures = 0;
  const started = performance.now();
  for (let b = 0; b < options.batches; b++) {
    const batchStart = performance.now();
    const response = await handler(
      batchOf(b, options.batchSize, workspaces),
      invocationContext(options.functionTimeoutMs),
    );
    const took = performance.now() - batchStart;
    slowestBatchMs = Math.max(slowestBatchMs, took);
    if (took >= options.functionTimeoutMs) batchesPastDeadline += 1;
    batchItemFailures += response.batchItemFailures.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const healthyDelivered = HEALTHY_TARGETS.reduce((sum, t) => sum + (aws.counts.delivered.get(t) ?? 0), 0);
  return {
    seconds,
    healthyDelivered,
    healthyPerSecond: healthyDelivered / seconds,
    slowestBatchMs: Math.round(slowestBatchMs),
    batchesPastDeadline,
    hungRetries: [...aws.counts.sqsMessages].reduce(
      (sum, [targets, n]) => sum + (targets === HUNG.id || targets.startsWith('slow-fn-') ? n : 0),
      0,
    ),
    hungRetryReasons: Object.fromEntries(aws.counts.retryReasons),
    batchItemFailures,
  };
}

const isWorkspaceList = (list: DestinationInput[] | BenchWorkspace[]): list is BenchWorkspace[] =>
  list.length > 0 && 'destinations' in list[0];

function batchOf(batch: number, size: number, workspaces: readonly BenchWorkspace[]): SQSEvent {
  const records: SQSRecord[] = Array.from({ length: size }, (_, i) => {
    const n = batch * size + i;
    const body = JSON.stringify({
      workspace_id: workspaces[i % workspaces.length].id,
      event: { event: 'Order Completed', distinct_id: `evt_${n}`, time: 1732300000000 + n },
      visitor: { visitor_id: `visitor_${n % 20}` },
      user: null,
    });
    return sqsRecord(body, `m-${n}`, ACCOUNT);
  });
  return { Records: records };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      batches: { type: 'string', default: '100' },
      'batch-size': { type: 'string', default: '100' },
      'hang-ms': { type: 'string', default: '12000' },
      'timeout-ms': { type: 'string', default: '30000' },
      /** The hostile workspace's number of hung functions. */
      attackers: { type: 'string', default: '4' },
      json: { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  const options = {
    batches: Number(values.batches),
    batchSize: Number(values['batch-size']),
    functionTimeoutMs: Number(values['timeout-ms']),
  };
  const hangMs = Number(values['hang-ms']);
  const attackers = Number(values.attackers);
  const aws = new LoopbackAws({ delayMs: (target) => (target.startsWith('hung') ? hangMs : 0) });
  await aws.start();
  const victim: BenchWorkspace = { id: BENCH_WORKSPACE, destinations: HEALTHY };
  const attacker: BenchWorkspace = { id: ATTACKER_WORKSPACE, destinations: attackerFunctions(attackers) };
  // Each case: the healthy run, and the run beside the trouble, as `runScenario` takes them.
  const cases = {
    'hung destination': [[victim], [{ ...victim, destinations: [...HEALTHY, HUNG] }]],
    [`hostile workspace (${attackers} hung functions)`]: [[victim], [victim, attacker]],
  } satisfies Record<string, [BenchWorkspace[], BenchWorkspace[]]>;
  // The alone run of the hostile case carries only the victim's half of each batch.
  const aloneSize = (name: string) =>
    name.startsWith('hostile') ? options.batchSize / 2 : options.batchSize;
  const ratios = new Map<string, number[]>();
  const rows: { case: string; round: number; healthy: ScenarioResult; withTrouble: ScenarioResult }[] = [];
  try {
    // Warm-up: module loading and the first TLS-free connections, so round 1 is like the others.
    await runScenario(aws, HEALTHY, { ...options, batches: 3 });
    for (let round = 1; round <= rounds; round++) {
      for (const [name, [alone, beside]] of Object.entries(cases)) {
        const healthy = await runScenario(aws, alone, { ...options, batchSize: aloneSize(name) });
        const withTrouble = await runScenario(aws, beside, options);
        const ratio = withTrouble.healthyPerSecond / healthy.healthyPerSecond;
        ratios.set(name, [...(ratios.get(name) ?? []), ratio]);
        rows.push({ case: name, round, healthy, withTrouble });
        if (!values.json) {
          process.stderr.write(
            `round ${round}, ${name}: healthy alone ${healthy.healthyPerSecond.toFixed(0)} deliveries/s; beside it ${withTrouble.healthyPerSecond.toFixed(0)} deliveries/s (ratio ${ratio.toFixed(2)}); slowest batch ${withTrouble.slowestBatchMs} ms of ${options.functionTimeoutMs}, ${withTrouble.batchesPastDeadline} past it; hung destinations: ${withTrouble.hungRetries} retries scheduled ${JSON.stringify(withTrouble.hungRetryReasons)}, ${withTrouble.batchItemFailures} batch item failures\n`,
          );
        }
      }
    }
  } finally {
    await aws.stop();
  }
  const summary = {
    rounds,
    ...options,
    hangMs,
    attackers,
    ratios: Object.fromEntries(
      [...ratios].map(([name, r]) => [name, { median: median(r), min: Math.min(...r), max: Math.max(...r) }]),
    ),
    rows,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stderr.write(`\nover ${rounds} rounds of ${options.batches} batches of ${options.batchSize}:\n`);
    for (const [name, r] of Object.entries(summary.ratios)) {
      process.stderr.write(
        `  healthy throughput beside a ${name} / alone: median ${r.median.toFixed(2)}, min ${r.min.toFixed(2)}, max ${r.max.toFixed(2)}\n`,
      );
    }
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
