#!/usr/bin/env node
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { enableDestination, listStatus } from '../lib/destination-status/status-table';
import { type Cli, type CliArgs, type CliOptions, type CliResult, runCli, UsageError } from './cli-kit';

export const HELP = `npm run destination-status -- COMMAND [options]

Shows and changes what the dispatcher knows about each destination across its execution
environments: since when a destination has failed every call (its circuit open), and whether it
is disabled (after DISABLE_AFTER_HOURS of that, default 24), when and why. A disabled
destination's events are dead-lettered with DestinationDisabled until it is re-enabled.

Commands:
  list                 every destination with a status: failing since, last error, disabled
  enable DESTINATION   re-enable a disabled destination (and forget its failing time); then
                       redrive its dead letters:
                       npm run redrive -- --queue-url DLQ_URL --destination DESTINATION --error-code DestinationDisabled

Options:
  --table NAME         the status table (the platform stack's DestinationStatusTable output;
                       default: DESTINATION_STATUS_TABLE)
  --json               print JSON
  --help               this text

Works against AWS with your usual credentials, and against the local platform with AWS_ENDPOINT_URL.
Exit status: 0 done, 1 failed, 2 usage.`;

export const OPTIONS = { table: { type: 'string' } } satisfies CliOptions;

async function main({ values, positionals }: CliArgs<typeof OPTIONS>): Promise<CliResult> {
  const tableName = values.table ?? process.env.DESTINATION_STATUS_TABLE;
  if (!tableName) throw new UsageError('--table is required (or set DESTINATION_STATUS_TABLE)');
  const [command, destinationId, ...rest] = positionals;
  const dynamodb = new DynamoDBClient({});
  if (command === 'list' && !destinationId) {
    const rows = await listStatus(dynamodb, tableName);
    return {
      json: rows,
      text:
        rows.length === 0
          ? 'no destination has failed for long: all enabled'
          : rows
              .map(
                (r) =>
                  `${r.destinationId}: ${r.disabledAt ? `DISABLED at ${r.disabledAt} (${r.disabledReason})` : 'enabled'}${r.failingSince ? `; failing since ${r.failingSince} (last error ${r.lastErrorCode} at ${r.lastFailureAt})` : ''}`,
              )
              .join('\n'),
    };
  }
  if (command === 'enable' && destinationId && rest.length === 0) {
    const wasDisabled = await enableDestination(dynamodb, tableName, destinationId);
    return {
      json: { destinationId, enabled: true, wasDisabled },
      text: wasDisabled
        ? `${destinationId} enabled: dispatchers deliver to it again within a minute. Redrive its DestinationDisabled dead letters.`
        : `${destinationId} was not disabled; its failing time is cleared.`,
    };
  }
  throw new UsageError(
    command ? `unknown command or arguments: ${positionals.join(' ')}` : 'no command given',
  );
}

export const CLI: Cli<typeof OPTIONS> = {
  name: 'destination-status',
  help: HELP,
  json: true,
  positionals: true,
  options: OPTIONS,
  main,
};

if (require.main === module) void runCli(CLI);
