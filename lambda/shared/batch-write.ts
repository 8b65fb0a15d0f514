import { type AttributeValue, BatchWriteItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** DynamoDB's BatchWriteItem takes 25 puts or deletes per call. */
const ITEMS_PER_CALL = 25;

export interface BatchWriteOptions {
  /** Calls per chunk: the first and the retries of what DynamoDB left unprocessed. @default 4 */
  readonly maxAttempts?: number;
  /** Wait before the first retry, doubled each time after. @default 25 ms */
  readonly baseDelayMs?: number;
  /** Chunks written at once. @default 4 */
  readonly concurrency?: number;
}

export interface BatchWriteResult {
  /** The requests not written, by index, with why: an error's name, or `Unprocessed` after the retries. */
  readonly failed: ReadonlyMap<number, string>;
}

/** A put or a delete of one item, keyed `pk`/`sk`. */
export type KeyedWrite =
  | { readonly put: Record<string, AttributeValue> }
  | { readonly delete: { readonly pk: string; readonly sk: string } };

const keyOf = (write: KeyedWrite): string =>
  'put' in write ? `${write.put.pk?.S}\n${write.put.sk?.S}` : `${write.delete.pk}\n${write.delete.sk}`;

/**
 * Writes items with BatchWriteItem, 25 a call, retrying what DynamoDB leaves unprocessed
 * (throttling) a bounded number of times with a doubling wait. Never throws: what could not be
 * written is returned, for the caller to log and count.
 */
export async function batchWrite(
  dynamodb: DynamoDBClient,
  tableName: string,
  writes: readonly KeyedWrite[],
  options: BatchWriteOptions = {},
): Promise<BatchWriteResult> {
  const maxAttempts = options.maxAttempts ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 25;
  const failed = new Map<number, string>();
  const chunks: { index: number; write: KeyedWrite }[][] = [];
  writes.forEach((write, index) => {
    if (index % ITEMS_PER_CALL === 0) chunks.push([]);
    chunks[chunks.length - 1].push({ index, write });
  });
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const chunk = chunks[next++];
      let pending = chunk;
      for (let attempt = 1; pending.length > 0; attempt++) {
        try {
          const { UnprocessedItems } = await dynamodb.send(
            new BatchWriteItemCommand({
              RequestItems: {
                [tableName]: pending.map(({ write }) =>
                  'put' in write
                    ? { PutRequest: { Item: write.put } }
                    : {
                        DeleteRequest: { Key: { pk: { S: write.delete.pk }, sk: { S: write.delete.sk } } },
                      },
                ),
              },
            }),
          );
          const unprocessed = new Set(
            (UnprocessedItems?.[tableName] ?? []).map((request) =>
              request.PutRequest?.Item
                ? `${request.PutRequest.Item.pk?.S}\n${request.PutRequest.Item.sk?.S}`
                : `${request.DeleteRequest?.Key?.pk?.S}\n${request.DeleteRequest?.Key?.sk?.S}`,
            ),
          );
          pending = pending.filter(({ write }) => unprocessed.has(keyOf(write)));
        } catch (error) {
          for (const { index } of pending) failed.set(index, (error as Error)?.name ?? 'UnknownError');
          break;
        }
        if (pending.length === 0) break;
        if (attempt >= maxAttempts) {
          for (const { index } of pending) failed.set(index, 'Unprocessed');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, worker));
  return { failed };
}
