#!/usr/bin/env node
/**
 * `npm run bench`: the real dispatcher handler, wired as in Lambda, against a loopback stand-in
 * for AWS (STS, SNS, Lambda, SQS, Kinesis, EventBridge) that counts every call, side by side with
 * - a bare loop making the same API calls with no validation, routing or mapping (the
 *   architecture's limit), and
 * - a naive dispatcher: AssumeRole and one call per event (Publish, Invoke, PutRecord, PutEvents
 *   of one entry, SendMessage),
 * interleaved round by round in one process, for SNS FIFO, SNS standard, Lambda, Kinesis,
 * EventBridge, SQS standard, SQS FIFO and six of them together, at batch sizes 100 and 10, with the stand-in answering at once (what the code costs in CPU) and
 * after a modelled latency per operation (`bench/latency-model.ts`: what AWS pays for in
 * throughput and Lambda duration). Prints the tables and writes them, with a chart, to
 * docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SQSEvent } from 'aws-lambda';
import { createDispatcherHandler } from '../lambda/dispatcher/create-handler';
import { partitionKey } from '../lambda/dispatcher/deliver/drivers/kinesis';
import { messageDeduplicationId, messageGroupId } from '../lambda/dispatcher/deliver/drivers/sns';
import { queueUrl } from '../lambda/dispatcher/deliver/drivers/sqs';
import { DEFAULT_RETRY_POLICY } from '../lambda/dispatcher/settle/retry';
import { type DestinationInput, destinationArn } from '../lambda/shared/destination-config';
import { invocationContext } from '../local/lambda-context';
import { generateEvents, seededRandom } from '../local/test-events';
import { type BundleReport, measureBundles } from './bundle';
import {
  type CostScenario,
  DISPATCHER_MEMORY_GB,
  dispatcherCost,
  gbSecondsPerMillion,
  LAMBDA_MB_PER_VCPU,
  type MeasuredApproach,
  offloadCostPerMillion,
  PRICES,
  pipesCost,
} from './cost';
import { DroppingLogger } from './dropping-logger';
import {
  AWS_OPERATIONS,
  type AwsOperation,
  DEFAULT_LATENCIES,
  DEFAULT_LATENCY_REASONS,
  LatencyModel,
  type LatencyTable,
  logNormalShape,
  resolveLatencies,
} from './latency-model';
import { LoopbackAws } from './loopback-aws';
import { type BatchedCostInput, batchedCostSection, withGeneratedSection } from './performance-page';
import { sqsRecord } from './sqs-record';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/event-delivery/EventDelivery`;
const EXTERNAL_ID = 'bench-external-id-0001';
const WORKSPACE = 'bench';
const CONCURRENCY = 16;
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** The destinations the benchmark compares, every type: the bare loop and the naive dispatcher call them too. */
type BenchTarget = DestinationInput;

const TARGETS = {
  fifo: {
    id: 'orders-fifo',
    type: 'sns',
    topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:orders.fifo`,
    roleArn: ROLE,
    events: ['*'],
  },
  standard: {
    id: 'events',
    type: 'sns',
    topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:events`,
    roleArn: ROLE,
    events: ['*'],
  },
  lambda: {
    id: 'orders-fn',
    type: 'lambda',
    functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:orders`,
    roleArn: ROLE,
    events: ['*'],
  },
  kinesis: {
    id: 'clicks-stream',
    type: 'kinesis',
    streamArn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`,
    roleArn: ROLE,
    events: ['*'],
  },
  eventBridge: {
    id: 'audit-bus',
    type: 'eventbridge',
    eventBusArn: `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/audit`,
    roleArn: ROLE,
    source: 'event-delivery',
    events: ['*'],
  },
  sqs: {
    id: 'jobs-queue',
    type: 'sqs',
    queueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs`,
    roleArn: ROLE,
    events: ['*'],
  },
  sqsFifo: {
    id: 'jobs-fifo',
    type: 'sqs',
    queueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs.fifo`,
    roleArn: ROLE,
    events: ['*'],
  },
} satisfies Record<string, BenchTarget>;
const SCENARIOS: Record<string, BenchTarget[]> = {
  'SNS FIFO': [TARGETS.fifo],
  'SNS standard': [TARGETS.standard],
  Lambda: [TARGETS.lambda],
  Kinesis: [TARGETS.kinesis],
  EventBridge: [TARGETS.eventBridge],
  'SQS standard': [TARGETS.sqs],
  'SQS FIFO': [TARGETS.sqsFifo],
  // Every destination type in one batch (SQS FIFO apart: the FIFO path is the SNS FIFO topic's).
  'all six': [
    TARGETS.fifo,
    TARGETS.standard,
    TARGETS.lambda,
    TARGETS.kinesis,
    TARGETS.eventBridge,
    TARGETS.sqs,
  ],
};
const BATCH_SIZES = [100, 10] as const;

/** What a delivery costs the destination's owner depends on its kind (`bench/cost.ts`). */
type TargetKind =
  | 'snsStandard'
  | 'snsFifo'
  | 'lambda'
  | 'kinesis'
  | 'eventBridge'
  | 'sqsStandard'
  | 'sqsFifo';

function kindOf(target: BenchTarget): TargetKind {
  switch (target.type) {
    case 'sns':
      return target.topicArn.endsWith('.fifo') ? 'snsFifo' : 'snsStandard';
    case 'sqs':
      return target.queueArn.endsWith('.fifo') ? 'sqsFifo' : 'sqsStandard';
    case 'eventbridge':
      return 'eventBridge';
    default:
      return target.type;
  }
}

/** How the stand-in names a destination in its counts: its ARN's last part. */
const targetName = (target: BenchTarget) => destinationArn(target).split(':').pop() as string;

/** A full garbage collection before each run, so that no run pays for an earlier one's garbage. */
const collectGarbage = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** What the bare loop and the naive dispatcher read of an event. */
interface BenchEvent {
  event: { event: string; distinct_id: string };
  visitor: { visitor_id: string };
}

const VARIANTS = ['dispatcher', 'bare loop', 'naive'] as const;
type Variant = (typeof VARIANTS)[number];
/** instant: the stand-in answers at once (CPU); model: after the latency model's delays (AWS). */
const MODES = ['instant', 'model'] as const;
type Mode = (typeof MODES)[number];

interface Run {
  /** Events put through (each to every destination of the scenario). */
  events: number;
  /** Wall time of the run, batches one after another as one execution environment runs them. */
  seconds: number;
  deliveriesPerSecond: number;
  /** Process CPU time (user and system, the stand-in's included) per delivery, in microseconds. */
  cpuMicrosPerDelivery: number;
  apiCallsPerEvent: number;
  /** Calls to batch APIs (all but Invoke and AssumeRole) per delivery to their destinations; 0 when none. */
  batchCallsPerBatchDelivery: number;
  /** Calls per delivery to each kind of target of the scenario, for the cost table. */
  callsPerDelivery: Partial<Record<TargetKind, number>>;
  assumeRoles: number;
  peakHeapMb: number;
  /** Deliveries the dispatcher sent to its retry queue instead (calls cut as slow): none expected. */
  retriesScheduled: number;
}

