#!/usr/bin/env node
/**
 * `npm run bench`: the real dispatcher handler, wired as in Lambda, against a loopback stand-in
 * for AWS (STS, SNS, Lambda, SQS) that counts every call, side by side with
 * - a bare loop making the same API calls with no validation, routing or mapping (the
 *   architecture's limit), and
 * - a naive dispatcher: AssumeRole and one Publish or Invoke per event,
 * interleaved round by round in one process, for SNS FIFO, SNS standard, Lambda and all three, at
 * batch sizes 100 and 10. Prints the table and writes it, with a chart, to docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { SQSEvent } from 'aws-lambda';
import { createDispatcherHandler } from '../lambda/dispatcher/create-handler';
import { messageDeduplicationId } from '../lambda/dispatcher/drivers/sns';
import { DEFAULT_RETRY_POLICY } from '../lambda/dispatcher/retry';
import { type DestinationInput, destinationArn } from '../lambda/shared/destination-config';
import { invocationContext } from '../local/lambda-context';
import { generateEvents, seededRandom } from '../local/test-events';
import { type BundleReport, measureBundles } from './bundle';
import {
  type CostScenario,
  dispatcherCost,
  dispatcherTimeCostPerMillion,
  type MeasuredApproach,
  offloadCostPerMillion,
  pipesCost,
  secondsPerEventAtLatency,
} from './cost';
import { DroppingLogger } from './dropping-logger';
import { LoopbackAws } from './loopback-aws';
import { sqsRecord } from './sqs-record';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/event-delivery/EventDelivery`;
const EXTERNAL_ID = 'bench-external-id-0001';
const WORKSPACE = 'bench';
const CONCURRENCY = 16;
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** The destination types the benchmark compares: those the bare loop and the naive dispatcher call too. */
type BenchTarget = Extract<DestinationInput, { type: 'lambda' | 'sns' }>;

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
} satisfies Record<string, BenchTarget>;
const SCENARIOS: Record<string, BenchTarget[]> = {
  'SNS FIFO': [TARGETS.fifo],
  'SNS standard': [TARGETS.standard],
  Lambda: [TARGETS.lambda],
  'all three': [TARGETS.fifo, TARGETS.standard, TARGETS.lambda],
};

/** What the bare loop and the naive dispatcher read of an event. */
interface BenchEvent {
  event: { event: string; distinct_id: string };
  visitor: { visitor_id: string };
}

