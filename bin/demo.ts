#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_EVENTS_PER_MESSAGE } from '../lambda/shared/ingest-batch';
import { withExampleMappings } from '../local/example-mappings';
import { type DestinationFault, parseDestinationFault } from '../local/fault-injector';
import { LocalPipeline } from '../local/pipeline';
import { DESTINATION_IDS, workspaceId } from '../local/provision';
import { formatReport } from '../local/report';
import { batchBodies, eventCountOf, progressBar, sendBodies } from '../local/send-events';
import { generateEvents, seededRandom, withDuplicates, withOversize } from '../local/test-events';
import { type Cli, type CliArgs, type CliOptions, type CliResult, runCli, UsageError } from './cli-kit';

export const HELP = `npm run demo -- [options]

Runs the whole platform locally against the AWS API emulator (moto): ingest queue, dispatcher,
destination registry, and workspaces workspace-1 … workspace-N, each a customer with its own
AWS account holding seven destinations (a function, a standard and a FIFO topic, a Kinesis
stream, an EventBridge bus, a standard and a FIFO queue) and the idempotent consumer behind
each. Sends events spread over the workspaces (the same ids in every workspace, different
content), waits until everything is delivered or dead-lettered (saying how far it got every
few seconds), and reports. Exits 1 if any event is unaccounted for, processed more than once
by a consumer, delivered to another workspace or not as its destination's mapping shapes it,
or (with --fifo-ingest) out of order.

  --workspaces N       workspaces to provision, 1 to 20 (default 2)
  --events N           events to generate (default 1000)
  --plain-destinations no example data mappings or consent: every destination on the defaults
  --batch N            events per message, 1 to ${MAX_EVENTS_PER_MESSAGE} (default 1: one event per message):
                       generated events and --events-file's single messages go N to a batched
                       message of their workspace; every event of a batch is accounted for
  --duplicates RATE    share of messages sent a second time, whole (default 0.1)
  --oversize N         generated events made larger than SNS's 256 KiB (300 KB more): offloaded to
                       the payload bucket, delivered as a pointer the consumer resolves (default 3)
  --events-file FILE   send these JSON lines instead, exactly as written but for --batch (blank
                       lines skipped); each names its own workspace_id; a line may be a batched
                       message ({"workspace_id": …, "events": […]}), sent as it is
  --fifo-ingest        use a FIFO ingest queue (MessageGroupId = workspace_id:visitor_id, batched
                       messages workspace_id:batched): per-visitor order end to end; the report
                       checks every group names its workspace
  --seed N             seed for generated events and duplicates (default: random)
  --fault-rate R       share of delivery calls (Invoke, PublishBatch, PutRecords, PutEvents,
                       SendMessageBatch, payload uploads) that fail: throttling, 5xx, timeouts,
                       connection resets, partial batch failures (default 0)
  --fault-seed N       seed of the injected faults (default 1)
  --slow DEST=MS[:SECONDS]
                       every call to destination DEST takes MS before answering, for the first
                       SECONDS of the run (default: the whole run); repeatable
  --fail DEST=KIND[:SECONDS]
                       every call to DEST fails with KIND (throttle, server-error, timeout,
                       connection-reset; access-denied: permanent, dead-lettered at once) for the
                       first SECONDS (default: the whole run); repeatable
                       DEST, in every workspace (or one workspace's, as workspace-2/customer-fn):
                       ${Object.values(DESTINATION_IDS).slice(0, 4).join(', ')},
                       ${Object.values(DESTINATION_IDS).slice(4).join(', ')}
  --timeout SECONDS    give up waiting for the pipeline to drain (default 300)
  --json               print the report as one JSON object on stdout, nothing else
  --verbose            show the handlers' own logs (stderr and stdout)
  --help               this text`;

/** Messages waiting in the local queues (ingest and subscriptions) before the sender pauses: 30 was fastest. */
const MAX_BACKLOG = 30;

export const OPTIONS = {
  workspaces: { type: 'string', default: '2' },
  events: { type: 'string', default: '1000' },
  batch: { type: 'string', default: '1' },
  'plain-destinations': { type: 'boolean', default: false },
  duplicates: { type: 'string', default: '0.1' },
  oversize: { type: 'string', default: '3' },
  'events-file': { type: 'string' },
  'fifo-ingest': { type: 'boolean', default: false },
  seed: { type: 'string' },
  'fault-rate': { type: 'string', default: '0' },
  'fault-seed': { type: 'string', default: '1' },
  slow: { type: 'string', multiple: true, default: [] },
  fail: { type: 'string', multiple: true, default: [] },
  timeout: { type: 'string', default: '300' },
  verbose: { type: 'boolean', default: false },
} satisfies CliOptions;

