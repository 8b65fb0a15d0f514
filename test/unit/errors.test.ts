import { CallCutError } from '../../lambda/dispatcher/deliver/call-pool';
import {
  classifyEntryFailure,
  classifyError,
  DeferredDeliveryError,
  DeliveryError,
  RetryableDeliveryError,
} from '../../lambda/dispatcher/errors';

const awsError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

describe('classifyError', () => {
  it.each([
    ['ThrottlingException', 400, 'Throttled'],
    ['Throttling', 400, 'Throttled'],
    ['TooManyRequestsException', 429, 'Throttled'],
    ['KMSThrottlingException', 400, 'Throttled'],
    ['KmsThrottled', 400, 'Throttled'],
    ['InternalError', 500, 'ServiceUnavailable'],
    ['ServiceUnavailable', 503, 'ServiceUnavailable'],
    ['ServiceException', 500, 'ServiceUnavailable'],
    ['ResourceConflictException', 409, 'ServiceUnavailable'],
    ['SomethingNew', 502, 'ServiceUnavailable'],
    ['TimeoutError', undefined, 'NetworkError'],
    ['SomethingUnknown', 400, 'UnknownError'],
  ])('retries %s (%s) as %s', (name, status, code) => {
    const error = classifyError(awsError(name, status));

    expect(error).toMatchObject({ retryable: true, code });
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'])('retries the network error %s', (code) => {
    expect(classifyError(Object.assign(new Error('socket'), { code }))).toMatchObject({
      retryable: true,
      code: 'NetworkError',
    });
  });

  it.each([
    ['AccessDenied', 403, 'AccessDenied'],
    ['AccessDeniedException', 403, 'AccessDenied'],
    ['AuthorizationError', 403, 'AccessDenied'],
    ['NotFound', 404, 'DestinationNotFound'],
    ['ResourceNotFoundException', 404, 'DestinationNotFound'],
    ['InvalidParameter', 400, 'InvalidParameter'],
    ['InvalidParameterValueException', 400, 'InvalidParameter'],
    ['KMSDisabled', 400, 'KmsError'],
    ['KMSAccessDeniedException', 400, 'KmsError'],
    ['KMSInvalidStateException', 400, 'KmsError'],
    ['KmsAccessDenied', 400, 'KmsError'],
    ['KmsNotFound', 400, 'KmsError'],
    ['RequestEntityTooLargeException', 413, 'PayloadTooLarge'],
  ])('dead-letters %s (%s) as %s', (name, status, code) => {
    expect(classifyError(awsError(name, status))).toMatchObject({ retryable: false, code });
  });

  it('keeps error messages short', () => {
    const error = classifyError(new Error('x'.repeat(10_000)));

    expect(error.message.length).toBeLessThanOrEqual(256);
  });

  it('makes a call cut after it was sent a retryable failure, and one never sent a deferral', () => {
    const cutWhileRunning = classifyError(new CallCutError('slow', 600));
    const neverSent = classifyError(new CallCutError('deadline'));

    expect(cutWhileRunning).toBeInstanceOf(RetryableDeliveryError);
    expect(cutWhileRunning).not.toBeInstanceOf(DeferredDeliveryError);
    expect(cutWhileRunning.code).toBe('DeliveryTimedOut');
    expect(neverSent).toBeInstanceOf(DeferredDeliveryError);
    expect(neverSent.code).toBe('DeadlineExceeded');
  });

  it('passes typed delivery errors through unchanged', () => {
    const original = classifyError(awsError('AccessDenied', 403));

    expect(classifyError(original)).toBe(original);
    expect(original).toBeInstanceOf(DeliveryError);
  });
});

describe('classifyEntryFailure', () => {
  it.each([
    [{ Code: 'InternalError', SenderFault: false }, true, 'ServiceUnavailable'],
    [{ Code: 'Throttling', SenderFault: true }, true, 'Throttled'],
    [{ Code: 'KMSDisabled', SenderFault: true }, false, 'KmsError'],
    [{ Code: 'AuthorizationError', SenderFault: true }, false, 'AccessDenied'],
    [{ Code: 'Weird', SenderFault: true }, false, 'InvalidParameter'],
    [{ Code: 'Weird', SenderFault: false }, true, 'ServiceUnavailable'],
  ])('classifies %o', (entry, retryable, code) => {
    expect(classifyEntryFailure(entry)).toMatchObject({ retryable, code });
  });
});
