import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The dead-letter store: each workspace's own dead letters, besides the operator's dead-letter
 * queue, for its customer to list, read and redrive through the API. One item per letter:
 *
 * | pk                   | sk                                  | what                                  |
 * | -------------------- | ----------------------------------- | ------------------------------------- |
 * | `workspace#<id>`     | `<epoch ms, 13 digits>-<message id>` | a letter: its reason, attributes, body |
 *
 * The sort key is the letter's id: sorted by time, then by the dead-letter queue's message id (the
 * same letter in the queue). Items expire (`expires_at`) when the queue forgets the letter.
 */
export const DEAD_LETTER_STORE_KEY = { partition: 'pk', sort: 'sk' } as const;

/** The TTL attribute: epoch seconds. */
export const DEAD_LETTER_EXPIRY_ATTRIBUTE = 'expires_at';

/** The dead-letter queue's retention (`IngestQueue.DEFAULTS.retentionPeriod`): a letter is kept as long. */
export const DEFAULT_DEAD_LETTER_RETENTION_SECONDS = 14 * 86_400;

/**
 * Bytes of a compressed body an item takes at most: DynamoDB's items take 400 KB, and the rest of
 * a letter (reason of 500 characters, targets of 1 KiB, ids) stays under 10 KB. A letter whose
 * body compresses to more stays in the operator's queue only.
 */
export const MAX_STORED_BODY_BYTES = 390_000;

const SQS_MESSAGE_ID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A letter's id: when it was written (epoch ms, 13 digits) and its message id in the dead-letter queue. */
export const LETTER_ID_PATTERN = new RegExp(`^\\d{13}-${SQS_MESSAGE_ID}$`);

export const SQS_MESSAGE_ID_PATTERN = new RegExp(`^${SQS_MESSAGE_ID}$`);

export const deadLetterPartition = (workspaceId: string): string => `workspace#${workspaceId}`;

export const letterId = (atMs: number, messageId: string): string =>
  `${String(Math.max(0, Math.floor(atMs))).padStart(13, '0')}-${messageId}`;

/** The first and last sort keys of letters written from `fromMs` to `toMs`, both included. */
export const letterIdBounds = (fromMs: number, toMs: number): { from: string; to: string } => ({
  from: String(Math.max(0, Math.floor(fromMs))).padStart(13, '0'),
  // '~' sorts after every character of a message id.
  to: `${String(Math.max(0, Math.floor(toMs))).padStart(13, '0')}-~`,
});

/** One dead letter of a workspace, as the store keeps it. */
export interface StoredDeadLetter {
  readonly workspaceId: string;
  /** `letterId(time, messageId)`. */
  readonly id: string;
  /** The dead-letter queue's message id. */
  readonly messageId: string;
  /** When it was dead-lettered (ISO 8601). */
  readonly at: string;
  readonly errorCode: string;
  /** Why, as the letter's `error_message`: names fields, rules and AWS error codes, never content. */
  readonly reason: string;
  readonly attempts: number;
  /** The destination it was not delivered to. */
  readonly destinationId?: string;
  /** The destinations a retry or redrive was going to, for a letter written before routing. */
  readonly targets?: readonly string[];
  /** The workspace version whose mapping the event had, and the dispatcher's pin of it. */
  readonly mappingVersion?: number;
  readonly mappingPin?: string;
  /** Its message group in a FIFO dead-letter queue. */
  readonly messageGroupId?: string;
  /** The event's `distinct_id`, when its body has one. */
  readonly distinctId?: string;
  /** When the store forgets it (epoch seconds): when the dead-letter queue does. */
  readonly expiresAt: number;
  /** The original ingest body, unchanged; absent when the item was read without it. */
  readonly body?: string;
}

/** The attributes read to list letters: everything but the body. */
export const SUMMARY_ATTRIBUTES = [
  'sk',
  'at',
  'error_code',
  'reason',
  'attempts',
  'destination_id',
  'target_destinations',
  'mapping_version',
  'mapping_pin',
  'message_group',
  'distinct_id',
  DEAD_LETTER_EXPIRY_ATTRIBUTE,
] as const;

