/**
 * What the platform's queues hold, sized so that everything the dispatcher writes to its own
 * queues fits by construction: SQS counts a message's body and its attributes (name, type and
 * value) against the queue's limit, and an ingest message that cannot be dead-lettered or retried
 * would be redelivered whole, then moved by SQS without a reason.
 */

/** SQS's largest message, body and attributes together: the dead-letter queue's limit. */
export const SQS_MAX_MESSAGE_BYTES = 1_048_576;

/** The most a dead letter's attributes take (reasons truncated, ids bounded: see `toDeadLetterEntry`). */
export const DEAD_LETTER_ATTRIBUTE_BUDGET = 4_096;

/** The most a retry's attributes take (one target, attempt, times, reason, mapping version and pin). */
export const RETRY_ATTRIBUTE_BUDGET = 1_024;

/**
 * The ingest queue's limit: a message SQS accepts there, its producer's attributes dropped, fits
 * the dead-letter queue with the dead letter's attributes. SQS refuses a larger one at send.
 */
export const INGEST_MAX_MESSAGE_BYTES = SQS_MAX_MESSAGE_BYTES - DEAD_LETTER_ATTRIBUTE_BUDGET;

/**
 * The largest ingest body the dispatcher accepts: its retries, back on the ingest queue, fit with
 * their attributes. A larger body is dead-lettered as `InvalidEvent` at once, with its reason.
 */
export const MAX_INGEST_BODY_BYTES = INGEST_MAX_MESSAGE_BYTES - RETRY_ATTRIBUTE_BUDGET;

/** A message attribute's size as SQS counts it. */
export const attributeBytes = (
  attributes: Record<string, { DataType?: string; StringValue?: string }> = {},
): number =>
  Object.entries(attributes).reduce(
    (sum, [name, { DataType = '', StringValue = '' }]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(DataType) + Buffer.byteLength(StringValue),
    0,
  );
