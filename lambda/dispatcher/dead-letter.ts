import { createHash } from 'node:crypto';
import type { MessageAttributeValue, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { DestinationType } from '../shared/destination-config';
import type { ErrorCode } from './errors';
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
  /** The workspace version whose mapping the event had: a redrive keeps it. */
  readonly mappingVersion?: number;
  /** The event's workspace and distinct id, when its body says: logged for the trace. */
  readonly workspaceId?: string;
  readonly distinctId?: string;
}

export interface DeadLetterQueue {
  readonly url: string;
  readonly fifo: boolean;
}

export function toDeadLetterEntry(letter: DeadLetter, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {
    error_code: { DataType: 'String', StringValue: letter.errorCode },
    error_message: { DataType: 'String', StringValue: letter.errorMessage || letter.errorCode },
    attempts: { DataType: 'Number', StringValue: String(letter.attempts) },
  };
  if (letter.destinationId)
    attributes.destination_id = { DataType: 'String', StringValue: letter.destinationId };
  if (letter.mappingVersion !== undefined)
    attributes.mapping_version = { DataType: 'Number', StringValue: String(letter.mappingVersion) };
  const entry: SendMessageBatchRequestEntry = {
    Id: '0',
    MessageBody: letter.body,
    MessageAttributes: attributes,
  };
  if (fifo) {
    entry.MessageGroupId = letter.messageGroupId ?? 'dead-letters';
    entry.MessageDeduplicationId = createHash('sha256')
      .update(`${letter.sourceMessageId}\n${letter.destinationId ?? ''}\n${letter.errorCode}`)
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
): Promise<Map<number, string>> {
  return sendMessages(
    sqs,
    queue.url,
    letters.map((letter) => toDeadLetterEntry(letter, queue.fifo)),
  );
}