const VARIANTS = ['dispatcher', 'bare loop', 'naive'] as const;
type Variant = (typeof VARIANTS)[number];
interface Run {
  deliveriesPerSecond: number;
  apiCallsPerEvent: number;
  snsCallsPerSnsEvent: number;
  /** Calls per delivery to each kind of target, for the cost table. */
  callsPerDelivery: { snsStandard: number; snsFifo: number; lambda: number };
  assumeRoles: number;
  peakHeapMb: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '4000' },
      rounds: { type: 'string', default: '3' },
      'no-write': { type: 'boolean', default: false },
      /** Only this scenario (for profiling one); implies --no-write. */
      scenario: { type: 'string' },
      /** Only these variants, comma-separated (for profiling one); implies --no-write. */
      variants: { type: 'string' },
    },
  });
  const eventCount = Number(values.events);
  const rounds = Number(values.rounds);
  const aws = new LoopbackAws();
  await aws.start();
  const bodies = generateEvents(eventCount, { random: seededRandom(7), workspaces: [WORKSPACE] });
  const results = new Map<string, Run[]>();
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const [scenario, destinations] of Object.entries(SCENARIOS)) {
        if (values.scenario && scenario !== values.scenario) continue;
        for (const batchSize of [100, 10]) {
          for (const variant of VARIANTS) {
            if (values.variants && !values.variants.split(',').includes(variant)) continue;
            const run = await measure(aws, variant, destinations, bodies, batchSize);
            const key = `${scenario}\n${batchSize}\n${variant}`;
            results.set(key, [...(results.get(key) ?? []), run]);
          }
        }
      }
      process.stderr.write(`round ${round} of ${rounds} done\n`);
    }
  } finally {
    await aws.stop();
  }
  if (values.scenario || values.variants) {
    for (const [key, runs] of results) {
      const rate = median(runs.map((r) => r.deliveriesPerSecond));
      const calls = median(runs.map((r) => r.apiCallsPerEvent));
      console.log(
        `${key.replaceAll('\n', ', ')}: ${Math.round(rate)} deliveries/s, ${calls.toFixed(3)} API calls per delivery`,
      );
    }
    return;
  }
  process.stderr.write('measuring the bundles\n');
  const report = render(results, eventCount, rounds, measureBundles());
  console.log(report.table);
  if (!values['no-write']) {
    const file = path.join(__dirname, '..', 'docs', 'performance.md');
    writeFileSync(file, report.markdown);
    writeFileSync(path.join(path.dirname(file), 'performance.svg'), `${report.svg}\n`);
    // Formatted as the project's lint expects (tables aligned), so a rerun leaves the tree clean.
    spawnSync('npx', ['biome', 'format', '--write', file], { stdio: 'ignore' });
    process.stderr.write(`written: ${file}\n`);
  }
}

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
  global.gc?.();
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 20);
  const started = performance.now();
  for (const batch of batches) await run(batch);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const deliveries = [...aws.counts.delivered.values()].reduce((a, b) => a + b, 0);
  const expected = bodies.length * destinations.length;
  if (deliveries !== expected) throw new Error(`${variant}: ${deliveries} deliveries, expected ${expected}`);
  const calls = [...aws.counts.calls.values()].reduce((a, b) => a + b, 0) + aws.counts.assumeRole;
  const snsTargets = destinations
    .filter((d) => d.type === 'sns')
    .map((d) => destinationArn(d).split(':').pop() as string);
  const snsCalls = snsTargets.reduce((sum, t) => sum + (aws.counts.calls.get(t) ?? 0), 0);
  const callsPerDelivery = (target: BenchTarget) => {
    const name = destinationArn(target).split(':').pop() as string;
    return (aws.counts.calls.get(name) ?? 0) / (aws.counts.delivered.get(name) || 1);
  };
  return {
    deliveriesPerSecond: deliveries / seconds,
    apiCallsPerEvent: calls / deliveries,
    callsPerDelivery: {
      snsStandard: callsPerDelivery(TARGETS.standard),
      snsFifo: callsPerDelivery(TARGETS.fifo),
      lambda: callsPerDelivery(TARGETS.lambda),
    },
    snsCallsPerSnsEvent: snsTargets.length > 0 ? snsCalls / (bodies.length * snsTargets.length) : 0,
    assumeRoles: aws.counts.assumeRole,
    peakHeapMb: peakHeap / 1_048_576,
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

/** The same calls with nothing else: PublishBatch by 10 with the same entries, one Invoke per event. */
function bareLoop(aws: LoopbackAws, destinations: BenchTarget[]) {
  const credentials = fromTemporaryCredentials({
    params: { RoleArn: ROLE, ExternalId: EXTERNAL_ID, RoleSessionName: 'bench' },
    masterCredentials: CREDENTIALS,
    clientConfig: { region: 'us-east-1', endpoint: aws.endpoint },
  });
  const sns = new SNSClient({ region: 'us-east-1', endpoint: aws.endpoint, credentials });
  const lambda = new LambdaClient({ region: 'us-east-1', endpoint: aws.endpoint, credentials });
  return async (event: SQSEvent) => {
    const calls: (() => Promise<unknown>)[] = [];
    for (const destination of destinations) {
      if (destination.type === 'lambda') {
        for (const record of event.Records) {
          calls.push(() =>
            lambda.send(
              new InvokeCommand({
                FunctionName: destination.functionArn,
                InvocationType: 'Event',
                Payload: Buffer.from(record.body),
              }),
            ),
          );
        }
        continue;
      }
      const fifo = destination.topicArn.endsWith('.fifo');
      for (let i = 0; i < event.Records.length; i += 10) {
        // The entries the dispatcher sends: its two message attributes, and on a FIFO topic the
        // visitor as the group and a hash as the deduplication id.
        const entries = event.Records.slice(i, i + 10).map((record, j) => {
          const { event, visitor } = JSON.parse(record.body) as BenchEvent;
          return {
            Id: String(j),
            Message: record.body,
            MessageAttributes: {
              event_name: { DataType: 'String', StringValue: event.event },
              distinct_id: { DataType: 'String', StringValue: event.distinct_id },
            },
            ...(fifo && {
              MessageGroupId: visitor.visitor_id,
              MessageDeduplicationId: messageDeduplicationId(destination.id, event.distinct_id),
            }),
          };
        });
        calls.push(() =>
          sns.send(
            new PublishBatchCommand({ TopicArn: destination.topicArn, PublishBatchRequestEntries: entries }),
          ),
        );
      }
    }
    await pool(calls);
  };
}

/** AssumeRole and one Publish or Invoke per event: what the design replaces. */
function naive(aws: LoopbackAws, destinations: BenchTarget[]) {
  // One connection pool for all its short-lived clients: a client per delivery, but not a socket per delivery.
  const requestHandler = { httpAgent: new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY }) };
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
        await new SNSClient(config).send(
          new PublishCommand({
            TopicArn: destination.topicArn,
            Message: record.body,
            MessageAttributes: {
              event_name: { DataType: 'String', StringValue: event.event },
              distinct_id: { DataType: 'String', StringValue: event.distinct_id },
            },
            ...(destination.topicArn.endsWith('.fifo') && {
              MessageGroupId: visitor.visitor_id,
              MessageDeduplicationId: messageDeduplicationId(destination.id, event.distinct_id),
            }),
          }),
        );
      }),
    );
    await pool(calls);
  };
}

