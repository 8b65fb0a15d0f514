#!/usr/bin/env node
/**
 * `npm run bench:workspaces`: the dispatcher with many active workspaces. For each registry size
 * (1,000, 10,000, 100,000 workspaces, each with 1–3 destinations of its own account and role), one
 * execution environment (a child process) runs the real `dispatchBatch` with the real registry
 * (`CachedRegistry.fromTable` behind a `LayeredRegistry`, as `createDispatcherHandler` wires it)
 * and the real `DestinationClients`, over batches whose events are spread over workspaces by a Zipf
 * law (a few large tenants, a long tail). DynamoDB is a loopback HTTP stand-in that answers from
 * the generated registry after a fixed delay and counts `GetItem`, `BatchGetItem` and `Query`
 * calls; destination calls (SNS, Lambda) and the dispatcher's queue writes answer at once in
 * memory, so what a batch waits for is the registry. Time between batches is simulated
 * (`--interval-ms`), so the cache's TTL expires as it would at that rate.
 *
 * `--reads per-workspace` builds the registry as it was before batched reads: one `GetItem` per
 * workspace and a cache of 2,000 workspaces.
 */
import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { BOUNDED_REQUEST_HANDLER, DestinationClients } from '../lambda/dispatcher/deliver/clients';
import { BrokenDestinations } from '../lambda/dispatcher/deliver/failure-memory/broken-destinations';
import { CircuitBreakers } from '../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import { RateLimiter } from '../lambda/dispatcher/deliver/rate-limiter';
import { type DispatchDependencies, dispatchBatch } from '../lambda/dispatcher/dispatch-batch';
import { CachedRegistry, LayeredRegistry, StaticRegistry } from '../lambda/dispatcher/prepare/registry';
import { DEFAULT_RETRY_POLICY } from '../lambda/dispatcher/settle/retry';
import { readWorkspaceRecord } from '../lambda/shared/registry-table';
import { generateEvents, seededRandom } from '../local/test-events';
import { DroppingLogger } from './dropping-logger';
import { sqsRecord } from './sqs-record';

const PLATFORM_ACCOUNT = '999988887777';
const TABLE = 'registry';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

interface Options {
  readonly workspaces: number;
  readonly batches: number;
  readonly batchSize: number;
  readonly zipf: number;
  readonly readMs: number;
  readonly intervalMs: number;
  readonly reads: 'batched' | 'per-workspace';
  readonly unprocessed: number;
  readonly seed: number;
}

interface SizeResult {
  readonly workspaces: number;
  readonly reads: string;
  readonly batches: number;
  readonly distinctPerBatch: number;
  readonly callsPerBatch: { mean: number; p99: number; max: number };
  readonly keysPerBatch: { mean: number; max: number };
  readonly callsByOperation: Record<string, number>;
  readonly durationMs: { p50: number; p99: number };
  readonly heapUsedMb: number;
  readonly rssMb: number;
  readonly cacheEntries: number;
  readonly cacheBytes: number | undefined;
  /** Heap freed by dropping the registry cache: what its entries really hold. */
  readonly cacheHeapMb: number;
  readonly destinationClients: number;
  /** Heap freed by dropping the destination clients (SDK clients, credential providers). */
  readonly clientsHeapMb: number;
  readonly failedRecords: number;
  readonly deliveries: number;
}

// ---------------------------------------------------------------------------------------------
// The generated registry: workspace i is `ws-<i>`, its item derived from i alone, so the stand-in
// keeps nothing in memory (what the child's heap holds is the dispatcher's).

const workspaceId = (index: number) => `ws-${String(index).padStart(6, '0')}`;
const indexOf = (id: string) => (/^ws-\d{6}$/.test(id) ? Number(id.slice(3)) : -1);
const accountOf = (index: number) => String(100_000_000_000 + index);

function destinationsOf(index: number, random: () => number) {
  const account = accountOf(index);
  const roleArn = `arn:aws:iam::${account}:role/event-delivery/EventDelivery`;
  const count = 1 + Math.floor(random() * 3);
  return Array.from({ length: count }, (_, d) => {
    const events = random() < 0.5 ? ['*'] : ['Order Completed', 'Page Viewed', 'Signed Up'];
    const mapping = random() < 0.3 ? { properties: { 'visitor.email': 'hash' } } : undefined;
    return random() < 0.6
      ? {
          id: `topic-${d}`,
          type: 'sns',
          topicArn: `arn:aws:sns:us-east-1:${account}:events-${d}`,
          roleArn,
          events,
          ...(mapping && { mapping }),
        }
      : {
          id: `fn-${d}`,
          type: 'lambda',
          functionArn: `arn:aws:lambda:us-east-1:${account}:function:events-${d}`,
          invocationType: 'Event',
          roleArn,
          events,
          ...(mapping && { mapping }),
        };
  });
}