interface BenchConfig {
  readonly modes: readonly Mode[];
  readonly rounds: number;
  /** Events per run in each mode, by variant. */
  readonly events: Record<Mode, Record<Variant, number>>;
  readonly latencies: LatencyTable;
  readonly seed: number;
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const { values } = parseArgs({
    options: {
      /** Events per run answering at once. */
      events: { type: 'string', default: '2000' },
      // Under the model a run's time is mostly waiting: these sizes keep `npm run bench` near 10
      // minutes on 2 cores.
      /** Events per run of the dispatcher and the bare loop under the model. */
      'model-events': { type: 'string', default: '1500' },
      /** Events per run of the naive dispatcher under the model: it waits AssumeRole and a call per delivery. */
      'model-naive-events': { type: 'string', default: '200' },
      rounds: { type: 'string', default: '3' },
      /** instant, model or both. */
      latency: { type: 'string', default: 'both' },
      /** Every operation's p50 in ms (each p99 scales with it unless --latency-p99-ms is given). */
      'latency-p50-ms': { type: 'string' },
      /** Every operation's p99 in ms. */
      'latency-p99-ms': { type: 'string' },
      /** One operation's p50 and p99 in ms, `op=p50/p99`, e.g. `sns:PublishBatch=20/70`; repeatable. */
      'latency-op': { type: 'string', multiple: true },
      /** The latency model's seed for round 1; round r uses seed + r - 1. */
      'latency-seed': { type: 'string', default: '1' },
      'no-write': { type: 'boolean', default: false },
      /** Leave out the many-workspaces scale run (`bench/workspaces.ts`, about 20 s). */
      'no-workspaces': { type: 'boolean', default: false },
      /** Only these scenarios, comma-separated (for profiling one); implies --no-write. */
      scenario: { type: 'string' },
      /** Only these batch sizes, comma-separated (100, 10); implies --no-write. */
      batch: { type: 'string' },
      /** Only these variants, comma-separated (for profiling one); implies --no-write. */
      variants: { type: 'string' },
    },
  });
  const config = benchConfig(values);
  const eventCount = Math.max(
    ...Object.values(config.events).flatMap((byVariant) => Object.values(byVariant)),
  );
  const aws = new LoopbackAws({
    destinationQueues: Object.values(TARGETS)
      .filter((t) => t.type === 'sqs')
      .map(targetName),
  });
  const scenarios = values.scenario?.split(',').map((name) => name.trim());
  const batchSizes = values.batch?.split(',').map(Number);
  const unknown = (scenarios ?? []).filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0)
    throw new Error(`--scenario: unknown ${unknown.join(', ')}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  const partial = Boolean(scenarios || batchSizes || values.variants);
  await aws.start();
  const bodies = generateEvents(eventCount, { random: seededRandom(7), workspaces: [WORKSPACE] });
  const results = new Map<string, Run[]>();
  try {
    for (let round = 1; round <= config.rounds; round++) {
      for (const [scenario, destinations] of Object.entries(SCENARIOS)) {
        if (scenarios && !scenarios.includes(scenario)) continue;
        for (const batchSize of BATCH_SIZES) {
          if (batchSizes && !batchSizes.includes(batchSize)) continue;
          for (const mode of config.modes) {
            for (const variant of VARIANTS) {
              if (values.variants && !values.variants.split(',').includes(variant)) continue;
              // Every run of a round meets the same sequence of delays; each round another one.
              aws.latency =
                mode === 'instant'
                  ? LatencyModel.instant()
                  : new LatencyModel(config.latencies, config.seed + round - 1);
              const events = bodies.slice(0, config.events[mode][variant]);
              const run = await measure(aws, variant, destinations, events, batchSize);
              const key = resultKey(mode, scenario, batchSize, variant);
              results.set(key, [...(results.get(key) ?? []), run]);
            }
          }
        }
      }
      const minutes = (performance.now() - startedAt) / 60_000;
      process.stderr.write(`round ${round} of ${config.rounds} done (${minutes.toFixed(1)} min)\n`);
    }
  } finally {
    await aws.stop();
  }
  if (partial) {
    for (const [key, runs] of results) {
      const rate = median(runs.map((r) => r.deliveriesPerSecond));
      const cpu = median(runs.map((r) => r.cpuMicrosPerDelivery));
      const calls = median(runs.map((r) => r.apiCallsPerEvent));
      const [mode, scenario, batchSize, variant] = key.split('\n');
      const retried = runs.reduce((sum, r) => sum + r.retriesScheduled, 0);
      const ratios =
        variant === 'dispatcher'
          ? ['bare loop', 'naive']
              .map((other) => {
                const theirs = results.get(
                  resultKey(mode as Mode, scenario, Number(batchSize), other as Variant),
                );
                if (!theirs) return '';
                const rates = runs.map((r, i) => r.deliveriesPerSecond / theirs[i].deliveriesPerSecond);
                const cpus = runs.map((r, i) => r.cpuMicrosPerDelivery / theirs[i].cpuMicrosPerDelivery);
                return `, ÷ ${other} ${spread(rates)} (CPU ${fmt(median(cpus))})`;
              })
              .join('')
          : '';
      console.log(
        `${key.replaceAll('\n', ', ')}: ${Math.round(rate)} deliveries/s, ${cpu.toFixed(1)} µs CPU per delivery, ${calls.toFixed(3)} API calls per delivery${ratios}${retried > 0 ? `, ${retried} sent to the retry queue (calls cut as slow)` : ''}`,
      );
    }
    const minutes = (performance.now() - startedAt) / 60_000;
    process.stderr.write(`took ${minutes.toFixed(1)} min\n`);
    return;
  }
  process.stderr.write('measuring the bundles\n');
  const bundles = measureBundles();
  const scale = values['no-workspaces'] ? undefined : measureWorkspaceScale();
  const report = render(results, config, bundles, (performance.now() - startedAt) / 60_000, scale);
  console.log(report.table);
  if (!values['no-write']) {
    const file = path.join(__dirname, '..', 'docs', 'performance.md');
    writeFileSync(file, withGeneratedSection(readFileSync(file, 'utf8'), report.markdown));
    writeFileSync(path.join(path.dirname(file), 'performance.svg'), `${report.svg}\n`);
    // Formatted as the project's lint expects (tables aligned), so a rerun leaves the tree clean.
    spawnSync('npx', ['biome', 'format', '--write', file], { stdio: 'ignore' });
    process.stderr.write(`written: ${file}\n`);
  }
}

/** The command line's settings, checked: every problem named at once. */
function benchConfig(values: {
  events?: string;
  'model-events'?: string;
  'model-naive-events'?: string;
  rounds?: string;
  latency?: string;
  'latency-p50-ms'?: string;
  'latency-p99-ms'?: string;
  'latency-op'?: string[];
  'latency-seed'?: string;
}): BenchConfig {
  const problems: string[] = [];
  const count = (flag: keyof typeof values): number => {
    const text = values[flag] as string | undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) problems.push(`--${flag} ${text}: expected a whole number ≥ 1`);
    return n;
  };
  const milliseconds = (flag: 'latency-p50-ms' | 'latency-p99-ms'): number | undefined => {
    const text = values[flag];
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) problems.push(`--${flag} ${text}: expected milliseconds ≥ 0`);
    return n;
  };
  const events = count('events');
  const modelEvents = count('model-events');
  const modelNaiveEvents = count('model-naive-events');
  const rounds = count('rounds');
  const seed = count('latency-seed');
  const modes = values.latency === 'both' ? MODES : MODES.filter((m) => m === values.latency);
  if (modes.length === 0) problems.push(`--latency ${values.latency}: expected instant, model or both`);
  let latencies: LatencyTable = DEFAULT_LATENCIES;
  try {
    latencies = resolveLatencies({
      p50Ms: milliseconds('latency-p50-ms'),
      p99Ms: milliseconds('latency-p99-ms'),
      perOperation: values['latency-op'],
    });
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new Error(`npm run bench: ${problems.join('; ')}`);
  const all = (n: number) => ({ dispatcher: n, 'bare loop': n, naive: n });
  return {
    modes,
    rounds,
    events: {
      instant: all(events),
      model: {
        dispatcher: modelEvents,
        'bare loop': modelEvents,
        naive: Math.min(modelNaiveEvents, modelEvents),
      },
    },
    latencies,
    seed,
  };
}

const resultKey = (mode: Mode, scenario: string, batchSize: number, variant: Variant) =>
  `${mode}\n${scenario}\n${batchSize}\n${variant}`;

async function measure(
  aws: LoopbackAws,
  variant: Variant,
  destinations: BenchTarget[],
  bodies: string[],
  batchSize: number,
): Promise<Run> {
  aws.reset();
  const batches = toBatches(bodies, batchSize);
  const run =
    variant === 'dispatcher'
      ? dispatcher(aws, destinations)
      : variant === 'bare loop'
        ? bareLoop(aws, destinations)
        : naive(aws, destinations);
  collectGarbage();
  // The heap alone: process.memoryUsage() also reads the RSS from the OS, which costs enough
  // CPU every 20 ms to count against the slower variant's CPU per delivery.
  const heapUsed = () => getHeapStatistics().used_heap_size;
  let peakHeap = heapUsed();
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, heapUsed());
  }, 20);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const batch of batches) await run(batch);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  const deliveries = [...aws.counts.delivered.values()].reduce((a, b) => a + b, 0);
  const retriesScheduled = [...aws.counts.sqsMessages.values()].reduce((a, b) => a + b, 0);
  const expected = bodies.length * destinations.length;
  // A call cut as slow may still have been delivered (at least once: the dispatcher retries what
  // it could not confirm), so nothing lost and nothing sent twice in the run is what is checked.
  if (deliveries > expected || deliveries + retriesScheduled < expected) {
    throw new Error(
      `${variant}: ${deliveries} deliveries and ${retriesScheduled} retries scheduled, expected ${expected} deliveries`,
    );
  }
  const calls = [...aws.counts.calls.values()].reduce((a, b) => a + b, 0) + aws.counts.assumeRole;
  const batchTargets = destinations.filter((d) => d.type !== 'lambda').map(targetName);
  const batchCalls = batchTargets.reduce((sum, t) => sum + (aws.counts.calls.get(t) ?? 0), 0);
  const callsPerDelivery = (target: BenchTarget) => {
    const name = targetName(target);
    return (aws.counts.calls.get(name) ?? 0) / (aws.counts.delivered.get(name) || 1);
  };
  return {
    events: bodies.length,
    seconds,
    deliveriesPerSecond: deliveries / seconds,
    cpuMicrosPerDelivery: (cpu.user + cpu.system) / deliveries,
    apiCallsPerEvent: calls / deliveries,
    callsPerDelivery: Object.fromEntries(destinations.map((d) => [kindOf(d), callsPerDelivery(d)])),
    batchCallsPerBatchDelivery:
      batchTargets.length > 0 ? batchCalls / (bodies.length * batchTargets.length) : 0,
    assumeRoles: aws.counts.assumeRole,
    peakHeapMb: peakHeap / 1_048_576,
    retriesScheduled,
  };
}

/** The real handler, as Lambda runs it: a fresh execution environment per run. */
function dispatcher(aws: LoopbackAws, destinations: BenchTarget[]) {
  const handler = createDispatcherHandler(
    {
      destinationsJson: JSON.stringify({
        workspaces: [{ id: WORKSPACE, externalId: EXTERNAL_ID, destinations }],
      }),
      deadLetterQueue: { url: `${aws.endpoint}/${ACCOUNT}/dlq`, fifo: false },
      maxReceiveCount: 5,
      concurrency: CONCURRENCY,
      region: 'us-east-1',
      retry: { ...DEFAULT_RETRY_POLICY, queueUrl: `${aws.endpoint}/${ACCOUNT}/ingest` },
    },
    {
      overrides: { endpoint: aws.endpoint, credentials: CREDENTIALS },
      // At INFO, as in Lambda: every line is built and serialized, then dropped instead of written.
      logger: new DroppingLogger({ serviceName: 'bench', logLevel: 'INFO' }),
    },
  );
  return async (event: SQSEvent) => {
    const response = await handler(event, invocationContext(30_000));
    if (response.batchItemFailures.length > 0) throw new Error('dispatcher reported failures');
  };
}

/**
 * The same calls with nothing else, all of a batch's calls through one pool of CONCURRENCY: one
 * Invoke per event; PublishBatch, SendMessageBatch and PutEvents by 10 with the same entries;
 * PutRecords by up to 500. Where order is kept (a FIFO topic or queue, a stream's visitor),
 * packed as order requires (`orderedChunks`): a visitor's events in successive calls, each
 * waiting for the one before, as the dispatcher sends them; without that, parallel calls could
 * reorder a group. The schedule is a good one, so that the loop stays the limit: destinations
 * take turns for the slots, and a call that waited for an earlier one goes first (it is on the
 * batch's longest path).
 */
function bareLoop(aws: LoopbackAws, destinations: BenchTarget[]) {
  const credentials = fromTemporaryCredentials({
    params: { RoleArn: ROLE, ExternalId: EXTERNAL_ID, RoleSessionName: 'bench' },
    masterCredentials: CREDENTIALS,
    clientConfig: { region: 'us-east-1', endpoint: aws.endpoint },
  });
  const config = { region: 'us-east-1', endpoint: aws.endpoint, credentials };
  const sns = new SNSClient(config);
  const lambda = new LambdaClient(config);
  // HTTP/1.1 as the dispatcher's clients speak (Kinesis's client would default to HTTP/2).
  const kinesis = new KinesisClient({ ...config, requestHandler: new NodeHttpHandler() });
  const eventBridge = new EventBridgeClient(config);
  const sqs = new SQSClient({ ...config, useQueueUrlAsEndpoint: false });
  /** A destination's calls for a batch, each with the positions of the calls it waits for. */
  const plan = (
    destination: BenchTarget,
    event: SQSEvent,
  ): { send: () => Promise<unknown>; after: number[] }[] => {
    if (destination.type === 'lambda') {
      return event.Records.map((record) => ({
        after: [],
        send: () =>
          lambda.send(
            new InvokeCommand({
              FunctionName: destination.functionArn,
              InvocationType: 'Event',
              Payload: Buffer.from(record.body),
            }),
          ),
      }));
    }
    const parsed = event.Records.map((record) => ({ record, ...(JSON.parse(record.body) as BenchEvent) }));
    const visitors = parsed.map((p) => p.visitor.visitor_id);
    if (destination.type === 'kinesis') {
      // A visitor's records share a shard, and PutRecords keeps no order within a call.
      const { chunks, after } = orderedChunks(visitors, 500);
      return chunks.map((chunk, position) => ({
        after: after[position],
        send: () =>
          kinesis.send(
            new PutRecordsCommand({
              StreamARN: destination.streamArn,
              Records: chunk.map((index) => ({
                Data: Buffer.from(parsed[index].record.body),
                PartitionKey: partitionKey(parsed[index].visitor.visitor_id),
              })),
            }),
          ),
      }));
    }
    if (destination.type === 'eventbridge') {
      return inOrderChunks(parsed.length).chunks.map((chunk) => ({
        after: [],
        send: () =>
          eventBridge.send(
            new PutEventsCommand({
              Entries: chunk.map((index) => ({
                EventBusName: destination.eventBusArn,
                Source: destination.source,
                DetailType: parsed[index].event.event,
                Detail: parsed[index].record.body,
              })),
            }),
          ),
      }));
    }
    const fifo = isFifoTarget(destination);
    const { chunks, after } = fifo ? orderedChunks(visitors, 10) : inOrderChunks(parsed.length);
    return chunks.map((chunk, position) => {
      // The entries the dispatcher sends: its two message attributes, and on a FIFO topic or
      // queue the visitor as the group and a hash as the deduplication id.
      const fields = chunk.map((index, j) => {
        const { record, event, visitor } = parsed[index];
        return {
          Id: String(j),
          body: record.body,
          MessageAttributes: {
            event_name: { DataType: 'String', StringValue: event.event },
            distinct_id: { DataType: 'String', StringValue: event.distinct_id },
          },
          ...(fifo && {
            MessageGroupId: messageGroupId(visitor.visitor_id),
            MessageDeduplicationId: messageDeduplicationId(destination.id, event.distinct_id),
          }),
        };
      });
      const send =
        destination.type === 'sns'
          ? () =>
              sns.send(
                new PublishBatchCommand({
                  TopicArn: destination.topicArn,
                  PublishBatchRequestEntries: fields.map(({ body, ...entry }) => ({
                    ...entry,
                    Message: body,
                  })),
                }),
              )
          : () =>
              sqs.send(
                new SendMessageBatchCommand({
                  QueueUrl: queueUrl(destination.queueArn),
                  Entries: fields.map(({ body, ...entry }) => ({ ...entry, MessageBody: body })),
                }),
              );
      return { after: after[position], send };
    });
  };
  return async (event: SQSEvent) => {
    const slot = callSlots(CONCURRENCY);
    const planned = destinations.map((destination) => plan(destination, event));
    const answered = planned.map(() => [] as Promise<unknown>[]);
    const longest = Math.max(...planned.map((calls) => calls.length));
    // Turns: every destination's first call, then every second one, and so on.
    for (let position = 0; position < longest; position++) {
      planned.forEach((calls, d) => {
        const call = calls[position];
        if (!call) return;
        answered[d][position] =
          call.after.length === 0
            ? slot(call.send)
            : Promise.all(call.after.map((k) => answered[d][k])).then(() => slot(call.send, true));
      });
    }
    await Promise.all(answered.flat());
  };
}

const isFifoTarget = (target: BenchTarget) =>
  (target.type === 'sns' && target.topicArn.endsWith('.fifo')) ||
  (target.type === 'sqs' && target.queueArn.endsWith('.fifo'));

/** Events 0..n-1 by 10 in queue order, no call waiting for another. */
function inOrderChunks(n: number): { chunks: number[][]; after: number[][] } {
  const chunks: number[][] = [];
  for (let i = 0; i < n; i += 10) chunks.push(Array.from({ length: Math.min(10, n - i) }, (_, j) => i + j));
  return { chunks, after: chunks.map(() => []) };
}

/**
 * Events by up to `max` with each group's events in successive calls, as the dispatcher packs
 * them (`planOrderedBatches`): each call has a level and waits only for calls of lower levels, so
 * the longest wait is the longest group's chain. The events of groups with more than one event
 * first, rank by rank, each at the lowest level with room after its previous event's that leaves
 * room for the group's later events below that chain; then single events fill the room left,
 * lowest level first, then new calls. Entries keep queue order within a call.
 */
function orderedChunks(groups: readonly string[], max: number): { chunks: number[][]; after: number[][] } {
  const count = new Map<string, number>();
  for (const g of groups) count.set(g, (count.get(g) ?? 0) + 1);
  const longest = Math.max(1, ...count.values());
  const rank: number[] = [];
  const seen = new Map<string, number>();
  groups.forEach((g, i) => {
    rank[i] = seen.get(g) ?? 0;
    seen.set(g, rank[i] + 1);
  });
  const calls: { level: number; events: number[]; after: Set<number> }[] = [];
  const atLevel: number[][] = [];
  const open = (level: number) => {
    calls.push({ level, events: [], after: new Set() });
    if (!atLevel[level]) atLevel[level] = [];
    atLevel[level].push(calls.length - 1);
    return calls.length - 1;
  };
  const chained = groups
    .map((_, i) => i)
    .filter((i) => (count.get(groups[i]) ?? 1) > 1)
    .sort((a, b) => rank[a] - rank[b] || a - b);
  const lastCallOf = new Map<string, number>();
  for (const index of chained) {
    const previous = lastCallOf.get(groups[index]);
    const lowest = previous === undefined ? 0 : calls[previous].level + 1;
    const highest = Math.max(lowest, longest - (count.get(groups[index]) ?? 1) + rank[index]);
    let target: number | undefined;
    for (let level = lowest; level <= highest && target === undefined; level++) {
      target = atLevel[level]?.find((call) => calls[call].events.length < max);
    }
    target ??= open(lowest);
    calls[target].events.push(index);
    if (previous !== undefined) calls[target].after.add(previous);
    lastCallOf.set(groups[index], target);
  }
  const candidates = atLevel.flat();
  let next = 0;
  groups.forEach((g, index) => {
    if ((count.get(g) ?? 1) > 1) return;
    while (next < candidates.length && calls[candidates[next]].events.length >= max) next++;
    if (next === candidates.length) candidates.push(open(0));
    calls[candidates[next]].events.push(index);
  });
  const order = atLevel.flat();
  const position = new Map(order.map((call, i) => [call, i]));
  return {
    chunks: order.map((call) => calls[call].events.sort((a, b) => a - b)),
    after: order.map((call) => [...calls[call].after].map((k) => position.get(k) as number)),
  };
}

/**
 * AssumeRole and one call per event: what the design replaces. Publish, Invoke, PutRecord,
 * SendMessage, and PutEvents with one entry (EventBridge has no single put).
 */
function naive(aws: LoopbackAws, destinations: BenchTarget[]) {
  // One connection pool for all its short-lived clients: a client per delivery, but not a socket
  // per delivery; HTTP/1.1 for every client, Kinesis's included.
  const requestHandler = new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }),
  });
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: aws.endpoint,
    credentials: CREDENTIALS,
    requestHandler,
  });
  return async (event: SQSEvent) => {
    const calls = destinations.flatMap((destination) =>
      event.Records.map((record) => async () => {
        const { Credentials } = await sts.send(
          new AssumeRoleCommand({ RoleArn: ROLE, ExternalId: EXTERNAL_ID, RoleSessionName: 'naive' }),
        );
        const credentials = {
          accessKeyId: Credentials?.AccessKeyId ?? '',
          secretAccessKey: Credentials?.SecretAccessKey ?? '',
          sessionToken: Credentials?.SessionToken,
        };
        const config = { region: 'us-east-1', endpoint: aws.endpoint, credentials, requestHandler };
        if (destination.type === 'lambda') {
          await new LambdaClient(config).send(
            new InvokeCommand({
              FunctionName: destination.functionArn,
              InvocationType: 'Event',
              Payload: Buffer.from(record.body),
            }),
          );
          return;
        }
        const { event, visitor } = JSON.parse(record.body) as BenchEvent;
        if (destination.type === 'kinesis') {
          await new KinesisClient(config).send(
            new PutRecordCommand({
              StreamARN: destination.streamArn,
              Data: Buffer.from(record.body),
              PartitionKey: partitionKey(visitor.visitor_id),
            }),
          );
          return;
        }
        if (destination.type === 'eventbridge') {
          await new EventBridgeClient(config).send(
            new PutEventsCommand({
              Entries: [
                {
                  EventBusName: destination.eventBusArn,
                  Source: destination.source,
                  DetailType: event.event,
                  Detail: record.body,
                },
              ],
            }),
          );
          return;
        }
        const fields = {
          MessageAttributes: {
            event_name: { DataType: 'String', StringValue: event.event },
            distinct_id: { DataType: 'String', StringValue: event.distinct_id },
          },
          ...(isFifoTarget(destination) && {
            MessageGroupId: messageGroupId(visitor.visitor_id),
            MessageDeduplicationId: messageDeduplicationId(destination.id, event.distinct_id),
          }),
        };
        if (destination.type === 'sns') {
          await new SNSClient(config).send(
            new PublishCommand({ TopicArn: destination.topicArn, Message: record.body, ...fields }),
          );
          return;
        }
        await new SQSClient({ ...config, useQueueUrlAsEndpoint: false }).send(
          new SendMessageCommand({
            QueueUrl: queueUrl(destination.queueArn),
            MessageBody: record.body,
            ...fields,
          }),
        );
      }),
    );
    await pool(calls);
  };
}

/** Runs calls with at most CONCURRENCY in flight, as the dispatcher's call pool allows. */
async function pool(calls: (() => Promise<unknown>)[]): Promise<void> {
  const slot = callSlots(CONCURRENCY);
  await Promise.all(calls.map((call) => slot(call)));
}

/**
 * At most `size` calls in flight; the others start in the order they asked, as slots free up,
 * except that a call asking `first` goes before those already waiting.
 */
function callSlots(size: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(call: () => Promise<T>, first = false): Promise<T> => {
    if (active < size) active++;
    else await new Promise<void>((start) => (first ? waiting.unshift(start) : waiting.push(start)));
    try {
      return await call();
    } finally {
      // A freed slot passes straight to the next waiting call.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

function toBatches(bodies: string[], size: number): SQSEvent[] {
  const batches: SQSEvent[] = [];
  for (let i = 0; i < bodies.length; i += size) {
    batches.push({
      Records: bodies.slice(i, i + size).map((body, j) => sqsRecord(body, `m-${i + j}`, ACCOUNT)),
    });
  }
  return batches;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (n: number, digits = 2) => n.toFixed(digits);
/** `median (min–max)`. */
const spread = (values: number[], digits = 2) =>
  `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)})`;
const range = (values: number[], digits = 2) =>
  `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;

