import { createHash } from 'node:crypto';
import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunkByCountAndSize, runWithConcurrency, utf8Bytes } from './batching';
import type { ErrorCode } from './errors';

/** An ingest message that will not be delivered to one destination (or to any, when it is invalid). */
export interface DeadLetter {
  /** The original SQS body, unchanged, so it can be redriven as it was. */
  readonly body: string;
  readonly sourceMessageId: string;
  readonly errorCode: ErrorCode;
  /** Names fields, rules and AWS error codes only: never event content. */
  readonly errorMessage: string;
  readonly destinationId?: string;
  readonly attempts: number;
  /** Message group of the source message on a FIFO ingest queue. */
  readonly messageGroupId?: string;
}

export interface DeadLetterQueue {
  readonly url: string;
  readonly fifo: boolean;
}

const SQS_BATCH_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;
const CONCURRENT_CALLS = 4;

export function toDeadLetterEntry(letter: DeadLetter, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {
    error_code: { DataType: 'String', StringValue: letter.errorCode },
    error_message: { DataType: 'String', StringValue: letter.errorMessage || letter.errorCode },
    attempts: { DataType: 'Number', StringValue: String(letter.attempts) },
  };
  if (letter.destinationId)
    attributes.destination_id = { DataType: 'String', StringValue: letter.destinationId };
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
 * Writes dead letters with SendMessageBatch. Returns the letters that could not be written,
 * by index, with the error code: their source messages must be reported as failed so that
 * nothing is lost.
 */
export async function sendDeadLetters(
  sqs: SQSClient,
  queue: DeadLetterQueue,
  letters: readonly DeadLetter[],
): Promise<Map<number, string>> {
  const entries = letters.map((letter, index) => ({ index, entry: toDeadLetterEntry(letter, queue.fifo) }));
  const size = ({ entry }: (typeof entries)[number]) =>
    utf8Bytes(entry.MessageBody ?? '') + utf8Bytes(JSON.stringify(entry.MessageAttributes));
  const batches = chunkByCountAndSize(entries, size, SQS_BATCH_LIMITS);
  const unwritten = new Map<number, string>();

  await runWithConcurrency(
    batches.map((batch) => async () => {
      const request = batch.map(({ entry }, position) => ({ ...entry, Id: String(position) }));
      try {
        const response = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: request }),
        );
        const written = new Set((response.Successful ?? []).map((s) => s.Id));
        const failures = new Map((response.Failed ?? []).map((f) => [f.Id, f.Code ?? 'EntryFailed']));
        batch.forEach(({ index }, position) => {
          if (!written.has(String(position)))
            unwritten.set(index, failures.get(String(position)) ?? 'MissingEntryResult');
        });
      } catch (error) {
        const code = error instanceof Error ? error.name : 'UnknownError';
        for (const { index } of batch) unwritten.set(index, code);
      }
    }),
    CONCURRENT_CALLS,
  );
  return unwritten;
}