/**
 * The letter as an item, its body compressed (JSON events shrink several times, and on-demand
 * writes are billed per KB); undefined when the body is too large for an item even so.
 */
export function toDeadLetterItem(letter: StoredDeadLetter): Record<string, AttributeValue> | undefined {
  const body = gzipSync(Buffer.from(letter.body ?? '', 'utf8'));
  if (body.length > MAX_STORED_BODY_BYTES) return undefined;
  return {
    pk: { S: deadLetterPartition(letter.workspaceId) },
    sk: { S: letter.id },
    at: { S: letter.at },
    error_code: { S: letter.errorCode },
    reason: { S: letter.reason },
    attempts: { N: String(letter.attempts) },
    ...(letter.destinationId && { destination_id: { S: letter.destinationId } }),
    // A list: kept in order, and `contains` matches a whole id (a string would match part of one).
    ...(letter.targets &&
      letter.targets.length > 0 && { target_destinations: { L: letter.targets.map((S) => ({ S })) } }),
    ...(letter.mappingVersion !== undefined && { mapping_version: { N: String(letter.mappingVersion) } }),
    ...(letter.mappingPin && { mapping_pin: { S: letter.mappingPin } }),
    ...(letter.messageGroupId && { message_group: { S: letter.messageGroupId } }),
    ...(letter.distinctId && { distinct_id: { S: letter.distinctId } }),
    [DEAD_LETTER_EXPIRY_ATTRIBUTE]: { N: String(letter.expiresAt) },
    body: { B: body },
  };
}

/** An item of `workspaceId`'s partition as a letter (with its body when the item has it). */
export function fromDeadLetterItem(
  workspaceId: string,
  item: Record<string, AttributeValue>,
): StoredDeadLetter {
  const id = item.sk?.S ?? '';
  const mappingVersion = item.mapping_version?.N;
  const targets = item.target_destinations?.L?.flatMap((value) => (value.S ? [value.S] : []));
  return {
    workspaceId,
    id,
    messageId: id.slice(14),
    at: item.at?.S ?? new Date(Number(id.slice(0, 13))).toISOString(),
    errorCode: item.error_code?.S ?? '',
    reason: item.reason?.S ?? '',
    attempts: Number(item.attempts?.N ?? 0),
    ...(item.destination_id?.S && { destinationId: item.destination_id.S }),
    ...(targets && targets.length > 0 && { targets }),
    ...(mappingVersion !== undefined && { mappingVersion: Number(mappingVersion) }),
    ...(item.mapping_pin?.S && { mappingPin: item.mapping_pin.S }),
    ...(item.message_group?.S && { messageGroupId: item.message_group.S }),
    ...(item.distinct_id?.S && { distinctId: item.distinct_id.S }),
    expiresAt: Number(item[DEAD_LETTER_EXPIRY_ATTRIBUTE]?.N ?? 0),
    ...(item.body?.B && { body: gunzipSync(item.body.B).toString('utf8') }),
  };
}

/**
 * The letter's attributes as the dead-letter queue holds them (`toDeadLetterEntry`): what a
 * redrive reads, so the API's redrive sends what `npm run redrive` would.
 */
export function queuedAttributes(letter: StoredDeadLetter): Record<string, string | undefined> {
  return {
    error_code: letter.errorCode,
    error_message: letter.reason,
    attempts: String(letter.attempts),
    workspace_id: letter.workspaceId,
    ...(letter.destinationId && { destination_id: letter.destinationId }),
    ...(letter.targets && { target_destinations: letter.targets.join(',') }),
    ...(letter.mappingVersion !== undefined && { mapping_version: String(letter.mappingVersion) }),
    ...(letter.mappingPin && { mapping_pin: letter.mappingPin }),
  };
}
