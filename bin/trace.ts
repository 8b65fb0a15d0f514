#!/usr/bin/env node
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SQSClient } from '@aws-sdk/client-sqs';
import { readLogFile } from '../lambda/control-plane/deliveries/log-lines';
import { LogsQueryError, queryLogGroup } from '../lambda/control-plane/deliveries/logs-insights';
import { type LogLine, renderTrace, traceEvent } from '../lambda/control-plane/deliveries/timeline';
import { distinctIdHash } from '../lambda/shared/log-ids';
import { readDeadLetterQueue } from '../lib/dead-letters/read-queue';
import { type Cli, type CliArgs, type CliOptions, type CliResult, runCli, UsageError } from './cli-kit';

export const HELP = `npm run trace -- --distinct-id ID [options]

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
  --help               this text

Exit status: 0 traced, 1 no trace of the event (or a failure), 2 usage.`;

/** 30m, 1h, 2d → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(m|h|d)$/.exec(text.trim());
  if (!match) throw new UsageError(`--since must look like 30m, 1h or 2d, not "${text}"`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

export const OPTIONS = {
  'distinct-id': { type: 'string' },
  workspace: { type: 'string' },
  since: { type: 'string', default: '1h' },
  'log-group': { type: 'string' },
  'log-file': { type: 'string' },
  'dlq-url': { type: 'string' },
  region: { type: 'string' },
} satisfies CliOptions;

async function main({ values }: CliArgs<typeof OPTIONS>): Promise<CliResult> {
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
        workspaceId,
        sinceMs,
      }).catch((error: Error) => {
        if (error instanceof LogsQueryError && error.kind === 'timeout')
          throw new Error(`${error.message}: search a shorter --since`);
        throw error;
      });
  const deadLetters = values['dlq-url']
    ? await readDeadLetterQueue(
        new SQSClient({ ...(region && { region }), useQueueUrlAsEndpoint: false }),
        values['dlq-url'],
      )
    : [];
  const traces = traceEvent({ distinctId, workspaceId }, lines, deadLetters);
  return { json: traces, text: renderTrace(traces), exitCode: traces.length > 0 ? 0 : 1 };
}

export const CLI: Cli<typeof OPTIONS> = { name: 'trace', help: HELP, json: true, options: OPTIONS, main };

if (require.main === module) void runCli(CLI);
