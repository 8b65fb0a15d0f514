import type { ERROR_CODES } from '../shared/delivery-summary';
import { CallCutError } from './deliver/call-pool';

/**
 * Typed delivery errors. The retry decision is made here and nowhere else: retryable errors are
 * retried (per destination, or by SQS redelivery), permanent ones are dead-lettered at once.
 */

/** The codes a delivery fails with, as dead letters and logs give them (`ERROR_CODES`). */
export type ErrorCode = (typeof ERROR_CODES)[number];

const MAX_MESSAGE_LENGTH = 256;

export abstract class DeliveryError extends Error {
  abstract readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The service's own hint of when to try again (Lambda's throttling errors carry one). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : message);
  }
}

export class RetryableDeliveryError extends DeliveryError {
  readonly retryable = true;
  override readonly name: string = 'RetryableDeliveryError';
}

export class PermanentDeliveryError extends DeliveryError {
  readonly retryable = false;
  override readonly name = 'PermanentDeliveryError';
}

/**
 * The dispatcher held a delivery back without calling the destination (circuit open, rate
 * limit): retried later, and the wait does not count as an attempt.
 */
export class DeferredDeliveryError extends RetryableDeliveryError {
  override readonly name = 'DeferredDeliveryError';
}

const PERMANENT_BY_NAME: Record<string, ErrorCode> = {
  AccessDenied: 'AccessDenied',
  AccessDeniedException: 'AccessDenied',
  AuthorizationError: 'AccessDenied',
  AuthorizationErrorException: 'AccessDenied',
  InvalidClientTokenId: 'AccessDenied',
  UnrecognizedClientException: 'AccessDenied',
  NotAuthorizedForSourceException: 'AccessDenied',
  NotAuthorizedForDetailTypeException: 'AccessDenied',
  NotFound: 'DestinationNotFound',
  QueueDoesNotExist: 'DestinationNotFound',
  'AWS.SimpleQueueService.NonExistentQueue': 'DestinationNotFound',
  NotFoundException: 'DestinationNotFound',
  ResourceNotFoundException: 'DestinationNotFound',
  InvalidParameter: 'InvalidParameter',
  InvalidParameterException: 'InvalidParameter',
  InvalidParameterValue: 'InvalidParameter',
  InvalidParameterValueException: 'InvalidParameter',
  InvalidArgument: 'InvalidParameter',
  InvalidArgumentException: 'InvalidParameter',
  MalformedDetail: 'InvalidParameter',
  InvalidRequestContentException: 'InvalidParameter',
  ValidationError: 'InvalidParameter',
  ValidationException: 'InvalidParameter',
  InvalidBatchEntryId: 'InvalidParameter',
  BatchEntryIdsNotDistinct: 'InvalidParameter',
  KMSDisabled: 'KmsError',
  KMSDisabledException: 'KmsError',
  KMSAccessDenied: 'KmsError',
  KMSAccessDeniedException: 'KmsError',
  KMSNotFound: 'KmsError',
  KMSNotFoundException: 'KmsError',
  KMSInvalidState: 'KmsError',
  KMSInvalidStateException: 'KmsError',
  KMSOptInRequired: 'KmsError',
  // SQS's JSON protocol names them so (and its per-entry failures `KMS.…Exception`).
  KmsAccessDenied: 'KmsError',
  KmsDisabled: 'KmsError',
  KmsInvalidKeyUsage: 'KmsError',
  KmsInvalidState: 'KmsError',
  KmsNotFound: 'KmsError',
  KmsOptInRequired: 'KmsError',
  'KMS.AccessDeniedException': 'KmsError',
  'KMS.DisabledException': 'KmsError',
  'KMS.NotFoundException': 'KmsError',
  'KMS.InvalidStateException': 'KmsError',
  RequestEntityTooLargeException: 'PayloadTooLarge',
  RequestTooLongException: 'PayloadTooLarge',
  BatchRequestTooLong: 'PayloadTooLarge',
};

