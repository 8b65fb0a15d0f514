import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunkByCountAndSize, runWithConcurrency, utf8Bytes } from '../batching';

const SQS_BATCH_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;
const CONCURRENT_CALLS = 4;

/**
 * Sends messages with SendMessageBatch (10 and 256 KiB per call). Returns the messages that
 * could not be sent, by index, with the error code: their sources must not be acknowledged.
 */
export async function sendMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly SendMessageBatchRequestEntry[],
  /** Filled with the SQS message id of each message sent, by index. @default not collected */
  sentIds?: Map<number, string>,
): Promise<Map<number, string>> {
  const entries = messages.map((entry, index) => ({ index, entry }));
  const size = ({ entry }: (typeof entries)[number]) =>
    utf8Bytes(entry.MessageBody ?? '') + utf8Bytes(JSON.stringify(entry.MessageAttributes ?? {}));
  const unsent = new Map<number, string>();

  await runWithConcurrency(
    chunkByCountAndSize(entries, size, SQS_BATCH_LIMITS).map((batch) => async () => {
      const request = batch.map(({ entry }, position) => ({ ...entry, Id: String(position) }));
      try {
        const response = await sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: request }),
        );
        const sent = new Map((response.Successful ?? []).map((s) => [s.Id, s.MessageId]));
        const failures = new Map((response.Failed ?? []).map((f) => [f.Id, f.Code ?? 'EntryFailed']));
        batch.forEach(({ index }, position) => {
          if (!sent.has(String(position)))
            unsent.set(index, failures.get(String(position)) ?? 'MissingEntryResult');
          else {
            const messageId = sent.get(String(position));
            if (messageId) sentIds?.set(index, messageId);
          }
        });
      } catch (error) {
        const code = error instanceof Error ? error.name : 'UnknownError';
        for (const { index } of batch) unsent.set(index, code);
      }
    }),
    CONCURRENT_CALLS,
  );
  return unsent;
}
