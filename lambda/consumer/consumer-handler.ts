import {
  BatchProcessor,
  EventType,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import {
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { type DeliveredPayload, DeliveredPayloadSchema } from '../shared/ingest-message';
import { looksOffloaded, OFFLOADED_PAYLOAD_KEY, OffloadedPayloadSchema } from '../shared/offloaded-payload';
import type { OffloadedPayloadReader } from './payload-reader';

/** Your business logic: called once per event, whatever the number of deliveries. */
export type ProcessEvent<R> = (payload: DeliveredPayload) => Promise<R>;

export interface ConsumerHandlerOptions<R> {
  readonly processEvent: ProcessEvent<R>;
  readonly persistenceStore: BasePersistenceLayer;
  readonly logger: Logger;
  /** How long an event's key is remembered; a redelivery after this is processed again. */
  readonly expiresAfterSeconds: number;
  /** Keeps this consumer's keys apart from other consumers sharing the table. @default function name */
  readonly keyPrefix?: string;
  /** Called for each delivery that was skipped as a duplicate. */
  readonly onDuplicate?: (payload: DeliveredPayload) => void | Promise<void>;
  /**
   * Reads payloads the platform offloaded because they were too large for the destination.
   * @default none: a pointer envelope fails with `InvalidPayloadError`
   */
  readonly offloadedPayloads?: OffloadedPayloadReader;
}

export interface ConsumerResult<R> {
  readonly distinctId: string;
  readonly duplicate: boolean;
  readonly result: R;
}

export class InvalidPayloadError extends Error {
  override readonly name = 'InvalidPayloadError';
}

/**
 * Builds the consumer's Lambda handler. It accepts a direct invocation with one delivered
 * payload, and SQS batches (from SNS subscriptions, raw or enveloped) with partial batch
 * responses, so a failing record never re-runs the others.
 *
 * The idempotency key is `event.distinct_id` scoped by `visitor.visitor_id`. Not `visitor_id`
 * alone: that names a visitor, not an event, and would silently drop every later event of the
 * visitor inside the idempotency window.
 */
export function createConsumerHandler<R>(options: ConsumerHandlerOptions<R>) {
  const { logger } = options;
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[visitor.visitor_id, event.distinct_id]',
    // The same key with different content is a producer bug: report it, never accept it silently.
    payloadValidationJmesPath: '[event, visitor, user]',
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds,
    responseHook: (response) => ({ ...(response as object), duplicate: true }),
  });
  const processOnce = makeIdempotent(
    async (payload: DeliveredPayload): Promise<ConsumerResult<R>> => ({
      distinctId: payload.event.distinct_id,
      duplicate: false,
      result: await options.processEvent(payload),
    }),
    {
      persistenceStore: options.persistenceStore,
      config,
      ...(options.keyPrefix && { keyPrefix: options.keyPrefix }),
    },
  );

  /** An oversize event arrives as a pointer envelope: read the payload it points to, transparently. */
  const resolve = async (raw: unknown): Promise<unknown> => {
    if (!looksOffloaded(raw)) return raw;
    const pointer = OffloadedPayloadSchema.safeParse(raw);
    if (!pointer.success)
      throw new InvalidPayloadError(`not a valid offloaded payload pointer: ${describe(pointer.error)}`);
    const location = pointer.data[OFFLOADED_PAYLOAD_KEY];
    if (!options.offloadedPayloads) {
      throw new InvalidPayloadError(
        'received an offloaded payload, but no offloaded payload reader is configured (PAYLOAD_ROLE_ARN)',
      );
    }
    const payload = parseJson(await options.offloadedPayloads.read(location));
    const distinctId = (payload as { event?: { distinct_id?: unknown } } | null)?.event?.distinct_id;
    if (distinctId !== location.distinct_id) {
      throw new InvalidPayloadError('offloaded payload is not the event its pointer names');
    }
    logger.debug('offloaded payload read', { distinctId, bytes: location.bytes });
    return payload;
  };

  const consume = async (raw: unknown, source: string): Promise<ConsumerResult<R>> => {
    const payload = parsePayload(await resolve(raw));
    const ids = { distinctId: payload.event.distinct_id, source };
    try {
      const outcome = await processOnce(payload);
      if (outcome.duplicate) {
        logger.info('duplicate skipped', ids);
        await options.onDuplicate?.(payload);
      } else {
        logger.info('event processed', ids);
      }
      return outcome;
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        logger.error('payload differs from the one first processed under this key', {
          ...ids,
          errorCode: 'PayloadMismatch',
        });
      }
      throw error;
    }
  };

  const recordHandler = async (record: SQSRecord) =>
    consume(unwrapSnsEnvelope(parseJson(record.body)), 'sqs');

  return async (
    event: SQSEvent | unknown,
    context: Context,
  ): Promise<SQSBatchResponse | ConsumerResult<R>> => {
    logger.addContext(context);
    config.registerLambdaContext(context);
    if (isSqsEvent(event)) {
      const fifo = event.Records[0]?.eventSourceARN.endsWith('.fifo') ?? false;
      if (fifo) {
        // A failed record holds back only its own message group (the visitor), not the batch.
        return processPartialResponse(event, recordHandler, new SqsFifoPartialProcessorAsync(), {
          context,
          skipGroupOnError: true,
          throwOnFullBatchFailure: false,
        });
      }
      return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
        context,
        throwOnFullBatchFailure: false,
      });
    }
    return consume(event, 'invoke');
  };
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as Partial<SQSEvent> | null)?.Records;
  return Array.isArray(records) && records.every((r) => r?.eventSource === 'aws:sqs');
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidPayloadError('message body is not valid JSON');
  }
}

/** Subscriptions without raw message delivery wrap the payload in an SNS notification. */
function unwrapSnsEnvelope(body: unknown): unknown {
  const envelope = body as { Type?: unknown; Message?: unknown } | null;
  if (envelope?.Type === 'Notification' && typeof envelope.Message === 'string')
    return parseJson(envelope.Message);
  return body;
}

function parsePayload(raw: unknown): DeliveredPayload {
  const result = DeliveredPayloadSchema.safeParse(raw);
  if (!result.success) throw new InvalidPayloadError(`not a delivered event: ${describe(result.error)}`);
  return result.data as DeliveredPayload;
}

/** Paths and rules only: the payload itself may carry personal data. */
function describe(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`).join('; ');
}
