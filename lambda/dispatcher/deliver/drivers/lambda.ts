import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import type { LambdaDestination } from '../../../shared/destination-config';
import { utf8Bytes } from '../../batching';
import {
  classifyEntryFailure,
  DELIVERED,
  type DeliveryResult,
  failed,
  PermanentDeliveryError,
  RetryableDeliveryError,
} from '../../errors';
import type { DestinationDriver } from './driver';

/** Lambda's request payload limits per invocation type. */
export const LAMBDA_PAYLOAD_LIMITS = { Event: 1_048_576, RequestResponse: 6_291_456 } as const;

/**
 * Invokes the customer's function with one event's message (its payload's JSON, or the pointer
 * envelope). With `RequestResponse` the function's own error (`FunctionError`) is a failure,
 * retried like a throttle: the customer may fix it.
 */
export async function invokeFunction(
  client: LambdaClient,
  destination: LambdaDestination,
  message: string,
  abortSignal?: AbortSignal,
): Promise<DeliveryResult> {
  const bytes = utf8Bytes(message);
  const limit = LAMBDA_PAYLOAD_LIMITS[destination.invocationType];
  if (bytes > limit) {
    return {
      ok: false,
      error: new PermanentDeliveryError(
        'PayloadTooLarge',
        `payload is ${bytes} bytes; ${destination.invocationType} invocations accept at most ${limit}`,
      ),
    };
  }
  try {
    const response = await client.send(
      new InvokeCommand({
        FunctionName: destination.functionArn,
        InvocationType: destination.invocationType,
        Payload: Buffer.from(message, 'utf8'),
      }),
      { abortSignal },
    );
    if (response.FunctionError) {
      // Only the error type: the function's error message may echo the event's personal data.
      const errorType = readErrorType(response.Payload) ?? response.FunctionError;
      return {
        ok: false,
        error: new RetryableDeliveryError('FunctionError', `function failed with ${errorType}`),
      };
    }
    return DELIVERED;
  } catch (error) {
    return failed(error);
  }
}

function readErrorType(payload: Uint8Array | undefined): string | undefined {
  if (!payload || payload.byteLength > 65_536) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload).toString('utf8')) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType.slice(0, 100) : undefined;
  } catch {
    return undefined;
  }
}

/** AWS Lambda functions: one `Invoke` per event (Lambda has no batch invoke); no order kept. */
export const lambdaDriver: DestinationDriver<LambdaDestination> = {
  permissions: DELIVERY_PERMISSIONS.lambda,
  orderKey: () => undefined,
  size: (destination, { message }) => ({
    bytes: utf8Bytes(message),
    limit: LAMBDA_PAYLOAD_LIMITS[destination.invocationType],
  }),
  planCalls: (destination, deliveries, clients) =>
    deliveries.map((delivery) => ({
      destination,
      deliveries: [delivery],
      after: [],
      send: async (signal) => [
        await invokeFunction(
          clients.client(LambdaClient, destination),
          destination,
          delivery.message,
          signal,
        ),
      ],
    })),
  // Invoke has no per-entry results: its errors are thrown, and classified as any other.
  entryFailure: (code, message, senderFault) =>
    classifyEntryFailure({ Code: code, Message: message, SenderFault: senderFault }),
};
