import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { batchWrite, type KeyedWrite } from '../../shared/batch-write';
import {
  letterId,
  SQS_MESSAGE_ID_PATTERN,
  type StoredDeadLetter,
  toDeadLetterItem,
} from '../../shared/dead-letter-store';
import { WORKSPACE_ID_PATTERN } from '../../shared/workspace-id';
import type { DeadLetter } from './dead-letter';

/** Where the dispatcher keeps each workspace's dead letters, besides the dead-letter queue. */
export interface DeadLetterStore {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** How long a letter is kept: the dead-letter queue's retention. */
  readonly retentionSeconds: number;
}

/**
 * Codes of letters whose workspace the dispatcher could not vouch for (none by that id, or the
 * registry unreadable): they stay in the operator's queue, never in a workspace's partition.
 */
const UNVOUCHED_WORKSPACE_CODES: ReadonlySet<string> = new Set(['WorkspaceNotFound', 'RegistryUnavailable']);

/** Whether a letter belongs to a workspace the dispatcher resolved (a letter of an invalid message has none). */
export function ofKnownWorkspace(letter: DeadLetter): letter is DeadLetter & { workspaceId: string } {
  return (
    letter.workspaceId !== undefined &&
    WORKSPACE_ID_PATTERN.test(letter.workspaceId) &&
    !UNVOUCHED_WORKSPACE_CODES.has(letter.errorCode)
  );
}

/**
 * A letter as the store keeps it, from what was sent to the dead-letter queue (its entry, and the
 * message id SQS gave it): the same body and attributes, so a redrive from either sends the same.
 */
export function toStoredLetter(
  letter: DeadLetter & { workspaceId: string },
  entry: SendMessageBatchRequestEntry,
  messageId: string | undefined,
  now: number,
  retentionSeconds: number,
): StoredDeadLetter {
  const attribute = (name: string) => entry.MessageAttributes?.[name]?.StringValue;
  // SQS gives UUIDs; should one not be, the letter still gets an id of its own.
  const queuedId = messageId && SQS_MESSAGE_ID_PATTERN.test(messageId) ? messageId : randomUUID();
  const mappingVersion = attribute('mapping_version');
  const targets = attribute('target_destinations');
  return {
    workspaceId: letter.workspaceId,
    id: letterId(now, queuedId),
    messageId: queuedId,
    at: new Date(now).toISOString(),
    errorCode: letter.errorCode,
    reason: attribute('error_message') ?? letter.errorCode,
    attempts: letter.attempts,
    ...(letter.destinationId && { destinationId: letter.destinationId }),
    ...(targets && { targets: targets.split(',') }),
    ...(mappingVersion !== undefined && { mappingVersion: Number(mappingVersion) }),
    ...(attribute('mapping_pin') && { mappingPin: attribute('mapping_pin') }),
    ...(entry.MessageGroupId && { messageGroupId: entry.MessageGroupId }),
    ...(letter.distinctId && { distinctId: letter.distinctId }),
    expiresAt: Math.floor(now / 1000) + retentionSeconds,
    body: entry.MessageBody ?? letter.body,
  };
}

export interface StoreOutcome {
  readonly stored: number;
  /** Letters not stored: too large for an item, or not written (`errors` says why). */
  readonly notStored: number;
  readonly tooLarge: number;
  /** Why the others were not written, by error name, with how many. */
  readonly errors: Readonly<Record<string, number>>;
}

/**
 * Writes a batch's letters to the store with BatchWriteItem (25 a call, unprocessed items retried
 * a bounded number of times). Never throws: every letter is in the dead-letter queue already, so
 * a letter the store misses is only missing from its customer's view, and is counted.
 */
export async function storeDeadLetters(
  store: DeadLetterStore,
  letters: readonly StoredDeadLetter[],
): Promise<StoreOutcome> {
  const writes: KeyedWrite[] = [];
  let tooLarge = 0;
  for (const letter of letters) {
    const item = toDeadLetterItem(letter);
    if (item) writes.push({ put: item });
    else tooLarge += 1;
  }
  const errors: Record<string, number> = {};
  if (writes.length > 0) {
    const { failed } = await batchWrite(store.dynamodb, store.tableName, writes);
    for (const reason of failed.values()) errors[reason] = (errors[reason] ?? 0) + 1;
    const notWritten = failed.size;
    return { stored: writes.length - notWritten, notStored: notWritten + tooLarge, tooLarge, errors };
  }
  return { stored: 0, notStored: tooLarge, tooLarge, errors };
}
