#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';

const HELP = `npm run destination-status -- COMMAND [options]

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

interface StatusRow {
  destinationId: string;
  failingSince: string | null;
  /** The latest failure report: a failure not reported for a while is over, and starts again. */
  lastFailureAt: string | null;
  lastErrorCode: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
}

class UsageError extends Error {}

const isoOrNull = (value: string | undefined) => (value ? new Date(Number(value)).toISOString() : null);

export async function listStatus(dynamodb: DynamoDBClient, tableName: string): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  let ExclusiveStartKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey }));
    for (const item of page.Items ?? []) {
      rows.push({
        destinationId: item.destination_id?.S ?? '',
        failingSince: isoOrNull(item.failing_since?.N),
        lastFailureAt: isoOrNull(item.last_failure_at?.N),
        lastErrorCode: item.last_error_code?.S ?? null,
        disabledAt: isoOrNull(item.disabled_at?.N),
        disabledReason: item.disabled_reason?.S ?? null,
      });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return rows.sort((a, b) => a.destinationId.localeCompare(b.destinationId));
}

/** Re-enables a destination; returns whether it was disabled. */
export async function enableDestination(
  dynamodb: DynamoDBClient,
  tableName: string,
  destinationId: string,
): Promise<boolean> {
  const { Attributes } = await dynamodb.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: { destination_id: { S: destinationId } },
      UpdateExpression:
        'REMOVE disabled_at, disabled_reason, failing_since, last_failure_at, last_error_code',
      ReturnValues: 'UPDATED_OLD',
    }),
  );
  return Boolean(Attributes?.disabled_at);
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      table: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const tableName = values.table ?? process.env.DESTINATION_STATUS_TABLE;
  if (!tableName) throw new UsageError('--table is required (or set DESTINATION_STATUS_TABLE)');
  const [command, destinationId, ...rest] = positionals;
  const dynamodb = new DynamoDBClient({});
  if (command === 'list' && !destinationId) {
    const rows = await listStatus(dynamodb, tableName);
    if (values.json) console.log(JSON.stringify(rows));
    else if (rows.length === 0) console.log('no destination has failed for long: all enabled');
    else
      for (const r of rows)
        console.log(
          `${r.destinationId}: ${r.disabledAt ? `DISABLED at ${r.disabledAt} (${r.disabledReason})` : 'enabled'}${r.failingSince ? `; failing since ${r.failingSince} (last error ${r.lastErrorCode} at ${r.lastFailureAt})` : ''}`,
        );
    return 0;
  }
  if (command === 'enable' && destinationId && rest.length === 0) {
    const wasDisabled = await enableDestination(dynamodb, tableName, destinationId);
    const result = { destinationId, enabled: true, wasDisabled };
    if (values.json) console.log(JSON.stringify(result));
    else
      console.log(
        wasDisabled
          ? `${destinationId} enabled: dispatchers deliver to it again within a minute. Redrive its DestinationDisabled dead letters.`
          : `${destinationId} was not disabled; its failing time is cleared.`,
      );
    return 0;
  }
  throw new UsageError(
    command ? `unknown command or arguments: ${positionals.join(' ')}` : 'no command given',
  );
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      const usage =
        error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      process.stderr.write(usage ? `${error.message}\n\n${HELP}\n` : `${error.name}: ${error.message}\n`);
      process.exit(usage ? 2 : 1);
    },
  );
}
