import { createHash } from 'node:crypto';
import type { MessageAttributeValue, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { DestinationType } from '../../shared/destination-config';
import type { ErrorCode } from '../errors';
import { MAPPING_PIN_ATTRIBUTE } from '../prepare/mapping-pins';
import { MAX_TARGETS_ATTRIBUTE_BYTES, TARGET_DESTINATIONS_ATTRIBUTE } from '../prepare/route';
import { sendMessages } from './send-messages';

/** An ingest message that will not be delivered to one destination (or to any, when it is invalid). */
export interface DeadLetter {
  /** The original SQS body, unchanged, so it can be redriven as it was. */
  readonly body: string;
  readonly sourceMessageId: string;
  readonly errorCode: ErrorCode;
  /** Names fields, rules and AWS error codes only: never event content. */
  readonly errorMessage: string;
  readonly destinationId?: string;
  /** The type of that destination, for metrics. */
  readonly destinationType?: DestinationType;
  readonly attempts: number;
  /** Message group of the source message on a FIFO ingest queue. */
  readonly messageGroupId?: string;
  /** The workspace version whose mapping the event had, and its pin: a redrive keeps both. */
  readonly mappingVersion?: number;
  readonly mappingPin?: string;
  /**
   * The destinations a retry or redrive was still going to, for a letter written before routing
   * (invalid, unknown workspace…): a redrive sends it back to them alone, not to all.
   */
  readonly targets?: readonly string[];
  /** The event's workspace and distinct id, when its body says: logged for the trace. */
  readonly workspaceId?: string;
  readonly distinctId?: string;
}

export interface DeadLetterQueue {
  readonly url: string;
  readonly fifo: boolean;
}

/** Characters of a reason a dead letter carries: with the other attributes, within `DEAD_LETTER_ATTRIBUTE_BUDGET`. */
export const MAX_REASON_CHARACTERS = 500;

/**
 * A dead letter's SQS entry. Its attributes stay within `DEAD_LETTER_ATTRIBUTE_BUDGET` by
 * construction (the reason truncated, the target list bounded, ids bounded by their rules), so
 * a letter of any message the ingest queue takes fits the dead-letter queue.
 */
export function toDeadLetterEntry(letter: DeadLetter, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {
    error_code: { DataType: 'String', StringValue: letter.errorCode },
    error_message: { DataType: 'String', StringValue: truncate(letter.errorMessage || letter.errorCode) },
    attempts: { DataType: 'Number', StringValue: String(letter.attempts) },
  };
  if (letter.destinationId)
    attributes.destination_id = { DataType: 'String', StringValue: letter.destinationId };
  if (letter.mappingVersion !== undefined)
    attributes.mapping_version = { DataType: 'Number', StringValue: String(letter.mappingVersion) };
  if (letter.mappingVersion !== undefined && letter.mappingPin)
    attributes[MAPPING_PIN_ATTRIBUTE] = { DataType: 'String', StringValue: letter.mappingPin };
  if (letter.workspaceId) attributes.workspace_id = { DataType: 'String', StringValue: letter.workspaceId };
  const targets = letter.targets?.join(',') ?? '';
  if (
    !letter.destinationId &&
    targets.length > 0 &&
    Buffer.byteLength(targets) <= MAX_TARGETS_ATTRIBUTE_BYTES
  )
    attributes[TARGET_DESTINATIONS_ATTRIBUTE] = { DataType: 'String', StringValue: targets };
  const entry: SendMessageBatchRequestEntry = {
    Id: '0',
    MessageBody: letter.body,
    MessageAttributes: attributes,
  };
  if (fifo) {
    entry.MessageGroupId = deadLetterGroup(letter);
    entry.MessageDeduplicationId = createHash('sha256')
      // The body too: a producer's batched message is many events, each dead-lettered alone.
      .update(`${letter.sourceMessageId}\n${letter.destinationId ?? ''}\n${letter.errorCode}\n${letter.body}`)
      .digest('hex');
  }
  return entry;
}

/**
 * Writes dead letters. Returns the letters that could not be written, by index, with the error
 * code: their source messages must be reported as failed so that nothing is lost.
 */
export function sendDeadLetters(
  sqs: SQSClient,
  queue: DeadLetterQueue,
  letters: readonly DeadLetter[],
  /** Filled with each written letter's message id in the queue, by index. @default not collected */
  sentIds?: Map<number, string>,
): Promise<Map<number, string>> {
  return sendMessages(
    sqs,
    queue.url,
    letters.map((letter) => toDeadLetterEntry(letter, queue.fifo)),
    sentIds,
  );
}

/** A reason cut to `MAX_REASON_CHARACTERS`, never through a surrogate pair. */
function truncate(reason: string): string {
  if (reason.length <= MAX_REASON_CHARACTERS) return reason;
  return `${reason.slice(0, MAX_REASON_CHARACTERS - 1).replace(/[\uD800-\uDBFF]$/, '')}…`;
}

/**
 * A FIFO dead letter's message group: its source's group, hashed (a producer's group holds a
 * visitor id, and message groups are not encrypted), after its workspace, so letters keep their
 * order per group and a redrive keeps groups apart by workspace.
 */
function deadLetterGroup(letter: DeadLetter): string {
  if (!letter.messageGroupId) return 'dead-letters';
  const digest = createHash('sha256').update(letter.messageGroupId).digest('base64url');
  return `${letter.workspaceId ?? 'unknown'}:${digest}`;
}