/** Runs calls with at most CONCURRENCY in flight, as the dispatcher's call pool allows. */
async function pool(calls: (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < calls.length) await calls[next++]();
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, calls.length) }, worker));
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

function render(results: Map<string, Run[]>, eventCount: number, rounds: number, bundles: BundleReport) {
  const rows: string[] = [];
  const costRows: string[] = [];
  const chart: { label: string; dispatcher: number; bare: number; naive: number }[] = [];
  const eventBytes = generateEvents(1, { random: seededRandom(7), workspaces: [WORKSPACE] })[0].length;
  for (const [scenario, destinations] of Object.entries(SCENARIOS)) {
    for (const batchSize of [100, 10]) {
      const of = (variant: Variant) => results.get(`${scenario}\n${batchSize}\n${variant}`) ?? [];
      const [d, b, n] = VARIANTS.map(of);
      costRows.push(
        `| ${scenario} | ${batchSize} | ${costCells(destinations, batchSize, eventBytes, d, n)} |`,
      );
      const vsBare = d.map((r, i) => r.deliveriesPerSecond / b[i].deliveriesPerSecond);
      const vsNaive = d.map((r, i) => r.deliveriesPerSecond / n[i].deliveriesPerSecond);
      const rate = (runs: Run[]) => Math.round(median(runs.map((r) => r.deliveriesPerSecond)));
      chart.push({ label: `${scenario}, ${batchSize}`, dispatcher: rate(d), bare: rate(b), naive: rate(n) });
      rows.push(
        `| ${scenario} | ${batchSize} | ${rate(d)} | ${rate(b)} | ${rate(n)} | ${fmt(median(vsBare))} (${fmt(Math.min(...vsBare))}–${fmt(Math.max(...vsBare))}) | ${fmt(median(vsNaive), 1)} (${fmt(Math.min(...vsNaive), 1)}–${fmt(Math.max(...vsNaive), 1)}) | ${fmt(median(d.map((r) => r.apiCallsPerEvent)), 3)} / ${fmt(median(n.map((r) => r.apiCallsPerEvent)), 1)} | ${d[0].snsCallsPerSnsEvent > 0 ? fmt(median(d.map((r) => r.snsCallsPerSnsEvent)), 3) : '–'} | ${median(d.map((r) => r.assumeRoles))} / ${median(n.map((r) => r.assumeRoles))} | ${fmt(median(d.map((r) => r.peakHeapMb)), 0)} |`,
      );
    }
  }
  const header = [
    '| scenario | batch | dispatcher deliveries/s | bare loop | naive | dispatcher ÷ bare loop, median (min–max) | dispatcher ÷ naive | API calls per delivery (dispatcher / naive) | SNS calls per SNS delivery | AssumeRole (dispatcher / naive) | peak heap MB (dispatcher) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const bundleTable = [
    '| bundle | minified | gzip | module initialisation (median of 15) |',
    '| --- | ---: | ---: | ---: |',
    `| dispatcher (\`lambda/dispatcher/index.ts\`) | ${kb(bundles.dispatcher.bytes)} | ${kb(bundles.dispatcher.gzipBytes)} | ${bundles.dispatcher.initMs.toFixed(0)} ms |`,
    `| floor: only the SDK clients and Powertools utilities it uses | ${kb(bundles.floor.bytes)} | ${kb(bundles.floor.gzipBytes)} | ${bundles.floor.initMs.toFixed(0)} ms |`,
    `| dispatcher ÷ floor | ${ratio(bundles.dispatcher.bytes, bundles.floor.bytes)} | ${ratio(bundles.dispatcher.gzipBytes, bundles.floor.gzipBytes)} | ${ratio(bundles.dispatcher.initMs, bundles.floor.initMs)} |`,
  ].join('\n');
  const deliveryTable = [...header, ...rows].join('\n');
  const costTable = [
    '| scenario | batch | this project: platform | destination owner | naive dispatcher: platform | destination owner | EventBridge Pipes: platform | destination owner |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...costRows,
  ].join('\n');
  const table = `${deliveryTable}\n\n${bundleTable}`;
  const markdown = `# Performance

Measured with \`npm run bench\` (\`bench/throughput.ts\`): ${eventCount} generated events of about
${Math.round(JSON.stringify(JSON.parse(generateEvents(1, { random: seededRandom(7), workspaces: [WORKSPACE] })[0])).length)} bytes per run, ${rounds} rounds, the variants interleaved within each round, one
process, against the loopback stand-in for AWS (\`bench/loopback-aws.ts\`, answers at once and
counts every call). A delivery is one event to one destination. The dispatcher is the real
handler with a fresh execution environment per run (so one AssumeRole per run), per-destination
retries configured, the privacy-safe default mapping applied, logging at INFO as in Lambda (each
line serialized, then dropped). The bare loop makes the same delivery calls (the same entries:
message attributes, FIFO group and deduplication ids) with no validation, routing, mapping or
logging; the naive dispatcher assumes the role and makes one Publish or Invoke per delivery. All
three keep at most ${CONCURRENCY} calls in flight.

${deliveryTable}

![Deliveries per second, median per scenario](performance.svg)

The dispatcher's bundle, built as the \`EventDispatcher\` construct builds it (esbuild, minified,
the SDK bundled), next to a floor of only the SDK clients and Powertools utilities it constructs
(\`bench/bundle.ts\`); initialisation is \`require\` in a fresh process, the two interleaved:

${bundleTable}

## Cost per million events

US dollars at list prices (US East, no free tier; \`bench/cost.ts\` holds the prices and their
pages), computed from the calls counted above and the measured time per event, the median of the
rounds. The platform pays for its ingest queue (producers sending 10 messages per request, the
poller receiving and deleting 10 per request), its dispatcher (Arm, 512 MB, one invocation per
batch) and the queue's KMS requests (data keys reused for an hour: counted for a million
events a day). The destination's owner pays for the publishes to its topic and the invocations of
its function. EventBridge Pipes: one pipe, and its own queue, per destination, each event a pipe
request and one call to the target (Pipes publishes to an SNS target one message per call).
Offloaded payloads add $${offloadCostPerMillion(0.01).toFixed(2)} per million events for each 1% of events offloaded (an S3
PUT and a consumer's GET each).

${costTable}

The dispatcher's time here is against a stand-in that answers at once. In AWS each call waits
for the network; at ${LATENCY_MS} ms per call and ${CONCURRENCY} calls in flight, a batch of 100 costs in
dispatcher time $${atLatency({ callsPerEvent: 0.1 })} per million events to one standard topic
(10 PublishBatch calls, one round) and $${atLatency({ callsPerEvent: 1 })} to one function (100 Invokes,
${Math.ceil(100 / CONCURRENCY)} rounds); the naive dispatcher, AssumeRole then Publish for each event, $${atLatency({ callsPerEvent: 2, callsInARow: 2 })}.
Either way the platform's bill is mostly its ingest queue's requests; batching shows in the
destination owner's: a tenth of the topic publishes. What the table leaves out: Pipes cannot
assume a customer's role per workspace, apply a mapping or consent per destination, or route by
event name without one pipe per rule.

Regenerate with \`npm run bench\` (\`-- --events N --rounds N\`); the numbers move with the
machine's load, the ratios much less.
`;
  return { table, markdown, svg: svgChart(chart) };
}