/** Lambda's CPU share at the dispatcher's memory: one vCPU at LAMBDA_MB_PER_VCPU, in proportion below. */
/** What the naive dispatcher calls, one per delivery, after its AssumeRole. */
const NAIVE_OPERATIONS: AwsOperation[] = [
  'sns:Publish',
  'lambda:Invoke',
  'kinesis:PutRecord',
  'events:PutEvents',
  'sqs:SendMessage',
];

const DISPATCHER_VCPU = (DISPATCHER_MEMORY_GB * 1024) / LAMBDA_MB_PER_VCPU;

/**
 * The many-workspaces scale run (`npm run bench:workspaces` with its defaults: 1,000, 10,000 and
 * 100,000 workspaces, Zipf traffic), in processes of its own: its description and its table.
 */
function measureWorkspaceScale(): string {
  process.stderr.write('measuring registry reads with many workspaces\n');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'workspaces.ts')], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`bench/workspaces.ts failed: ${run.stderr}`);
  return run.stdout.trim();
}

function render(
  results: Map<string, Run[]>,
  config: BenchConfig,
  bundles: BundleReport,
  minutes: number,
  scale?: string,
) {
  const of = (mode: Mode, scenario: string, batchSize: number) =>
    VARIANTS.map((variant) => results.get(resultKey(mode, scenario, batchSize, variant)) ?? []);
  const has = (mode: Mode) => config.modes.includes(mode);
  // What the costs and the chart follow: the modelled wall time when there is one.
  const costMode: Mode = has('model') ? 'model' : 'instant';
  const sample = generateEvents(1, { random: seededRandom(7), workspaces: [WORKSPACE] })[0];
  const eventBytes = sample.length;
  const rate = (runs: Run[]) => Math.round(median(runs.map((r) => r.deliveriesPerSecond)));
  const vs = (a: Run[], b: Run[]) => a.map((r, i) => r.deliveriesPerSecond / b[i].deliveriesPerSecond);
  const gbSeconds = (runs: Run[]) => median(runs.map((r) => gbSecondsPerMillion(r.seconds / r.events)));
  const modelRows: string[] = [];
  const instantRows: string[] = [];
  const costRows: string[] = [];
  const chart: { label: string; dispatcher: number; bare: number; naive: number }[] = [];
  const modelRatios: { label: string; ratio: number }[] = [];
  /** Per scenario: deliveries/s the dispatcher's CPU allows at its memory, and what the model's waits allow. */
  const bounds: { label: string; cpu: number; modelled: number }[] = [];
  const cost = { dispatcherTime: [] as number[], naiveTime: [] as number[], platform: [] as number[] };
  const batchedCostInputs: BatchedCostInput[] = [];
  for (const [scenario, destinations] of Object.entries(SCENARIOS)) {
    for (const batchSize of BATCH_SIZES) {
      if (has('model')) {
        const [d, b, n] = of('model', scenario, batchSize);
        const msPerBatch = (runs: Run[]) =>
          fmt(median(runs.map((r) => (1000 * r.seconds) / Math.ceil(r.events / batchSize))), 0);
        modelRatios.push({ label: `${scenario}, batch ${batchSize}`, ratio: median(vs(d, b)) });
        modelRows.push(
          `| ${scenario} | ${batchSize} | ${rate(d)} | ${rate(b)} | ${rate(n)} | ${spread(vs(d, b))} | ${spread(vs(d, n), 1)} | ${msPerBatch(d)} / ${msPerBatch(b)} | ${fmt(gbSeconds(d), 0)} / ${fmt(gbSeconds(b), 0)} / ${fmt(gbSeconds(n), 0)} |`,
        );
      }
      if (has('instant')) {
        const [d, b, n] = of('instant', scenario, batchSize);
        const cpu = (runs: Run[]) => median(runs.map((r) => r.cpuMicrosPerDelivery));
        if (has('model')) {
          bounds.push({
            label: `${scenario}, batch ${batchSize}`,
            cpu: (DISPATCHER_VCPU * 1e6) / cpu(d),
            modelled: rate(of('model', scenario, batchSize)[0]),
          });
        }
        instantRows.push(
          `| ${scenario} | ${batchSize} | ${rate(d)} | ${rate(b)} | ${rate(n)} | ${spread(vs(d, b))} | ${spread(vs(d, n), 1)} | ${fmt(cpu(d), 0)} / ${fmt(cpu(b), 0)} / ${fmt(cpu(n), 0)} | ${fmt(cpu(d) - cpu(b), 0)} | ${fmt(cpu(d) / cpu(b))} | ${Math.round((DISPATCHER_VCPU * 1e6) / cpu(d))} | ${fmt(median(d.map((r) => r.apiCallsPerEvent)), 3)} / ${fmt(median(n.map((r) => r.apiCallsPerEvent)), 1)} | ${d[0].batchCallsPerBatchDelivery > 0 ? `${fmt(median(d.map((r) => r.batchCallsPerBatchDelivery)), 3)} / ${fmt(median(b.map((r) => r.batchCallsPerBatchDelivery)), 3)}` : '–'} | ${median(d.map((r) => r.assumeRoles))} / ${median(n.map((r) => r.assumeRoles))} | ${fmt(median(d.map((r) => r.peakHeapMb)), 0)} |`,
        );
      }
      const [d, b, n] = of(costMode, scenario, batchSize);
      chart.push({ label: `${scenario}, ${batchSize}`, dispatcher: rate(d), bare: rate(b), naive: rate(n) });
      const costs = costCells(destinations, batchSize, eventBytes, d, n);
      cost.dispatcherTime.push(costs.dispatcher.lines['dispatcher GB-seconds']);
      cost.naiveTime.push(costs.naive.lines['dispatcher GB-seconds']);
      cost.platform.push(costs.dispatcher.platform);
      costRows.push(`| ${scenario} | ${batchSize} | ${costs.cells} |`);
      batchedCostInputs.push({ scenario, cost: costs.scenario, measured: costs.measured });
    }
  }
  const retries = [...results.values()].flat().reduce((sum, r) => sum + r.retriesScheduled, 0);
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const bundleTable = [
    '| bundle | minified | gzip | module initialisation (median of 15) |',
    '| --- | ---: | ---: | ---: |',
    `| dispatcher (\`lambda/dispatcher/index.ts\`) | ${kb(bundles.dispatcher.bytes)} | ${kb(bundles.dispatcher.gzipBytes)} | ${bundles.dispatcher.initMs.toFixed(0)} ms |`,
    `| floor: only the SDK clients and Powertools utilities it uses | ${kb(bundles.floor.bytes)} | ${kb(bundles.floor.gzipBytes)} | ${bundles.floor.initMs.toFixed(0)} ms |`,
    `| dispatcher ÷ floor | ${ratio(bundles.dispatcher.bytes, bundles.floor.bytes)} | ${ratio(bundles.dispatcher.gzipBytes, bundles.floor.gzipBytes)} | ${ratio(bundles.dispatcher.initMs, bundles.floor.initMs)} |`,
  ].join('\n');
  const { model: modelEvents, instant: instantEvents } = config.events;
  const modelTable = [
    `| scenario | batch | dispatcher deliveries/s | bare loop | naive (${modelEvents.naive} events) | dispatcher ÷ bare loop, median (min–max) | dispatcher ÷ naive | ms per batch (dispatcher / bare loop) | Lambda GB-seconds per million events (dispatcher / bare loop / naive) |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...modelRows,
  ].join('\n');
  const instantTable = [
    '| scenario | batch | dispatcher deliveries/s | bare loop | naive | dispatcher ÷ bare loop, median (min–max) | dispatcher ÷ naive | CPU µs per delivery (dispatcher / bare loop / naive) | dispatcher − bare loop, µs | dispatcher ÷ bare loop, CPU | deliveries/s the dispatcher’s CPU allows at 512 MB | API calls per delivery (dispatcher / naive) | batch calls per delivery to batch APIs (dispatcher / bare loop) | AssumeRole (dispatcher / naive) | peak heap MB (dispatcher) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...instantRows,
  ].join('\n');
  const costTable = [
    '| scenario | batch | this project: platform | destination owner | naive dispatcher: platform | destination owner | EventBridge Pipes: platform | destination owner |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...costRows,
  ].join('\n');
  /** A log-normal's mean: exp(μ + σ²/2). */
  const meanMs = (op: AwsOperation) => {
    const { p50Ms, p99Ms } = config.latencies[op];
    const { sigma } = logNormalShape({ p50Ms, p99Ms });
    return p50Ms * Math.exp((sigma * sigma) / 2);
  };
  const latencyTable = [
    '| operation | p50 | p99 | mean | assumption |',
    '| --- | ---: | ---: | ---: | --- |',
    ...AWS_OPERATIONS.map((op) => {
      const { p50Ms, p99Ms } = config.latencies[op];
      const changed = DEFAULT_LATENCIES[op].p50Ms !== p50Ms || DEFAULT_LATENCIES[op].p99Ms !== p99Ms;
      return `| \`${op}\` | ${fmt(p50Ms, 0)} ms | ${fmt(p99Ms, 0)} ms | ${fmt(meanMs(op), 1)} ms | ${changed ? `set on the command line (default ${DEFAULT_LATENCIES[op].p50Ms}/${DEFAULT_LATENCIES[op].p99Ms} ms: ${DEFAULT_LATENCY_REASONS[op]})` : DEFAULT_LATENCY_REASONS[op]} |`;
    }),
  ].join('\n');
  const lowest = [...modelRatios].sort((a, b) => a.ratio - b.ratio);
  const cpuBound = bounds.filter((b) => b.cpu < b.modelled);
  const boundNote =
    bounds.length === 0
      ? ''
      : cpuBound.length === 0
        ? `\nIn every scenario that bound is above the dispatcher's rate under the latency model: at ${DISPATCHER_MEMORY_GB * 1024} MB the\nnetwork's waits, not the CPU, would set its pace.\n`
        : `\nWhere that bound is below the dispatcher's rate under the latency model, a ${DISPATCHER_MEMORY_GB * 1024} MB function may be\nheld back by its CPU rather than the network, and the modelled rate would overstate what it reaches: ${cpuBound.map((b) => `${b.label} (${Math.round(b.cpu)} against ${b.modelled} deliveries/s)`).join('; ')}. ${cpuBound.length < bounds.length ? 'Elsewhere the waits set the pace.' : ''}\n`;
  const rounds = `${config.rounds} round${config.rounds === 1 ? '' : 's'}`;
  const modelSection = has('model')
    ? `## Under the latency model: what AWS pays for

${rounds} of ${modelEvents.dispatcher} events for the dispatcher and the bare loop; the naive
dispatcher waits an AssumeRole and a call for every delivery (${Math.round(meanMs('sts:AssumeRole') + Math.min(...NAIVE_OPERATIONS.map(meanMs)))}–${Math.round(meanMs('sts:AssumeRole') + Math.max(...NAIVE_OPERATIONS.map(meanMs)))} ms on average), so it
runs on the first ${modelEvents.naive} events only (\`--model-naive-events\`): its rate is per delivery, comparable, and
its run would otherwise take most of the benchmark's time. Batches go one after another, as one
execution environment runs them; the time per batch is the Lambda duration, and GB-seconds per
million events are that time at ${DISPATCHER_MEMORY_GB * 1024} MB (a million events to each of the scenario's destinations).

${modelTable}

Dispatcher ÷ bare loop under the model, lowest median first: ${lowest.map((r) => `${r.label} ${fmt(r.ratio)}`).join('; ')}.
${retries > 0 ? `\n**${retries} deliveries were sent to the retry queue instead of delivered (calls cut as slow): the ratios above count only what was delivered.**\n` : ''}
![Deliveries per second under the latency model, median per scenario](performance.svg)
`
    : '';
  const instantSection = has('instant')
    ? `## Answering at once: what the code costs

${rounds} of ${instantEvents.dispatcher} events per run, the stand-in answering every call at once, so each run is as
fast as the CPU allows and "dispatcher ÷ bare loop" is a ratio of CPU. CPU per delivery is the
process's CPU time (\`process.cpuUsage()\`, user and system) over the run divided by the
deliveries. It includes the SDK's work and the stand-in's serving of the calls, in the same
process: the same calls for the dispatcher and the bare loop, so their difference is the
dispatcher's own work (validation, routing, mapping, logging, planning). The deliveries per
second that CPU allows at ${DISPATCHER_MEMORY_GB * 1024} MB: Lambda gives ${fmt(DISPATCHER_VCPU)} of a vCPU at that size
(one vCPU at ${LAMBDA_MB_PER_VCPU} MB), so ${fmt(DISPATCHER_VCPU)} × 10⁶ ÷ CPU µs per delivery, a rough bound (one core of this
machine taken for a Lambda vCPU, the stand-in's share counted against the dispatcher).

${instantTable}
${boundNote}${has('model') ? '' : '\n![Deliveries per second, answering at once, median per scenario](performance.svg)\n'}`
    : '';
  const table = [has('model') ? modelTable : '', has('instant') ? instantTable : '', bundleTable]
    .filter(Boolean)
    .join('\n\n');
  const dollars = (values: number[]) => `$${range(values, 4)}`;
  const markdown = `## The throughput benchmark: how it runs

Measured with \`npm run bench\` (\`bench/throughput.ts\`): generated events of about
${Math.round(JSON.stringify(JSON.parse(sample)).length)} bytes, the variants interleaved within each round, one process, against the
loopback stand-in for AWS (\`bench/loopback-aws.ts\`, which counts every call), in ${config.modes.length === 2 ? 'two modes' : 'one mode'}:
${config.modes.map((m) => (m === 'instant' ? '\n- **answering at once**: what the code costs in CPU;' : '\n- **under the latency model**: each call answered after a modelled network and service latency\n  per operation, what AWS pays for (throughput, Lambda duration);')).join('')}

This run took ${fmt(minutes, 1)} minutes on this machine (${cpus().length} cores; ${rounds}, bundles included).

A delivery is one event to one destination. The dispatcher is the real handler with a fresh
execution environment per run (so one AssumeRole per run), per-destination retries configured,
the privacy-safe default mapping applied, logging at INFO as in Lambda (each line serialized,
then dropped). The bare loop makes the same delivery calls (the same entries: message
attributes, FIFO group and deduplication ids, partition keys, bus entries; one AssumeRole per
run) with no validation, routing, mapping or logging: one Invoke per event, PublishBatch,
SendMessageBatch and PutEvents by 10, PutRecords by up to 500. On a FIFO topic or queue and on a
stream it keeps order as the dispatcher must: a visitor's events in successive calls, each
waiting for the one before (without that, parallel calls could reorder a group, and the loop
would win under the model by being wrong). All of a batch's calls go through one pool,
destinations taking turns and a call that waited for an earlier one going first, so the loop's
schedule is a good one. The naive dispatcher assumes the role and makes one call per delivery
(Publish, Invoke, PutRecord, SendMessage, PutEvents of one entry). All three keep at most
${CONCURRENCY} calls in flight.

## The latency model

In AWS every call waits on the network and the service; a stand-in that answers at once turns
"dispatcher ÷ bare loop" into a ratio of CPU alone. Under the model (\`bench/latency-model.ts\`) the
stand-in answers each call after a delay drawn from a log-normal distribution per operation,
fitted to a median (p50) and a 99th percentile (p99): μ = ln p50, σ = ln(p99 ÷ p50) ÷ 2.326. The
draws come from a seeded PRNG (\`seededRandom\` of \`local/test-events.ts\`, normal deviates by
Box–Muller), seed ${config.seed} in round 1 and one more each round; every run of a round starts
again from its seed, so the dispatcher, the bare loop and the naive dispatcher meet the same
sequence of delays in the order they call, and the rounds sample different ones. A delay per
target given to \`LoopbackAws\` (\`delayMs\`: a hung destination in \`npm run bench:isolation\`) is
added to the draw.

${latencyTable}

These are assumptions, not measurements: in-region calls over a kept-alive connection (the
SDK's default), no throttling, tails of about 3–3.5× the median at p99 (a log-normal's usual
shape for network calls). AWS publishes no latency figures for these APIs; measure your own
region with the SDK and pass them in. Flags: \`--latency instant|model|both\` (default \`both\`);
\`--latency-p50-ms N\` sets every operation's p50 (each p99 keeps its ratio to the p50 unless
\`--latency-p99-ms N\` is given too); \`--latency-op op=p50/p99\` (repeatable, e.g.
\`--latency-op sns:PublishBatch=30/120\`; the service prefix may be left out) sets one operation,
after the others; \`--latency-seed N\`; \`--model-events N\` and \`--model-naive-events N\` size the
modelled runs (\`--events N\` the instant ones; \`--rounds N\` both).

${modelSection}
${instantSection}
## Bundle

The dispatcher's bundle, built as the \`EventDispatcher\` construct builds it (esbuild, minified,
the SDK bundled), next to a floor of only the SDK clients and Powertools utilities it constructs
(\`bench/bundle.ts\`); initialisation is \`require\` in a fresh process, the two interleaved:

${bundleTable}
${
  scale
    ? `
