#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MAX_EVENTS_PER_MESSAGE } from '../lambda/shared/ingest-batch';
import {
  batchBodies,
  type EventIds,
  eventCountOf,
  eventIdsOf,
  progressBar,
  sendBodies,
} from '../local/send-events';
import { generateEvents, seededRandom, withDuplicates, withOversize } from '../local/test-events';
import { type Cli, type CliArgs, type CliOptions, type CliResult, runCli, UsageError } from './cli-kit';

export const HELP = `npm run send-test-events -- --queue-url URL [options]

Sends test events to an ingest queue: a deployed one (credentials from the default AWS
credential chain: environment, profile, SSO…) or the local emulator's (set AWS_ENDPOINT_URL).
Messages go out with SendMessageBatch, 10 (and at most 1 MiB) per call; on a FIFO queue (URL
ending in .fifo) each message is grouped by workspace_id:visitor_id, a batched message by
workspace_id:batched. It prints the distinct_id and visitor_id of the first events sent (--json:
every one), for npm run trace -- --distinct-id.

  --queue-url URL      the ingest queue (the platform stack's IngestQueueUrl output)   [required]
  --workspace ID       the workspace generated events belong to (workspace_id); repeat to
                       spread them over several (default workspace-1)
  --count N            events to generate: several visitors, several event names,
                       distinct ids (default 10)
  --file FILE          send these JSON lines instead, exactly as written but for --batch (blank
                       lines skipped); each names its own workspace_id; a line may be a batched message
                       ({"workspace_id": …, "events": [{"event": …, "visitor": …}, …]})
  --batch N            events per message, 1 to ${MAX_EVENTS_PER_MESSAGE} (default 1: one event per message):
                       generated events and --file's single messages go N to a batched message
                       of their workspace, within 1 MiB; --file's batched lines go as they are
  --duplicates RATE    share of messages sent a second time, whole (with --batch, every event of
                       the message), to exercise deduplication (default 0)
  --oversize N         generated events made 300 KB larger, past SNS's 256 KiB: offloaded where the
                       destination has offloadOversize, else dead-lettered with PayloadTooLarge (default 0)
  --region REGION      AWS region (default: from the queue URL, else AWS_REGION)
  --seed N             seed for generated events and duplicates
  --json               print the summary as JSON, with every event's ids
  --help               this text

Exit status: 0 all sent, 1 some refused by the queue (or a failure), 2 usage.`;

export const OPTIONS = {
  'queue-url': { type: 'string' },
  workspace: { type: 'string', multiple: true, default: ['workspace-1'] },
  count: { type: 'string', default: '10' },
  file: { type: 'string' },
  batch: { type: 'string', default: '1' },
  duplicates: { type: 'string', default: '0' },
  oversize: { type: 'string', default: '0' },
  region: { type: 'string' },
  seed: { type: 'string' },
} satisfies CliOptions;

async function main({ values }: CliArgs<typeof OPTIONS>): Promise<CliResult> {
  const queueUrl = values['queue-url'];
  const count = Number(values.count);
  const rate = Number(values.duplicates);
  if (!queueUrl) throw new UsageError('--queue-url is required');
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError('--count must be a whole number of at least 1');
  if (!(rate >= 0 && rate <= 1)) throw new UsageError('--duplicates must be between 0 and 1');
  const oversize = Number(values.oversize);
  if (!Number.isInteger(oversize) || oversize < 0) throw new UsageError('--oversize must be a whole number');
  const perMessage = Number(values.batch);
  if (!Number.isInteger(perMessage) || perMessage < 1 || perMessage > MAX_EVENTS_PER_MESSAGE)
    throw new UsageError(`--batch must be a whole number from 1 to ${MAX_EVENTS_PER_MESSAGE}`);

  const random = seededRandom(values.seed ? Number(values.seed) : Date.now());
  const events = values.file
    ? readFileSync(values.file, 'utf8')
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '')
    : withOversize(generateEvents(count, { random, workspaces: values.workspace }), oversize, random);
  const messages = batchBodies(events, perMessage);
  const bodies = withDuplicates(messages, rate, random);
  const region =
    values.region ?? /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(queueUrl)?.[1] ?? process.env.AWS_REGION;
  // The endpoint as configured (AWS_ENDPOINT_URL locally), not the queue URL's host: the same in AWS.
  const sqs = new SQSClient({ ...(region && { region }), useQueueUrlAsEndpoint: false });

  const started = Date.now();
  const summary = await sendBodies(sqs, queueUrl, bodies, { onProgress: progressBar('sending') });
  const seconds = (Date.now() - started) / 1000;
  const refused: Record<string, number> = {};
  for (const { code } of summary.rejected) refused[code] = (refused[code] ?? 0) + 1;
  const eventIds = eventIdsOf(summary.firstSentAt.keys());
  const eventCount = counter();
  const uniqueEvents = messages.reduce((sum, body) => sum + eventCount(body), 0);
  const refusedBodies = summary.rejected.map((r) => r.body);
  const eventsSent =
    bodies.reduce((sum, body) => sum + eventCount(body), 0) -
    refusedBodies.reduce((sum, body) => sum + eventCount(body), 0);
  const duplicates = bodies.length - messages.length;
  return {
    json: {
      sent: summary.sent,
      messages: bodies.length,
      events: uniqueEvents,
      eventsSent,
      duplicates,
      seconds,
      refused,
      eventIds,
    },
    text: [
      `sent ${summary.sent} of ${bodies.length} messages, ${eventsSent} events (${uniqueEvents} events in ${messages.length} messages${perMessage > 1 ? `, up to ${perMessage} per message` : ''}; ${duplicates} message${duplicates === 1 ? '' : 's'} sent twice) in ${seconds.toFixed(1)} s`,
      ...describeIds(eventIds),
      ...(summary.rejected.length > 0
        ? [
            `refused by the queue: ${Object.entries(refused)
              .map(([code, n]) => `${n} × ${code}`)
              .join(', ')}`,
          ]
        : []),
    ].join('\n'),
    exitCode: summary.rejected.length > 0 ? 1 : 0,
  };
}

/** Events per body, each body read once (a duplicate is the same text). */
function counter(): (body: string) => number {
  const counts = new Map<string, number>();
  return (body) => {
    let count = counts.get(body);
    if (count === undefined) {
      count = eventCountOf(body);
      counts.set(body, count);
    }
    return count;
  };
}

/** The first few ids, and how to follow an event: enough to copy into npm run trace. */
function describeIds(eventIds: readonly EventIds[]): string[] {
  const [first] = eventIds;
  if (!first) return [];
  const some = (ids: readonly string[]) => {
    const unique = [...new Set(ids)];
    return `${unique.slice(0, 3).join(', ')}${unique.length > 3 ? ` and ${unique.length - 3} more` : ''}`;
  };
  return [
    `distinct_id: ${some(eventIds.map((e) => e.distinctId))}; visitor_id: ${some(eventIds.map((e) => e.visitorId))}; workspace: ${some(eventIds.map((e) => e.workspaceId))} (every one: --json)`,
    `follow one: npm run trace -- --distinct-id ${first.distinctId} --workspace ${first.workspaceId} --log-file <dispatcherLog> (or --log-group <DispatcherLogGroupName>)`,
  ];
}

export const CLI: Cli<typeof OPTIONS> = {
  name: 'send-test-events',
  help: HELP,
  json: true,
  options: OPTIONS,
  main,
};

if (require.main === module) void runCli(CLI);
