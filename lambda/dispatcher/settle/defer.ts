import type { MessageAttributeValue, SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { MAPPING_PIN_ATTRIBUTE } from '../prepare/mapping-pins';
import { TARGET_DESTINATIONS_ATTRIBUTE } from '../prepare/route';
import {
  FIRST_ATTEMPT_AT_ATTRIBUTE,
  LAST_ERROR_CODE_ATTRIBUTE,
  MAPPING_VERSION_ATTRIBUTE,
  REDRIVEN_AT_ATTRIBUTE,
  RETRY_ATTEMPT_ATTRIBUTE,
  RETRY_BUNDLE_ATTRIBUTE,
  readAttempt,
} from './retry';
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
 * The attributes the dispatcher reads, all a deferred record keeps: 8 of SQS's 10, within the
 * size the ingest queue keeps for them, whatever else its producer set.
 */
const KEPT_ATTRIBUTES = [
  TARGET_DESTINATIONS_ATTRIBUTE,
  RETRY_ATTEMPT_ATTRIBUTE,
  FIRST_ATTEMPT_AT_ATTRIBUTE,
  LAST_ERROR_CODE_ATTRIBUTE,
  MAPPING_VERSION_ATTRIBUTE,
  MAPPING_PIN_ATTRIBUTE,
  RETRY_BUNDLE_ATTRIBUTE,
  REDRIVEN_AT_ATTRIBUTE,
];

/**
 * Sends records a batch deferred back to the ingest queue: the same body, the attributes the
 * dispatcher reads (their attempt count carried over, receives included, so a record that keeps
 * coming back still ends within the retry policy's bound), in the same message group. Returns the
 * message ids of those that could not be sent: their records go back to the queue as batch item
 * failures.
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
  for (const name of KEPT_ATTRIBUTES) {
    const value = record.messageAttributes?.[name];
    if (value?.stringValue !== undefined) {
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