function itemOf(index: number) {
  const id = workspaceId(index);
  return {
    pk: { S: `workspace#${id}` },
    sk: { S: 'workspace' },
    external_id: { S: `cdp-${String(index).padStart(32, '0')}` },
    workspace_status: { S: 'active' },
    live_version: { N: '1' },
    live_destinations: { S: JSON.stringify(destinationsOf(index, seededRandom(index + 1))) },
  };
}

// ---------------------------------------------------------------------------------------------
// The DynamoDB stand-in: JSON protocol on loopback, the answer after `readMs`.

interface Counts {
  calls: Record<string, number>;
  keys: number;
}

async function startDynamoDb(options: Options, counts: Counts, count: number) {
  const random = seededRandom(options.seed + 99);
  const find = (key: { pk?: { S?: string } }) => {
    const index = indexOf((key.pk?.S ?? '').replace(/^workspace#/, ''));
    return index >= 0 && index < count ? itemOf(index) : undefined;
  };
  const answer = (request: IncomingMessage, body: string): unknown => {
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'Unknown';
    counts.calls[operation] = (counts.calls[operation] ?? 0) + 1;
    const input = JSON.parse(body);
    if (operation === 'GetItem') {
      counts.keys += 1;
      const item = find(input.Key);
      return item ? { Item: item } : {};
    }
    if (operation === 'BatchGetItem') {
      const [table, { Keys, ...rest }] = Object.entries(input.RequestItems)[0] as [
        string,
        { Keys: { pk: { S: string } }[] },
      ];
      counts.keys += Keys.length;
      const processed: typeof Keys = [];
      const unprocessed: typeof Keys = [];
      for (const key of Keys) (random() < options.unprocessed ? unprocessed : processed).push(key);
      return {
        Responses: { [table]: processed.map(find).filter(Boolean) },
        UnprocessedKeys: unprocessed.length > 0 ? { [table]: { ...rest, Keys: unprocessed } } : {},
      };
    }
    if (operation === 'Query') return { Items: [], Count: 0 };
    throw new Error(`the stand-in does not answer ${operation}`);
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      let payload: string;
      let status = 200;
      try {
        payload = JSON.stringify(answer(request, body));
      } catch (error) {
        status = 400;
        payload = JSON.stringify({ __type: 'ValidationException', message: (error as Error).message });
      }
      setTimeout(() => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(payload);
      }, options.readMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

// ---------------------------------------------------------------------------------------------
// Traffic: each event's workspace drawn from Zipf(s) over the registry, rank k = workspace k.

function zipfSampler(count: number, s: number, random: () => number): () => number {
  const cumulative = new Float64Array(count);
  let total = 0;
  for (let k = 0; k < count; k++) {
    total += 1 / (k + 1) ** s;
    cumulative[k] = total;
  }
  return () => {
    const target = random() * total;
    let low = 0;
    let high = count - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return low;
  };
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
const ascending = (values: number[]) => [...values].sort((a, b) => a - b);

function collectGarbage(): void {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

async function runSize(options: Options): Promise<SizeResult> {
  const counts: Counts = { calls: {}, keys: 0 };
  const dynamo = await startDynamoDb(options, counts, options.workspaces);
  let deliveries = 0;
  const sns = mockClient(SNSClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  sns.on(PublishBatchCommand).callsFake((input) => {
    deliveries += input.PublishBatchRequestEntries.length;
    return {
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id, MessageId: 'm' })),
      Failed: [],
    };
  });
  lambda.on(InvokeCommand).callsFake(() => {
    deliveries += 1;
    return { StatusCode: 202 };
  });
  sqs.on(SendMessageBatchCommand).callsFake((input) => ({
    Successful: input.Entries.map((e: { Id: string }) => ({
      Id: e.Id,
      MessageId: 'm',
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));

  let now = 1_700_000_000_000;
  const clock = () => now;
  const dynamodb = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: CREDENTIALS,
    requestHandler: BOUNDED_REQUEST_HANDLER,
  });
  const live =
    options.reads === 'per-workspace'
      ? new CachedRegistry((id) => readWorkspaceRecord(dynamodb, TABLE, id, AbortSignal.timeout(2_000)), {
          maxEntries: 2_000,
          maxBytes: Number.POSITIVE_INFINITY,
          now: clock,
        } as ConstructorParameters<typeof CachedRegistry>[1])
      : CachedRegistry.fromTable(dynamodb, TABLE, { now: clock });
  const clients = new DestinationClients({
    sessionName: 'event-dispatcher',
    stsRegion: 'us-east-1',
    overrides: { credentials: CREDENTIALS },
  });
  const deps: DispatchDependencies = {
    registry: new LayeredRegistry(new StaticRegistry([]), live),
    clients,
    sqs: new SQSClient({ region: 'us-east-1', credentials: CREDENTIALS }),
    deadLetterQueue: { url: `https://sqs.us-east-1.amazonaws.com/${PLATFORM_ACCOUNT}/dlq`, fifo: false },
    logger: new DroppingLogger({ serviceName: 'bench', logLevel: 'INFO' }),
    maxReceiveCount: 5,
    concurrency: 16,
    brokenDestinations: new BrokenDestinations(),
    breakers: new CircuitBreakers(),
    rateLimiter: new RateLimiter(),
    retry: {
      ...DEFAULT_RETRY_POLICY,
      queueUrl: `https://sqs.us-east-1.amazonaws.com/${PLATFORM_ACCOUNT}/ingest`,
    },
  };

  const random = seededRandom(options.seed);
  const nextWorkspace = zipfSampler(options.workspaces, options.zipf, random);
  const templates = generateEvents(1_000, { random, workspaces: ['template'] }).map(
    (body) => JSON.parse(body) as Record<string, unknown>,
  );
  const calls: number[] = [];
  const keys: number[] = [];
  const durations: number[] = [];
  const distinct: number[] = [];
  let failedRecords = 0;
  let sequence = 0;
  for (let batch = 0; batch < options.batches; batch++) {
    const workspaces = new Set<number>();
    const records = Array.from({ length: options.batchSize }, () => {
      const index = nextWorkspace();
      workspaces.add(index);
      const template = templates[sequence % templates.length];
      const body = JSON.stringify({ ...template, workspace_id: workspaceId(index) });
      return sqsRecord(body, `m-${sequence++}`, PLATFORM_ACCOUNT);
    });
    const callsBefore = Object.values(counts.calls).reduce((a, b) => a + b, 0);
    const keysBefore = counts.keys;
    const started = performance.now();
    const response = await dispatchBatch(records, deps);
    durations.push(performance.now() - started);
    calls.push(Object.values(counts.calls).reduce((a, b) => a + b, 0) - callsBefore);
    keys.push(counts.keys - keysBefore);
    distinct.push(workspaces.size);
    failedRecords += response.batchItemFailures.length;
    // The mocks remember every call: forgotten, so the heap measured is the dispatcher's.
    for (const mock of [sns, lambda, sqs]) mock.resetHistory();
    now += options.intervalMs;
  }
  dynamo.server.close();
  collectGarbage();
  const memory = process.memoryUsage();
  // What the registry cache and the destination clients hold: the heap each frees when dropped.
  const cache = live as unknown as { size: number; bytes?: number; entries: Map<string, unknown> };
  const clientCache = (clients as unknown as { cache: Map<unknown, Map<string, unknown>> }).cache;
  const cacheEntries = cache.size;
  const destinationClients = clients.size;
  cache.entries.clear();
  collectGarbage();
  const withoutCache = process.memoryUsage().heapUsed;
  clientCache.clear();
  (clients as unknown as { credentials: Map<string, unknown> }).credentials.clear();
  collectGarbage();
  const withoutClients = process.memoryUsage().heapUsed;
  const sortedCalls = ascending(calls);
  const sortedDurations = ascending(durations);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    workspaces: options.workspaces,
    reads: options.reads,
    batches: options.batches,
    distinctPerBatch: mean(distinct),
    callsPerBatch: { mean: mean(calls), p99: percentile(sortedCalls, 99), max: sortedCalls.at(-1) ?? 0 },
    keysPerBatch: { mean: mean(keys), max: Math.max(...keys) },
    callsByOperation: counts.calls,
    durationMs: { p50: percentile(sortedDurations, 50), p99: percentile(sortedDurations, 99) },
    heapUsedMb: memory.heapUsed / 2 ** 20,
    rssMb: memory.rss / 2 ** 20,
    cacheEntries,
    cacheBytes: cache.bytes,
    cacheHeapMb: (memory.heapUsed - withoutCache) / 2 ** 20,
    destinationClients,
    clientsHeapMb: (withoutCache - withoutClients) / 2 ** 20,
    failedRecords,
    deliveries,
  };
}

// ---------------------------------------------------------------------------------------------

function table(results: readonly SizeResult[]): string {
  const f1 = (n: number) => n.toFixed(1);
  const f2 = (n: number) => n.toFixed(2);
  const lines = [
    '| workspaces | reads | distinct workspaces / batch | registry calls / batch: mean · p99 · max | keys read / batch: mean · max | calls by operation | batch ms p50 · p99 | heap used MB | RSS MB | cache entries | cache MB: estimated · heap | destination clients · heap MB | failed records |',
    '|---:|---|---:|---|---|---|---|---:|---:|---:|---|---|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.workspaces.toLocaleString('en-US')} | ${r.reads} | ${f1(r.distinctPerBatch)} | ${f2(r.callsPerBatch.mean)} · ${r.callsPerBatch.p99} · ${r.callsPerBatch.max} | ${f1(r.keysPerBatch.mean)} · ${r.keysPerBatch.max} | ${Object.entries(
        r.callsByOperation,
      )
        .map(([op, n]) => `${op} ${n}`)
        .join(
          ', ',
        )} | ${f1(r.durationMs.p50)} · ${f1(r.durationMs.p99)} | ${f1(r.heapUsedMb)} | ${f1(r.rssMb)} | ${r.cacheEntries.toLocaleString('en-US')} | ${r.cacheBytes === undefined ? '–' : f1(r.cacheBytes / 2 ** 20)} · ${f1(r.cacheHeapMb)} | ${r.destinationClients.toLocaleString('en-US')} · ${f1(r.clientsHeapMb)} | ${r.failedRecords} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workspaces: { type: 'string', default: '1000,10000,100000' },
      batches: { type: 'string', default: '400' },
      'batch-size': { type: 'string', default: '100' },
      zipf: { type: 'string', default: '1.1' },
      'read-ms': { type: 'string', default: '4' },
      'interval-ms': { type: 'string', default: '100' },
      reads: { type: 'string', default: 'batched' },
      unprocessed: { type: 'string', default: '0' },
      seed: { type: 'string', default: '7' },
      child: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.reads !== 'batched' && values.reads !== 'per-workspace')
    throw new Error(`--reads must be batched or per-workspace, got ${values.reads}`);
  const base = {
    batches: Number(values.batches),
    batchSize: Number(values['batch-size']),
    zipf: Number(values.zipf),
    readMs: Number(values['read-ms']),
    intervalMs: Number(values['interval-ms']),
    reads: values.reads,
    unprocessed: Number(values.unprocessed),
    seed: Number(values.seed),
  } as const;
  if (values.child) {
    const result = await runSize({ ...base, workspaces: Number(values.child) });
    // Kept-alive sockets would hold the process open.
    process.send?.(result, () => process.exit(0));
    return;
  }
  const results: SizeResult[] = [];
  for (const size of values.workspaces.split(',').map(Number)) {
    // One process per size: one execution environment, its memory measured alone.
    const child = fork(__filename, [...process.argv.slice(2), '--child', String(size)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: SizeResult | undefined;
    child.once('message', (message) => {
      result = message as SizeResult;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    if (!result) throw new Error(`the run with ${size} workspaces exited with ${code} and no result`);
    results.push(result);
    process.stderr.write(`${size} workspaces: done\n`);
  }
  console.log(
    `Registry reads with many workspaces: ${base.batches} batches of ${base.batchSize}, Zipf s=${base.zipf}, ` +
      `registry answers after ${base.readMs} ms, ${base.intervalMs} ms between batches (simulated clock), reads: ${base.reads}` +
      (base.unprocessed > 0 ? `, ${base.unprocessed * 100}% of batch keys left unprocessed per call` : ''),
  );
  console.log();
  console.log(table(results));
  if (values.json) console.log(JSON.stringify(results, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
