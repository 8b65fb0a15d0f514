#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { distinctIdHash } from '../lambda/shared/log-ids';
import { queryLogGroup, readLogFile } from '../lib/trace/log-sources';
import { type LogLine, type QueuedDeadLetter, renderTrace, traceEvent } from '../lib/trace/timeline';
import { redrive } from './redrive';

const HELP = `npm run trace -- --distinct-id ID [options]

Where did an event go? Tells an event's story as a timeline: each time the dispatcher received
it (attempt, redriven or not), each destination's outcome (delivered, deferred, failed with its
error code and what happens next, dead-lettered with its reason), and its letters in the
dead-letter queue now. It prints ids, destinations and error codes only, never event content.
The logs name an event by a hash of its workspace and distinct id (never the id itself): the
trace hashes the id you give, so a log group query needs the workspace.

Against AWS (the platform stack's outputs):
  npm run trace -- --distinct-id evt_123 --workspace ws-acme --log-group <DispatcherLogGroupName> --dlq-url <DeadLetterQueueUrl>
Against the local platform (npm run local prints both):
  npm run trace -- --distinct-id evt_123 --log-file <dispatcherLog> --dlq-url <deadLetterQueueUrl>

  --distinct-id ID     the event's event.distinct_id  [required]
  --workspace ID       only this workspace's event (ids may repeat across workspaces); required
                       with --log-group
  --since DURATION     how far back to look: 30m, 1h, 2d (default 1h; a Logs Insights query
                       is billed by the data it scans)
  --log-group NAME     the dispatcher's log group, read with CloudWatch Logs Insights
  --log-file PATH      the local platform's dispatcher log instead
  --dlq-url URL        the dead-letter queue, read and left as it was (optional)
  --json               the timeline as JSON
  --region REGION      AWS region (default: AWS_REGION)
  --help               this text`;

class UsageError extends Error {}

/** 30m, 1h, 2d → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(m|h|d)$/.exec(text.trim());
  if (!match) throw new UsageError(`--since must look like 30m, 1h or 2d, not "${text}"`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/**
 * Every letter in a dead-letter queue, each hidden for a moment while the queue is read and put
 * back at once (as `npm run redrive -- --dry-run` does): the queue is left as it was.
 */
export async function readDeadLetterQueue(
  sqs: SQSClient,
  queueUrl: string,
  visibilityTimeoutSeconds = 30,
): Promise<QueuedDeadLetter[]> {
  const letters: QueuedDeadLetter[] = [];
  await redrive(sqs, {
    deadLetterQueueUrl: queueUrl,
    ingestQueueUrl: queueUrl,
    dryRun: true,
    visibilityTimeoutSeconds,
    onLetter: (letter) =>
      letters.push({
        body: letter.Body ?? '',
        attributes: Object.fromEntries(
          Object.entries(letter.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
        ),
      }),
  });
  return letters;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'distinct-id': { type: 'string' },
      workspace: { type: 'string' },
      since: { type: 'string', default: '1h' },
      'log-group': { type: 'string' },
      'log-file': { type: 'string' },
      'dlq-url': { type: 'string' },
      json: { type: 'boolean', default: false },
      region: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const distinctId = values['distinct-id'];
  if (!distinctId) throw new UsageError('give the event: --distinct-id ID');
  if (Boolean(values['log-group']) === Boolean(values['log-file']))
    throw new UsageError('give where the dispatcher logs: --log-group NAME (AWS) or --log-file PATH (local)');
  const workspaceId = values.workspace;
  if (values['log-group'] && !workspaceId)
    throw new UsageError(
      'give the workspace with --log-group: the logs name events by a hash of workspace and id',
    );
  const sinceMs = Date.now() - parseDuration(values.since);
  const region = values.region ?? process.env.AWS_REGION;

  const lines: LogLine[] = values['log-file']
    ? readLogFile(values['log-file'], sinceMs)
    : await queryLogGroup(new CloudWatchLogsClient({ ...(region && { region }) }), {
        logGroupName: values['log-group'] as string,
        distinctIdHash: distinctIdHash(workspaceId as string, distinctId),
        sinceMs,
      });
  const deadLetters = values['dlq-url']
    ? await readDeadLetterQueue(
        new SQSClient({ ...(region && { region }), useQueueUrlAsEndpoint: false }),
        values['dlq-url'],
      )
    : [];
  const traces = traceEvent({ distinctId, workspaceId }, lines, deadLetters);
  process.stdout.write(values.json ? `${JSON.stringify(traces, null, 2)}\n` : renderTrace(traces));
  return traces.length > 0 ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(
        `${error instanceof UsageError ? `${error.message}\n\n${HELP}` : error.message}\n`,
      );
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
