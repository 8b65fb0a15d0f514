#!/usr/bin/env node
/**
 * `npm run bench:isolation`: one hung destination must not slow the others. Runs the real
 * dispatcher handler, one batch at a time as one Lambda execution environment runs it, against
 * a loopback stand-in for AWS, side by side in one process: three healthy destinations alone,
 * then the same three plus a function that answers only after --hang-ms (longer than any call
 * budget), interleaved round by round. Prints the healthy destinations' throughput in both and
 * the ratio, the slowest batch against its deadline, and where the hung destination's events went.
 */
import { parseArgs } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createDispatcherHandler } from '../lambda/dispatcher/create-handler';
import { DEFAULT_RETRY_POLICY } from '../lambda/dispatcher/retry';
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

/** Runs `batches` batches through a fresh dispatcher (a new execution environment). */
export async function runScenario(
  aws: LoopbackAws,
  destinations: DestinationInput[],
  options: { batches: number; batchSize: number; functionTimeoutMs: number },
): Promise<ScenarioResult> {
  aws.reset();
  const handler = createDispatcherHandler(
    {
      destinationsJson: JSON.stringify({
        workspaces: [{ id: BENCH_WORKSPACE, externalId: 'bench-external-id-0001', destinations }],
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
      batchOf(b, options.batchSize),
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
    hungRetries: aws.counts.sqsMessages.get(HUNG.id) ?? 0,
    hungRetryReasons: Object.fromEntries(aws.counts.retryReasons),
    batchItemFailures,
  };
}

function batchOf(batch: number, size: number): SQSEvent {
  const records: SQSRecord[] = Array.from({ length: size }, (_, i) => {
    const n = batch * size + i;
    const body = JSON.stringify({
      workspace_id: BENCH_WORKSPACE,
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
  const aws = new LoopbackAws({ delayMs: (target) => (target === 'hung' ? hangMs : 0) });
  await aws.start();
  const ratios: number[] = [];
  const rows: { round: number; healthy: ScenarioResult; withHung: ScenarioResult }[] = [];
  try {
    // Warm-up: module loading and the first TLS-free connections, so round 1 is like the others.
    await runScenario(aws, HEALTHY, { ...options, batches: 3 });
    for (let round = 1; round <= rounds; round++) {
      const healthy = await runScenario(aws, HEALTHY, options);
      const withHung = await runScenario(aws, [...HEALTHY, HUNG], options);
      ratios.push(withHung.healthyPerSecond / healthy.healthyPerSecond);
      rows.push({ round, healthy, withHung });
      if (!values.json) {
        process.stderr.write(
          `round ${round}: healthy alone ${healthy.healthyPerSecond.toFixed(0)} deliveries/s; with a hung destination ${withHung.healthyPerSecond.toFixed(0)} deliveries/s (ratio ${ratios.at(-1)?.toFixed(2)}); slowest batch ${withHung.slowestBatchMs} ms of ${options.functionTimeoutMs}; hung destination: ${withHung.hungRetries} retries scheduled ${JSON.stringify(withHung.hungRetryReasons)}\n`,
        );
      }
    }
  } finally {
    await aws.stop();
  }
  const summary = {
    rounds,
    ...options,
    hangMs,
    ratio: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
    eventsToHungDestination: options.batches * options.batchSize,
    rows,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else
    process.stderr.write(
      `\nhealthy throughput with a hung destination / without: median ${summary.ratio.median.toFixed(2)}, min ${summary.ratio.min.toFixed(2)}, max ${summary.ratio.max.toFixed(2)} over ${rounds} rounds of ${options.batches} batches of ${options.batchSize}\n`,
    );
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