## Many active workspaces

Registry reads, batch duration and memory of one execution environment with 1,000, 10,000 and
100,000 workspaces (\`bench/workspaces.ts\`, \`npm run bench:workspaces\`; what the columns mean
and what limits throughput at scale: [Capacity](capacity.md#many-active-workspaces-measured)):

${scale}
`
    : ''
}
## Cost per million events

US dollars at list prices (US East, no free tier; \`bench/cost.ts\` holds the prices and their
pages), computed from the calls counted above and the time per event ${costMode === 'model' ? 'under the latency model' : 'answering at once (no network: a floor)'}, the median of the
rounds. The platform pays for its ingest queue (producers sending 10 messages per request, the
poller receiving and deleting 10 per request), its dispatcher (Arm, ${DISPATCHER_MEMORY_GB * 1024} MB, one invocation per
batch, $${fmt(PRICES.lambdaArmPerGbSecond * 1e6, 2)} per million GB-seconds) and the queue's KMS requests (data keys reused
for 5 minutes: counted for a million events a day). The destination's owner pays for the
publishes to its topic, the invocations of its function, the sends to its queue (per request,
like topics), and the records put to its stream and events put on its bus (per record or
event, however many a call carries: batching saves them nothing; a stream's shard hours are
left out, a fixed cost). EventBridge Pipes: one pipe, and its own queue, per destination, each
event a pipe request and one call to the target (Pipes publishes to an SNS target one message
per call; counted so for a queue too). Offloaded payloads add $${offloadCostPerMillion(0.01).toFixed(2)} per million
events for each 1% of events offloaded (an S3 PUT and a consumer's GET each).

${costTable}

The dispatcher's time costs ${dollars(cost.dispatcherTime)} per million events across these scenarios, of a
platform bill of ${dollars(cost.platform)}; the naive dispatcher's time ${dollars(cost.naiveTime)}. The rest of the platform's bill is
mostly its ingest queue's requests; batching shows in the destination owner's: a tenth of the
topic publishes and queue sends. What the table leaves out: Pipes cannot assume a customer's role per workspace,
apply a mapping or consent per destination, or route by event name without one pipe per rule.

${batchedCostSection(batchedCostInputs)}

Regenerate with \`npm run bench\` (flags above); the numbers move with the machine's load, the
ratios much less.
`;
  return { table, markdown, svg: svgChart(chart, costMode) };
}