const RETRYABLE_BY_NAME: Record<string, ErrorCode> = {
  Throttling: 'Throttled',
  ThrottlingException: 'Throttled',
  ProvisionedThroughputExceededException: 'Throttled',
  ThrottledException: 'Throttled',
  TooManyRequestsException: 'Throttled',
  RequestLimitExceeded: 'Throttled',
  KMSThrottling: 'Throttled',
  KMSThrottlingException: 'Throttled',
  KmsThrottled: 'Throttled',
  EC2ThrottledException: 'Throttled',
  SlowDown: 'Throttled',
  InternalError: 'ServiceUnavailable',
  InternalErrorException: 'ServiceUnavailable',
  InternalFailure: 'ServiceUnavailable',
  ServiceException: 'ServiceUnavailable',
  ServiceUnavailable: 'ServiceUnavailable',
  ServiceUnavailableException: 'ServiceUnavailable',
  ResourceConflictException: 'ServiceUnavailable',
  ResourceNotReadyException: 'ServiceUnavailable',
  TimeoutError: 'NetworkError',
  RequestTimeout: 'NetworkError',
  RequestTimeoutException: 'NetworkError',
};

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  retryAfterSeconds?: unknown;
}

/** The error codes AWS names the same way in thrown errors and in per-entry batch failures. */
function classifyByName(
  name: string,
  message: string,
  retryAfterSeconds?: number,
): DeliveryError | undefined {
  const permanent = PERMANENT_BY_NAME[name];
  if (permanent) return new PermanentDeliveryError(permanent, message);
  const retryable = RETRYABLE_BY_NAME[name];
  if (retryable) return new RetryableDeliveryError(retryable, message, retryAfterSeconds);
  return undefined;
}

/** Maps anything an SDK call can throw to a typed delivery error. Unknown errors are retried. */
export function classifyError(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (error instanceof CallCutError) {
    const code = error.reason === 'slow' ? 'DeliveryTimedOut' : 'DeadlineExceeded';
    // Never sent: a deferral, which uses no attempt up and tells the circuit breaker nothing.
    return error.started
      ? new RetryableDeliveryError(code, error.message)
      : new DeferredDeliveryError(code, error.message);
  }
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsLikeError;
  const name = e.name ?? 'Error';
  const message = `${name}: ${e.message ?? String(error)}`;

  const known = classifyByName(name, message, Number(e.retryAfterSeconds) || undefined);
  if (known) return known;
  if (e.code && NETWORK_CODES.has(e.code)) return new RetryableDeliveryError('NetworkError', message);

  const status = e.$metadata?.httpStatusCode;
  if (status === 429) return new RetryableDeliveryError('Throttled', message);
  if ((status !== undefined && status >= 500) || e.$fault === 'server' || e.$retryable) {
    return new RetryableDeliveryError('ServiceUnavailable', message);
  }
  if (status === 403) return new PermanentDeliveryError('AccessDenied', message);
  if (status === 404) return new PermanentDeliveryError('DestinationNotFound', message);
  if (status === 413) return new PermanentDeliveryError('PayloadTooLarge', message);
  return new RetryableDeliveryError('UnknownError', message);
}

/**
 * A per-entry failure inside a 200 batch response (`Failed[]` of PublishBatch or SendMessageBatch,
 * a failed record of PutRecords or entry of PutEvents).
 */
export function classifyEntryFailure(entry: {
  Code?: string;
  Message?: string;
  SenderFault?: boolean;
}): DeliveryError {
  const name = entry.Code ?? 'UnknownEntryError';
  const message = `${name}: ${entry.Message ?? 'entry failed'}`;
  const known = classifyByName(name, message);
  if (known) return known;
  return entry.SenderFault
    ? new PermanentDeliveryError('InvalidParameter', message)
    : new RetryableDeliveryError('ServiceUnavailable', message);
}

/** The outcome of delivering one event to one destination. */
export type DeliveryResult = { ok: true } | { ok: false; error: DeliveryError };

export const DELIVERED: DeliveryResult = Object.freeze({ ok: true });
export const failed = (error: unknown): DeliveryResult => ({ ok: false, error: classifyError(error) });