async function main({ values }: CliArgs<typeof OPTIONS>): Promise<CliResult> {
  const count = Number(values.events);
  const duplicateRate = Number(values.duplicates);
  const timeoutSeconds = Number(values.timeout);
  if (!Number.isInteger(count) || count < 0) throw new UsageError('--events must be a whole number');
  if (!(duplicateRate >= 0 && duplicateRate <= 1))
    throw new UsageError('--duplicates must be between 0 and 1');
  const oversize = Number(values.oversize);
  if (!Number.isInteger(oversize) || oversize < 0) throw new UsageError('--oversize must be a whole number');
  const perMessage = Number(values.batch);
  if (!Number.isInteger(perMessage) || perMessage < 1 || perMessage > MAX_EVENTS_PER_MESSAGE)
    throw new UsageError(`--batch must be a whole number from 1 to ${MAX_EVENTS_PER_MESSAGE}`);
  if (!(timeoutSeconds > 0)) throw new UsageError('--timeout must be a positive number of seconds');
  const faultRate = Number(values['fault-rate']);
  const faultSeed = Number(values['fault-seed']);
  if (!(faultRate >= 0 && faultRate < 1)) throw new UsageError('--fault-rate must be at least 0 and below 1');
  if (!Number.isInteger(faultSeed)) throw new UsageError('--fault-seed must be a whole number');
  const destinationFaults = [
    ...values.slow.map((spec) => parseFaultOption('slow', spec)),
    ...values.fail.map((spec) => parseFaultOption('fail', spec)),
  ];
  const workspaceCount = Number(values.workspaces);
  if (!Number.isInteger(workspaceCount) || workspaceCount < 1 || workspaceCount > 20)
    throw new UsageError('--workspaces must be a whole number from 1 to 20');
  const workspaces = Array.from({ length: workspaceCount }, (_, i) => workspaceId(i + 1));
  const known = Object.values(DESTINATION_IDS) as string[];
  const unknown = destinationFaults.find((f) => {
    const [first, second] = f.destinationId.split('/');
    return second === undefined
      ? !known.includes(first)
      : !workspaces.includes(first) || !known.includes(second);
  });
  if (unknown)
    throw new UsageError(
      `no destination "${unknown.destinationId}": use ${known.join(', ')}, or WORKSPACE/DEST with a workspace up to ${workspaces.at(-1)}`,
    );
  const random = seededRandom(values.seed ? Number(values.seed) : Date.now());
  // Everything but the --json report goes to stderr.
  const say = (line: string) => process.stderr.write(`${line}\n`);

  // Batched (with --batch) before duplicates: a duplicate is a whole message sent again.
  const bodies = values['events-file']
    ? batchBodies(
        readFileSync(values['events-file'], 'utf8')
          .split(/\r?\n/)
          .filter((line) => line.trim() !== ''),
        perMessage,
      )
    : withDuplicates(
        batchBodies(
          withOversize(
            generateEvents(count, { random, workspaces, consent: !values['plain-destinations'] }),
            oversize,
            random,
          ),
          perMessage,
        ),
        duplicateRate,
        random,
      );

  const started = Date.now();
  const pipeline = await LocalPipeline.start({
    workspaces: workspaceCount,
    ...(!values['plain-destinations'] && {
      configure: (_workspace, provisioned) => withExampleMappings(provisioned),
    }),
    fifoIngestQueue: values['fifo-ingest'],
    ...(faultRate > 0 && { faults: { rate: faultRate, seed: faultSeed } }),
    destinationFaults,
    logLevel: values.verbose ? 'INFO' : 'SILENT',
    log: say,
  });
  try {
    const events = bodies.reduce((sum, body) => sum + eventCountOf(body), 0);
    say(`sending ${bodies.length} messages (${events} events) to ${pipeline.resources.ingestQueue.url}`);
    const queueUrl = pipeline.resources.ingestQueue.url;
    let batches = 0;
    // Batched messages go one a call, each paced: their events arrive together, and the emulator
    // slows with what is queued (a burst of 1,000 events times out calls and opens circuits).
    const eventsPerMessage = events / Math.max(bodies.length, 1);
    const batched = eventsPerMessage > 1;
    const summary = await sendBodies(pipeline.producer, queueUrl, bodies, {
      onProgress: progressBar('sent'),
      ...(batched && { messagesPerCall: 1 }),
      // The emulator's SQS scans the whole queue on every call: keep every queue shallow.
      pace: async () => {
        batches += 1;
        if (!batched && batches % 5 !== 0) return;
        while ((await pipeline.backlog(eventsPerMessage)) > MAX_BACKLOG) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
    });
    say('waiting for the pipeline to drain');
    const drained = await drain(pipeline, timeoutSeconds * 1000, say);
    if (!drained) say(`not drained after ${timeoutSeconds} s: reporting what arrived`);
    const report = await pipeline.report({ bodies, sent: summary, startedAt: started });
    return {
      json: report,
      text: formatReport(report),
      textTo: 'stderr',
      exitCode: report.verdict.startsWith('PASS') ? 0 : 1,
    };
  } finally {
    await pipeline.stop();
  }
}

/** How often the demo says how far draining got. */
const DRAIN_PROGRESS_MS = 5_000;

/**
 * Waits for the pipeline to drain, saying every few seconds on stderr how far it got: on a loaded
 * machine draining takes minutes, and silence looks like a hang.
 */
async function drain(pipeline: LocalPipeline, timeoutMs: number, say: (line: string) => void) {
  const started = Date.now();
  const drained = pipeline.waitUntilDrained(timeoutMs);
  const done = drained.then(() => true);
  // Unreferenced: once drained, a pending tick must not keep the process waiting.
  while (!(await Promise.race([done, sleep(DRAIN_PROGRESS_MS, false, { ref: false })]))) {
    const backlog = await pipeline.backlog();
    const sum = (counts: Iterable<number>) => [...counts].reduce((a, b) => a + b, 0);
    const delivered = sum(pipeline.gateway.delivered.values());
    const processed = sum([...pipeline.ledger.processed.values()].map((events) => events.size));
    say(
      `draining (${Math.round((Date.now() - started) / 1000)} s): ${delivered} events delivered to destinations, ${processed} processed by consumers, ${backlog} still queued`,
    );
  }
  return drained;
}

function parseFaultOption(option: 'slow' | 'fail', spec: string): DestinationFault {
  try {
    return parseDestinationFault(option, spec);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const CLI: Cli<typeof OPTIONS> = { name: 'demo', help: HELP, json: true, options: OPTIONS, main };

if (require.main === module) void runCli(CLI);
