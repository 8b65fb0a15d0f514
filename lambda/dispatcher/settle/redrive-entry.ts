import { createHash } from 'node:crypto';
import type { MessageAttributeValue, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { MAPPING_PIN_ATTRIBUTE } from '../prepare/mapping-pins';
import { TARGET_DESTINATIONS_ATTRIBUTE } from '../prepare/route';
import { MAPPING_VERSION_ATTRIBUTE, REDRIVEN_AT_ATTRIBUTE } from './retry';

/**
 * A dead letter as a redrive reads it, wherever it was kept: the dead-letter queue (the
 * operator's `npm run redrive`) or a workspace's dead-letter store (the API's redrive).
 */
export interface RedrivableLetter {
  /** The dead-letter queue's message id: a FIFO redrive's deduplication id derives from it. */
  readonly messageId: string;
  /** The original ingest body, unchanged. */
  readonly body: string;
  /** The letter's string attributes as the dispatcher wrote them (`destination_id`, `mapping_version`, …). */
  readonly attributes: Readonly<Record<string, string | undefined>>;
  /** The letter's message group in a FIFO dead-letter queue. */
  readonly messageGroupId?: string;
}

/**
 * The ingest message that sends a dead letter back: its body unchanged (so every event keeps its
 * `distinct_id` and consumers still deduplicate), to where it was going, with the mapping version
 * it had and the redrive marker. Both redrives build it here, so they send the same message.
 */
export function toRedriveEntry(
  letter: RedrivableLetter,
  id: string,
  fifo: boolean,
  now = Date.now(),
): SendMessageBatchRequestEntry {
  const { attributes } = letter;
  // A letter of one destination goes back to it alone; a retry's letter written before routing,
  // to the destinations the retry was going to; a producer's invalid message has none: to all.
  const targets = attributes.destination_id ?? attributes[TARGET_DESTINATIONS_ATTRIBUTE];
  const messageAttributes: Record<string, MessageAttributeValue> = {
    [REDRIVEN_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(now) },
    ...(targets && { [TARGET_DESTINATIONS_ATTRIBUTE]: { DataType: 'String', StringValue: targets } }),
  };
  // The mapping the event started with goes back with it, with the dispatcher's pin (which only
  // the dispatcher can write): its consumer sees the same content again.
  const mappingVersion = attributes[MAPPING_VERSION_ATTRIBUTE];
  const mappingPin = attributes[MAPPING_PIN_ATTRIBUTE];
  if (targets && mappingVersion !== undefined && mappingPin) {
    messageAttributes[MAPPING_VERSION_ATTRIBUTE] = { DataType: 'Number', StringValue: mappingVersion };
    messageAttributes[MAPPING_PIN_ATTRIBUTE] = { DataType: 'String', StringValue: mappingPin };
  }
  return {
    Id: id,
    MessageBody: letter.body,
    MessageAttributes: messageAttributes,
    ...(fifo && {
      MessageGroupId: letter.messageGroupId ?? 'redrive',
      MessageDeduplicationId: createHash('sha256').update(`redrive\n${letter.messageId}`).digest('hex'),
    }),
  };
}
