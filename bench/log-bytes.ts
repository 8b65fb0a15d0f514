#!/usr/bin/env node
/**
 * What delivery visibility costs in log bytes, counted on a local run: the local dispatcher
 * writes what it would write to its log group (its JSON lines and metric documents) to a file;
 * this sends events through the local platform, then counts that file's bytes per delivered event,
 * the bytes the visibility fields added to it, and the bytes a workspace's health query scans with
 * the log group's `workspaceId` index. `npm run bench:log-bytes -- [--events N] [--log-file PATH]`
 * (with `--log-file` of an existing run, it only counts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DESTINATION_SUMMARY } from '../lambda/shared/delivery-summary';
import { LocalPipeline } from '../local/pipeline';
import { sendBodies } from '../local/send-events';
import { generateEvents, seededRandom } from '../local/test-events';

/** List prices, us-east-1: CloudWatch Logs standard ingestion per GB, Logs Insights per GB scanned. */
const INGESTION_PER_GB = 0.5;
const SCANNED_PER_GB = 0.005;
/** The deployed event source's batch: at full batches, per-destination fields spread over this many events. */
const FULL_BATCH = 100;
/** The fields delivery visibility added to existing lines. */
const SUMMARY_FIELDS = ['failedByCode', 'blockedByConsent', 'offloaded', 'latencyMs'] as const;
const TRANSITIONS = [
  'circuit opened: deliveries deferred',
  'circuit half-open: probing',
  'circuit closed',
  'destination disabled',
];

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

export interface LogBytes {
  readonly lines: number;
  readonly totalBytes: number;
  readonly delivered: number;
  readonly summaryLines: number;
  readonly addedBytes: number;
  /** Bytes of lines whose top-level workspaceId is each workspace, and that workspace's deliveries. */
  readonly byWorkspace: Record<string, { indexedBytes: number; delivered: number }>;
}

/** Counts a dispatcher log's bytes: in all, added by delivery visibility, and per workspace's indexed lines. */
export function countLogBytes(text: string): LogBytes {
  let lines = 0;
  let totalBytes = 0;
  let delivered = 0;
  let summaryLines = 0;
  let addedBytes = 0;
  const byWorkspace: LogBytes['byWorkspace'] = {};
  for (const raw of text.split('\n')) {
    if (!raw) continue;
    lines += 1;
    // Each line as CloudWatch Logs ingests it: its text and newline.
    totalBytes += bytes(raw) + 1;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(raw);
    } catch {
      continue;
    }
    const workspaceId = typeof line.workspaceId === 'string' ? line.workspaceId : undefined;
    if (workspaceId) {
      byWorkspace[workspaceId] ??= { indexedBytes: 0, delivered: 0 };
      byWorkspace[workspaceId].indexedBytes += bytes(raw) + 1;
    }
    if (line.message === DESTINATION_SUMMARY) {
      summaryLines += 1;
      const count = Number(line.delivered) || 0;
      delivered += count;
      if (workspaceId) byWorkspace[workspaceId].delivered += count;
      const without = { ...line };
      for (const field of SUMMARY_FIELDS) delete without[field];
      addedBytes += bytes(raw) - bytes(JSON.stringify(without));
    } else if (TRANSITIONS.includes(String(line.message)) && workspaceId) {
      addedBytes += bytes(`"workspaceId":${JSON.stringify(workspaceId)},`);
    }
  }
  return { lines, totalBytes, delivered, summaryLines, addedBytes, byWorkspace };
}

/** The figures, with what they cost per million delivered events and per health query. */
export function describeLogBytes(counted: LogBytes): string {
  const perDelivery = (n: number) => (counted.delivered ? n / counted.delivered : 0);
  const addedPerSummary = counted.summaryLines ? counted.addedBytes / counted.summaryLines : 0;
  const perMillion = (bytesPerEvent: number, pricePerGb: number) =>
    ((bytesPerEvent * 1e6) / 1e9) * pricePerGb;
  const indexed = Object.values(counted.byWorkspace);
  const indexedPerDelivery = perDelivery(indexed.reduce((n, w) => n + w.indexedBytes, 0));
  const lines = [
    `dispatcher log: ${counted.lines} lines, ${counted.totalBytes} bytes; ${counted.delivered} deliveries in ${counted.summaryLines} destination summaries (${(counted.delivered / Math.max(1, counted.summaryLines)).toFixed(1)} per summary)`,
    `log bytes per delivered event, all lines: ${perDelivery(counted.totalBytes).toFixed(1)}`,
    `added by delivery visibility: ${counted.addedBytes} bytes, ${perDelivery(counted.addedBytes).toFixed(2)} per delivered event (${addedPerSummary.toFixed(1)} per summary line)`,
    `  CloudWatch Logs ingestion of that, per million delivered events: $${perMillion(perDelivery(counted.addedBytes), INGESTION_PER_GB).toFixed(4)} (this run's batches); $${perMillion(addedPerSummary / FULL_BATCH, INGESTION_PER_GB).toFixed(5)} at full batches of ${FULL_BATCH}`,
    'writes per delivered event: 0',
    `a health query scans, per delivered event in its window: ${indexedPerDelivery.toFixed(1)} bytes with the workspaceId index (the workspace's own lines), ${perDelivery(counted.totalBytes).toFixed(1)} without (every line of the window)`,
    `  Logs Insights, per million delivered events in the window: $${perMillion(indexedPerDelivery, SCANNED_PER_GB).toFixed(4)} indexed, $${perMillion(perDelivery(counted.totalBytes), SCANNED_PER_GB).toFixed(4)} unindexed`,
  ];
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '600' },
      'log-file': { type: 'string' },
    },
  });
  if (values['log-file']) {
    process.stdout.write(describeLogBytes(countLogBytes(readFileSync(values['log-file'], 'utf8'))));
    return;
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'log-bytes-'));
  const logFile = path.join(directory, 'dispatcher.log');
  const workspaces = ['workspace-1', 'workspace-2'];
  const pipeline = await LocalPipeline.start({ workspaces: workspaces.length, dispatcherLogFile: logFile });
  try {
    const bodies = generateEvents(Number(values.events), { random: seededRandom(7), workspaces });
    let batches = 0;
    await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, bodies, {
      // As the demo paces: the emulator's queues slow with depth.
      pace: async () => {
        batches += 1;
        if (batches % 5 !== 0) return;
        while ((await pipeline.backlog()) > 30) await new Promise((resolve) => setTimeout(resolve, 100));
      },
    });
    if (!(await pipeline.waitUntilDrained(300_000))) throw new Error('the local platform did not drain');
  } finally {
    await pipeline.stop();
  }
  process.stdout.write(describeLogBytes(countLogBytes(readFileSync(logFile, 'utf8'))));
  rmSync(directory, { recursive: true, force: true });
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
