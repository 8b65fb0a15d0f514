import type { MessageAttributeValue, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { FIRST_ATTEMPT_AT_ATTRIBUTE, RETRY_ATTEMPT_ATTRIBUTE, readAttempt } from './retry';
import { sendMessages } from './send-messages';

/**
 * Events one batch prepares at most. Producers' batched messages carry up to 1,000 events each,
 * so the event source mapping's batch size (records) no longer bounds a batch's events, and
 * with them its memory (about 4 KB per delivery, measured with `bench/poison-batch.ts --shape
 * batched`) and its time. Past this, the batch's later records are sent back to the ingest queue
 * as they came, which uses none of their attempts.
 */
export const MAX_EVENTS_PER_BATCH = 5_000;

/**
 * Sends records a batch deferred back to the ingest queue unchanged: same body, same attributes
 * (their attempt count carried over, receives included, so a record that keeps coming back still
 * ends within the retry policy's bound), in the same message group. Returns the message ids of
 * those that could not be sent: their records go back to the queue as batch item failures.
 */
export async function resendDeferred(
  records: readonly SQSRecord[],
  sqs: SQSClient,
  queueUrl: string,
): Promise<string[]> {
  if (records.length === 0) return [];
  const unsent = await sendMessages(sqs, queueUrl, records.map(toDeferredEntry));
  return [...unsent.keys()].map((index) => records[index].messageId);
}

function toDeferredEntry(record: SQSRecord): SendMessageBatchRequestEntry {
  const { attempt, firstAttemptAt } = readAttempt(record);
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    // The dispatcher reads string and number attributes only; a binary one is the producer's.
    if (value.stringValue !== undefined) {
      attributes[name] = { DataType: value.dataType, StringValue: value.stringValue };
    }
  }
  attributes[RETRY_ATTEMPT_ATTRIBUTE] = { DataType: 'Number', StringValue: String(attempt) };
  attributes[FIRST_ATTEMPT_AT_ATTRIBUTE] = { DataType: 'Number', StringValue: String(firstAttemptAt) };
  const group = record.attributes.MessageGroupId;
  return {
    Id: '0',
    MessageBody: record.body,
    MessageAttributes: attributes,
    ...(group && { MessageGroupId: group }),
  };
}
