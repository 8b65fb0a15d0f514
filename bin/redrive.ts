#!/usr/bin/env node
import { ListDeadLetterSourceQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type RedriveOptions, redrive } from '../lib/dead-letters/redrive';
import { progressBar } from '../local/send-events';
import { type Cli, type CliArgs, type CliOptions, type CliResult, runCli, UsageError } from './cli-kit';

export const HELP = `npm run redrive -- --queue-url DLQ_URL [options]

Moves dead letters back to the ingest queue so the dispatcher delivers them again. Bodies are
sent unchanged, so each event keeps its distinct_id and consumers still deduplicate. A dead
letter of one destination goes back to that destination only (a retry's letter written before
routing, to the destinations the retry was going to), with the mapping version it had. Letters
not selected stay in the dead-letter queue.

  --queue-url URL      the dead-letter queue (the platform stack's DeadLetterQueueUrl)  [required]
  --to-queue-url URL   where to send them (default: the queue whose redrive policy names the DLQ)
  --error-code CODE    only dead letters with this error_code (e.g. AccessDenied)
  --workspace ID       only dead letters of this workspace
  --destination ID     only dead letters of this destination_id (in any workspace), or of
                       WORKSPACE/DESTINATION
  --dry-run            count what would move, move nothing
  --region REGION      AWS region (default: from the queue URL, else AWS_REGION)
  --json               print the summary as JSON
  --help               this text

Exit status: 0 done, 1 some letters could not be sent (they stay), 2 usage.`;

export const OPTIONS = {
  'queue-url': { type: 'string' },
  'to-queue-url': { type: 'string' },
  'error-code': { type: 'string' },
  workspace: { type: 'string' },
  destination: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  region: { type: 'string' },
} satisfies CliOptions;

async function main({ values }: CliArgs<typeof OPTIONS>): Promise<CliResult> {
  const deadLetterQueueUrl = values['queue-url'];
  if (!deadLetterQueueUrl) throw new UsageError('--queue-url is required');
  const region =
    values.region ??
    /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(deadLetterQueueUrl)?.[1] ??
    process.env.AWS_REGION;
  // The endpoint as configured (AWS_ENDPOINT_URL locally), not the queue URL's host: the same in AWS.
  const sqs = new SQSClient({ ...(region && { region }), useQueueUrlAsEndpoint: false });

  let ingestQueueUrl = values['to-queue-url'];
  if (!ingestQueueUrl) {
    const { queueUrls = [] } = await sqs.send(
      new ListDeadLetterSourceQueuesCommand({ QueueUrl: deadLetterQueueUrl }),
    );
    if (queueUrls.length !== 1) {
      throw new UsageError(
        `found ${queueUrls.length} queues using this dead-letter queue; name the ingest queue with --to-queue-url`,
      );
    }
    ingestQueueUrl = queueUrls[0];
  }

  const dryRun = values['dry-run'];
  const bar = progressBar('looked at');
  const summary = await redrive(sqs, {
    deadLetterQueueUrl,
    ingestQueueUrl,
    errorCode: values['error-code'],
    ...scopeOf(values.workspace, values.destination),
    dryRun,
    onProgress: (looked) => bar(looked, looked),
  });
  return {
    json: { ...summary, dryRun, ingestQueueUrl },
    text: [
      `looked at ${summary.looked} dead letters; ${summary.selected} selected; ${dryRun ? 'would move' : 'moved'} ${dryRun ? summary.selected : summary.moved} to ${ingestQueueUrl}${summary.failed > 0 ? `; ${summary.failed} could not be sent and stay` : ''}`,
      ...Object.entries(summary.byReason).map(
        ([reason, count]) => `  ${String(count).padStart(6)}  ${reason}`,
      ),
    ].join('\n'),
    exitCode: summary.failed > 0 ? 1 : 0,
  };
}

export const CLI: Cli<typeof OPTIONS> = { name: 'redrive', help: HELP, json: true, options: OPTIONS, main };

if (require.main === module) void runCli(CLI);

/** `--workspace W` and `--destination D` or `--destination W/D`, as the options take them. */
function scopeOf(
  workspace: string | undefined,
  destination: string | undefined,
): Pick<RedriveOptions, 'workspaceId' | 'destinationId'> {
  const slash = destination?.indexOf('/') ?? -1;
  if (destination === undefined || slash < 0) return { workspaceId: workspace, destinationId: destination };
  const named = destination.slice(0, slash);
  if (workspace && workspace !== named)
    throw new UsageError(`--destination ${destination} is not in --workspace ${workspace}`);
  return { workspaceId: named, destinationId: destination.slice(slash + 1) };
}
