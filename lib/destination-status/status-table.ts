import {
  type AttributeValue,
  type DynamoDBClient,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

/** What the dispatchers recorded about one destination in the DestinationStatusTable. */
export interface StatusRow {
  destinationId: string;
  failingSince: string | null;
  /** The latest failure report: a failure not reported for a while is over, and starts again. */
  lastFailureAt: string | null;
  lastErrorCode: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
}

const isoOrNull = (value: string | undefined) => (value ? new Date(Number(value)).toISOString() : null);

export async function listStatus(dynamodb: DynamoDBClient, tableName: string): Promise<StatusRow[]> {
  const rows: StatusRow[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
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
