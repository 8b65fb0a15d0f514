#!/usr/bin/env node
/**
 * Peak memory of one batch of worst-case ingest messages through the real `dispatchBatch`,
 * against the loopback stand-in for AWS. Each poison message is about 1 MB (SQS's limit is
 * 1 MiB): an email list of short strings (under the privacy-safe defaults each element would
 * become a 64-character hash), or a list of empty objects. A normal event of the same workspace and one of another follow them.
 * Run it under a heap limit, as `npm run bench:mapping` and the memory test do:
 *
 *   node --max-old-space-size=256 --import tsx bench/poison-batch.ts [--messages 10] [--shape expansion|objects|batched]
 *
 * Prints one JSON line: peak heap (V8's statistics before every garbage collection, and at the
 * end), peak RSS, the dead letters by error code and what was delivered.
 */
import { parseArgs } from 'node:util';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { Logger } from '@aws-lambda-powertools/logger';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from '@aws-sdk/client-sqs';
import { DestinationClients } from '../lambda/dispatcher/deliver/clients';
import { dispatchBatch } from '../lambda/dispatcher/dispatch-batch';
import { StaticRegistry } from '../lambda/dispatcher/prepare/registry';
import { DEFAULT_RETRY_POLICY } from '../lambda/dispatcher/settle/retry';
import type { DestinationInput } from '../lambda/shared/destination-config';
import { MAX_EVENTS_PER_MESSAGE } from '../lambda/shared/ingest-batch';
import { MAX_VALUES } from '../lambda/shared/ingest-message';
import { LoopbackAws } from './loopback-aws';
import { sqsRecord } from './sqs-record';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/EventDelivery`;
/** About 1 MB: SQS's 1 MiB limit less room for the message attributes. */
const BODY_BYTES = 1_000_000;
const MiB = 1_048_576;

const destinations = (name: string): DestinationInput[] => [
  {
    id: 'events',
    type: 'sns',
    topicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:${name}`,
    roleArn: ROLE,
    events: ['*'],
  },
  {
    id: 'fn',
    type: 'lambda',
    functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}-fn`,
    roleArn: ROLE,
    events: ['*'],
  },
];

const event = (workspace: string, distinctId: string, visitor: Record<string, unknown> = {}) =>
  JSON.stringify({
    workspace_id: workspace,
    event: { event: 'Order Completed', distinct_id: distinctId },
    visitor: { visitor_id: `v-${distinctId}`, ...visitor },
  });

/**
 * A body of about `bytes` whose email list (as many short strings as ingest validation lets
 * through) would expand about 7 times if hashed element by element: past the mapping's limit.
 */
export function expansionPoison(workspace: string, distinctId: string, bytes = BODY_BYTES): string {
  const frame = event(workspace, distinctId, { email: [] }).length;
  const count = MAX_VALUES - 100;
  // Each element costs its characters, two quotes and a comma.
  const element = '0'.repeat(Math.max(1, Math.floor((bytes - frame) / count) - 3));
  return event(workspace, distinctId, { email: new Array(count).fill(element) });
}

/**
 * A body of about `bytes` of empty objects: what costs most heap to parse (about 20 bytes of
 * heap per byte). Ingest validation refuses it (more values than `MAX_VALUES`) before it is kept.
 */
export function objectsPoison(workspace: string, distinctId: string, bytes = BODY_BYTES): string {
  const frame = event(workspace, distinctId, { items: [] }).length;
  return event(workspace, distinctId, {
    items: Array.from({ length: Math.floor((bytes - frame) / 3) }, () => ({})),
  });
}

/**
 * A batched message of as many tiny events as one message may carry: what multiplies a batch's
 * deliveries most (each event goes to every destination of its workspace).
 */
export function batchedPoison(workspace: string, distinctId: string): string {
  const events = Array.from({ length: MAX_EVENTS_PER_MESSAGE }, (_, i) => ({
    event: { event: 'x', distinct_id: `${distinctId}-${i}` },
    visitor: { visitor_id: `v${i}` },
  }));
  return JSON.stringify({ workspace_id: workspace, events });
}

const POISONS = { expansion: expansionPoison, objects: objectsPoison, batched: batchedPoison };

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { messages: { type: 'string', default: '10' }, shape: { type: 'string', default: 'expansion' } },
  });
  const messages = Number(values.messages);
  const poison = POISONS[values.shape as keyof typeof POISONS];
  if (!Number.isInteger(messages) || messages < 1 || !poison) {
    throw new Error(`usage: --messages N (≥ 1) --shape ${Object.keys(POISONS).join('|')}`);
  }
  const aws = new LoopbackAws();
  await aws.start();
  const ingestUrl = `${aws.endpoint}/${ACCOUNT}/ingest`;
  const deadLetterCodes: Record<string, number> = {};
  let resent = 0;
  const sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as SendMessageBatchCommandInput;
      if (context.commandName === SendMessageBatchCommand.name && input.QueueUrl === ingestUrl) {
        resent += input.Entries?.length ?? 0;
      } else if (context.commandName === SendMessageBatchCommand.name) {
        for (const entry of input.Entries ?? []) {
          const code = entry.MessageAttributes?.error_code?.StringValue ?? '(none)';
          deadLetterCodes[code] = (deadLetterCodes[code] ?? 0) + 1;
        }
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  const deps = {
    registry: StaticRegistry.fromJson(
      JSON.stringify({
        workspaces: [
          { id: 'ws-poison', externalId: 'bench-external-id-0001', destinations: destinations('poison') },
          { id: 'ws-other', externalId: 'bench-external-id-0002', destinations: destinations('other') },
        ],
      }),
    ),
    clients: new DestinationClients({
      sessionName: 'bench',
      stsRegion: 'us-east-1',
      overrides: { endpoint: aws.endpoint, credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } },
    }),
    sqs,
    deadLetterQueue: { url: `${aws.endpoint}/${ACCOUNT}/dlq`, fifo: false },
    logger: new Logger({ serviceName: 'bench', logLevel: 'SILENT' }),
    maxReceiveCount: 5,
    concurrency: 16,
    // As deployed: per-destination retries, so a batch past its bound of events sends records back.
    retry: { ...DEFAULT_RETRY_POLICY, queueUrl: ingestUrl },
  };
  // Warm up (modules, clients, credentials) so the figures are the batch's own.
  await dispatchBatch([sqsRecord(event('ws-other', 'warm-up'), 'warm-up', ACCOUNT)], deps);
  aws.reset();
  for (const key of Object.keys(deadLetterCodes)) delete deadLetterCodes[key];
  const baselineHeap = process.memoryUsage().heapUsed;

  const records = [
    ...Array.from({ length: messages }, (_, i) =>
      sqsRecord(poison('ws-poison', `poison-${i}`), `poison-${i}`, ACCOUNT),
    ),
    sqsRecord(event('ws-poison', 'normal-same', { email: 'jane.doe@example.com' }), 'normal-same', ACCOUNT),
    sqsRecord(event('ws-other', 'normal-other'), 'normal-other', ACCOUNT),
  ];
  const profiler = new GCProfiler();
  profiler.start();
  const started = performance.now();
  const response = await dispatchBatch(records, deps);
  const ms = performance.now() - started;
  const atEnd = getHeapStatistics();
  const gcs = profiler.stop()?.statistics ?? [];
  await aws.stop();
  const peakHeapUsed = Math.max(
    atEnd.used_heap_size,
    ...gcs.map((gc) => gc.beforeGC.heapStatistics.usedHeapSize),
  );
  const peakTotalHeap = Math.max(
    atEnd.total_heap_size,
    ...gcs.map((gc) => gc.beforeGC.heapStatistics.totalHeapSize),
  );
  const mb = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;
  console.log(
    JSON.stringify({
      messages,
      shape: values.shape,
      bodyBytes: records[0].body.length,
      heapLimitMB: mb(atEnd.heap_size_limit),
      baselineHeapMB: mb(baselineHeap),
      peakHeapUsedMB: mb(peakHeapUsed),
      peakTotalHeapMB: mb(peakTotalHeap),
      maxRssMB: mb(process.resourceUsage().maxRSS * 1024),
      ms: Math.round(ms),
      deadLetters: deadLetterCodes,
      delivered: Object.fromEntries(aws.counts.delivered),
      batchItemFailures: response.batchItemFailures.length,
      resent,
    }),
  );
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
