import type { SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { MAPPING_PIN_ATTRIBUTE } from '../prepare/mapping-pins';
import { TARGET_DESTINATIONS_ATTRIBUTE } from '../prepare/route';

/** Message attributes a retry carries besides its target destinations. */
export const RETRY_ATTEMPT_ATTRIBUTE = 'retry_attempt';
export const FIRST_ATTEMPT_AT_ATTRIBUTE = 'first_attempt_at';
/** Why the last attempt failed (an error code): what a retry is for, without reading logs. */
export const LAST_ERROR_CODE_ATTRIBUTE = 'last_error_code';
/** The workspace version whose mapping shaped the event's first attempt: retries and redrives keep it. */
export const MAPPING_VERSION_ATTRIBUTE = 'mapping_version';
/** On a retry bundle: how many events it carries (the attempt and reason attributes are its first event's). */
export const RETRY_BUNDLE_ATTRIBUTE = 'retry_bundle';
/** When a dead letter was sent back by `npm run redrive` (epoch ms): the trace shows it. */
export const REDRIVEN_AT_ATTRIBUTE = 'redriven_at';

/**
 * Per-destination retries: a retry is a new message on the ingest queue, sent with a delay and
 * naming only the destinations that failed, while the original is acknowledged, so destinations
 * that already have the event are neither re-delivered to nor delayed.
 */
export interface RetryPolicy {
  /** Where retries go: the ingest queue (standard: FIFO queues take no per-message delay). */
  readonly queueUrl: string;
  /** Attempts per destination before dead-lettering with `RetriesExhausted`. */
  readonly maxAttempts: number;
  /** Time since the first attempt after which retrying stops. */
  readonly maxAgeSeconds: number;
  /** First retry waits up to this; each further one up to twice as long. */
  readonly baseDelaySeconds: number;
  /** Longest wait: SQS delays messages at most 900 s. */
  readonly maxDelaySeconds: number;
  readonly random?: () => number;
}

export const DEFAULT_RETRY_POLICY = {
  maxAttempts: 50,
  // Full-jitter delays capped at 15 min average 7.5 min: six hours is about fifty attempts.
  maxAgeSeconds: 6 * 3600,
  baseDelaySeconds: 2,
  maxDelaySeconds: 900,
} as const;

/** Exponential backoff with full jitter, never shorter than a throttling hint. */
export function backoffSeconds(policy: RetryPolicy, attempt: number, retryAfterSeconds = 0): number {
  const ceiling = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor((policy.random ?? Math.random)() * (ceiling + 1));
  return Math.min(policy.maxDelaySeconds, Math.max(jittered, Math.ceil(retryAfterSeconds)));
}

/** Which attempt this record is, and when the first one was: retries carry both. */
export function readAttempt(record: SQSRecord): { attempt: number; firstAttemptAt: number } {
  const carried = Number(record.messageAttributes?.[RETRY_ATTEMPT_ATTRIBUTE]?.stringValue);
  const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
  const firstAttemptAt =
    Number(record.messageAttributes?.[FIRST_ATTEMPT_AT_ATTRIBUTE]?.stringValue) ||
    Number(record.attributes.SentTimestamp) ||
    Date.now();
  return { attempt: (Number.isInteger(carried) && carried > 0 ? carried : 1) + receives - 1, firstAttemptAt };
}

/** The mapping version a retry or redrive carries, if any, with its pin (trusted only once verified). */
export function readMappingVersion(
  attributes: Record<string, { stringValue?: string } | undefined>,
): { version: number; pin: string | undefined } | undefined {
  const version = Number(attributes[MAPPING_VERSION_ATTRIBUTE]?.stringValue);
  return Number.isInteger(version) && version >= 0 && attributes[MAPPING_VERSION_ATTRIBUTE]
    ? { version, pin: attributes[MAPPING_PIN_ATTRIBUTE]?.stringValue }
    : undefined;
}

export function toRetryEntry(retry: {
  body: string;
  targets: readonly string[];
  attempt: number;
  firstAttemptAt: number;
  delaySeconds: number;
  /** The error code of the failure being retried. */
  reason: string;
  /** The tenant's message group on a standard queue, for SQS fair queues. */
  messageGroupId: string;
  /** The workspace version whose mapping the event keeps, and the dispatcher's pin of it. */
  mappingVersion?: number;
  mappingPin?: string;
}): SendMessageBatchRequestEntry {
  return {
    Id: '0',
    MessageBody: retry.body,
    DelaySeconds: retry.delaySeconds,
    MessageGroupId: retry.messageGroupId,
    MessageAttributes: {
      // No targets: a retry of the whole event (its workspace could not be looked up).
      ...(retry.targets.length > 0 && {
        [TARGET_DESTINATIONS_ATTRIBUTE]: { DataType: 'String', StringValue: retry.targets.join(',') },
      }),
      [RETRY_ATTEMPT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(retry.attempt) },
      [FIRST_ATTEMPT_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(retry.firstAttemptAt) },
      [LAST_ERROR_CODE_ATTRIBUTE]: { DataType: 'String', StringValue: retry.reason },
      ...(retry.mappingVersion !== undefined && {
        [MAPPING_VERSION_ATTRIBUTE]: { DataType: 'Number', StringValue: String(retry.mappingVersion) },
      }),
      ...(retry.mappingVersion !== undefined &&
        retry.mappingPin && {
          [MAPPING_PIN_ATTRIBUTE]: { DataType: 'String', StringValue: retry.mappingPin },
        }),
    },
  };
}