/** The network latency per call the cost notes assume for AWS. */
const LATENCY_MS = 20;

/** Dispatcher time per million events, in dollars, for batches of 100 at LATENCY_MS per call. */
const atLatency = (calls: { callsPerEvent: number; callsInARow?: number }) =>
  dispatcherTimeCostPerMillion(
    secondsPerEventAtLatency({ batchSize: 100, slots: CONCURRENCY, latencyMs: LATENCY_MS, ...calls }),
  ).toFixed(4);

/** Platform and destination owner cost per million events: this project, the naive dispatcher, Pipes. */
function costCells(
  destinations: readonly BenchTarget[],
  batchSize: number,
  messageBytes: number,
  dispatcherRuns: readonly Run[],
  naiveRuns: readonly Run[],
): string {
  const count = (match: (d: BenchTarget) => boolean) => destinations.filter(match).length;
  const isFifo = (d: BenchTarget) => d.type === 'sns' && d.topicArn.endsWith('.fifo');
  const scenario: CostScenario = {
    destinations: {
      snsStandard: count((d) => d.type === 'sns' && !isFifo(d)),
      snsFifo: count(isFifo),
      lambda: count((d) => d.type === 'lambda'),
    },
    batchSize,
    messageBytes,
  };
  const measured = (runs: readonly Run[]): MeasuredApproach => ({
    deliveriesPerSecond: median(runs.map((r) => r.deliveriesPerSecond)),
    snsStandardCallsPerDelivery: median(runs.map((r) => r.callsPerDelivery.snsStandard)),
    snsFifoCallsPerDelivery: median(runs.map((r) => r.callsPerDelivery.snsFifo)),
    lambdaCallsPerDelivery: median(runs.map((r) => r.callsPerDelivery.lambda)),
  });
  const dollars = (n: number) => `$${n.toFixed(3)}`;
  return [
    dispatcherCost(scenario, measured(dispatcherRuns)),
    dispatcherCost(scenario, measured(naiveRuns)),
    pipesCost(scenario),
  ]
    .map((cost) => `${dollars(cost.platform)} | ${dollars(cost.destinations)}`)
    .join(' | ');
}

function svgChart(rows: { label: string; dispatcher: number; bare: number; naive: number }[]): string {
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
  const legend = `<text x="${left}" y="16" font-size="11"><tspan fill="${colours.dispatcher}">■ dispatcher</tspan>  <tspan fill="#777">■ bare loop</tspan>  <tspan fill="${colours.naive}">■ naive</tspan>   deliveries per second (median)</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><title>Deliveries per second: dispatcher, bare loop and naive dispatcher, by scenario and batch size</title>${legend}${bars}</svg>`;
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