/** Platform and destination owner cost per million events: this project, the naive dispatcher, Pipes. */
function costCells(
  destinations: readonly BenchTarget[],
  batchSize: number,
  messageBytes: number,
  dispatcherRuns: readonly Run[],
  naiveRuns: readonly Run[],
) {
  const count = (kind: TargetKind) => destinations.filter((d) => kindOf(d) === kind).length;
  const scenario: CostScenario = {
    destinations: {
      snsStandard: count('snsStandard'),
      snsFifo: count('snsFifo'),
      lambda: count('lambda'),
      kinesis: count('kinesis'),
      eventBridge: count('eventBridge'),
      sqsStandard: count('sqsStandard'),
      sqsFifo: count('sqsFifo'),
    },
    batchSize,
    messageBytes,
  };
  const calls = (runs: readonly Run[], kind: TargetKind) =>
    median(runs.map((r) => r.callsPerDelivery[kind] ?? 0));
  const measured = (runs: readonly Run[]): MeasuredApproach => ({
    deliveriesPerSecond: median(runs.map((r) => r.deliveriesPerSecond)),
    snsStandardCallsPerDelivery: calls(runs, 'snsStandard'),
    snsFifoCallsPerDelivery: calls(runs, 'snsFifo'),
    lambdaCallsPerDelivery: calls(runs, 'lambda'),
    sqsStandardCallsPerDelivery: calls(runs, 'sqsStandard'),
    sqsFifoCallsPerDelivery: calls(runs, 'sqsFifo'),
  });
  const dollars = (n: number) => `$${n.toFixed(3)}`;
  const dispatcherMeasured = measured(dispatcherRuns);
  const dispatcher = dispatcherCost(scenario, dispatcherMeasured);
  const naive = dispatcherCost(scenario, measured(naiveRuns));
  const cells = [dispatcher, naive, pipesCost(scenario)]
    .map((c) => `${dollars(c.platform)} | ${dollars(c.destinations)}`)
    .join(' | ');
  return { dispatcher, naive, cells, scenario, measured: dispatcherMeasured };
}

