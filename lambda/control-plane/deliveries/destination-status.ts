import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DestinationStatus } from './health';

/** BatchGetItem takes at most this many keys per call. */
const MAX_KEYS = 100;

/** A status table item (see `DynamoDbDisabledDestinations`) as its figures. */
export function statusOf(item: Record<string, AttributeValue>): DestinationStatus {
  const ms = (value: AttributeValue | undefined) => (value?.N ? Number(value.N) : null);
  return {
    failingSince: ms(item.failing_since),
    lastFailureAt: ms(item.last_failure_at),
    lastErrorCode: item.last_error_code?.S ?? null,
    disabledAt: ms(item.disabled_at),
    disabledReason: item.disabled_reason?.S ?? null,
  };
}

/**
 * The status table's items of these destinations (`workspace/destination`), read by key only:
 * a destination with no item has never failed for long. Keys the table leaves unprocessed are
 * asked again, a few times.
 */
export async function readDestinationStatuses(
  dynamodb: DynamoDBClient,
  tableName: string,
  keys: readonly string[],
): Promise<Map<string, DestinationStatus>> {
  const statuses = new Map<string, DestinationStatus>();
  for (let i = 0; i < keys.length; i += MAX_KEYS) {
    let pending: Record<string, AttributeValue>[] = keys
      .slice(i, i + MAX_KEYS)
      .map((key) => ({ destination_id: { S: key } }));
    for (let round = 0; round < 4 && pending.length > 0; round++) {
      const { Responses, UnprocessedKeys } = await dynamodb.send(
        new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending } } }),
      );
      for (const item of Responses?.[tableName] ?? []) {
        const key = item.destination_id?.S;
        if (key) statuses.set(key, statusOf(item));
      }
      pending = UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return statuses;
}