function svgChart(
  rows: { label: string; dispatcher: number; bare: number; naive: number }[],
  mode: Mode,
): string {
  const max = Math.max(...rows.flatMap((r) => [r.dispatcher, r.bare, r.naive]));
  const barHeight = 10;
  const rowHeight = 3 * barHeight + 14;
  const width = 760;
  const left = 150;
  const scale = (width - left - 80) / max;
  const colours = { dispatcher: '#1f77b4', bare: '#aaaaaa', naive: '#d62728' };
  const bars = rows
    .map((row, i) => {
      const y = 30 + i * rowHeight;
      const bar = (key: 'dispatcher' | 'bare' | 'naive', k: number) =>
        `<rect x="${left}" y="${y + k * barHeight}" width="${Math.max(1, row[key] * scale).toFixed(1)}" height="${barHeight - 1}" fill="${colours[key]}"/><text x="${left + row[key] * scale + 4}" y="${y + k * barHeight + 8}" font-size="9">${row[key]}</text>`;
      return `<text x="4" y="${y + 18}" font-size="11">${row.label}</text>${bar('dispatcher', 0)}${bar('bare', 1)}${bar('naive', 2)}`;
    })
    .join('');
  const height = 40 + rows.length * rowHeight;
  const legend = `<text x="${left}" y="16" font-size="11"><tspan fill="${colours.dispatcher}">■ dispatcher</tspan>  <tspan fill="#777">■ bare loop</tspan>  <tspan fill="${colours.naive}">■ naive</tspan>   deliveries per second (median), ${mode === 'model' ? 'under the latency model' : 'answering at once'}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><title>Deliveries per second ${mode === 'model' ? 'under the latency model' : 'answering at once'}: dispatcher, bare loop and naive dispatcher, by scenario and batch size</title>${legend}${bars}</svg>`;
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
