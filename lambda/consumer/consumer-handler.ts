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
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';
import { type DeliveredPayload, DeliveredPayloadSchema } from '../shared/ingest-message';
import { eventKeyHash } from '../shared/log-ids';
import { looksOffloaded, OFFLOADED_PAYLOAD_KEY, OffloadedPayloadSchema } from '../shared/offloaded-payload';
import { inputSafeMessages } from '../shared/zod-messages';
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
 * payload; SQS batches (a destination queue, an SNS subscription raw or enveloped, or an
 * EventBridge rule's queue) with partial batch responses, so a failing record never re-runs the
 * others; and Kinesis batches, in order, a visitor's records after a failed one held back.
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
    const pointer = OffloadedPayloadSchema.safeParse(raw, { error: inputSafeMessages });
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
    // The event's line that follows names it (by hash): the distinct id itself is never logged.
    logger.debug('offloaded payload read', { bytes: location.bytes });
    return payload;
  };

  const consume = async (raw: unknown, source: string): Promise<ConsumerResult<R>> => {
    const payload = parsePayload(await resolve(raw));
    // Producers may make ids email addresses: logs name the event by a hash of its key.
    const ids = { eventKeyHash: eventKeyHash(payload.visitor.visitor_id, payload.event.distinct_id), source };
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

  const recordHandler = async (record: SQSRecord) => consume(unwrap(parseJson(record.body)), 'sqs');

  /**
   * Kinesis keeps a visitor's records in order within its shard; Lambda retries a batch from its
   * first failed record. So records go one at a time, and once a visitor's record failed, its
   * later records in the batch fail too, unprocessed: they come back behind it, in order.
   */
  const streamHandler = () => {
    const held = new Set<string>();
    return async (record: KinesisStreamRecord) => {
      const visitor = record.kinesis.partitionKey;
      if (held.has(visitor)) throw new Error('held behind an earlier failed record of the same visitor');
      try {
        return await consume(
          parseJson(Buffer.from(record.kinesis.data, 'base64').toString('utf8')),
          'kinesis',
        );
      } catch (error) {
        held.add(visitor);
        throw error;
      }
    };
  };

  return async (
    event: SQSEvent | KinesisStreamEvent | unknown,
    context: Context,
  ): Promise<SQSBatchResponse | KinesisStreamBatchResponse | ConsumerResult<R>> => {
    logger.addContext(context);
    config.registerLambdaContext(context);
    if (isKinesisEvent(event)) {
      return processPartialResponse(
        event,
        streamHandler(),
        new BatchProcessor(EventType.KinesisDataStreams),
        {
          context,
          processInParallel: false,
          throwOnFullBatchFailure: false,
        },
      );
    }
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
    return consume(unwrap(event), 'invoke');
  };
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as Partial<SQSEvent> | null)?.Records;
  return Array.isArray(records) && records.every((r) => r?.eventSource === 'aws:sqs');
}

function isKinesisEvent(event: unknown): event is KinesisStreamEvent {
  const records = (event as Partial<KinesisStreamEvent> | null)?.Records;
  return (
    Array.isArray(records) && records.length > 0 && records.every((r) => r?.eventSource === 'aws:kinesis')
  );
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidPayloadError('message body is not valid JSON');
  }
}

/**
 * What a queue message may wrap the payload in: an SNS notification (a subscription without raw
 * message delivery), or an EventBridge event (a rule whose target is the queue: the payload is
 * its `detail`).
 */
function unwrap(body: unknown): unknown {
  const envelope = body as {
    Type?: unknown;
    Message?: unknown;
    'detail-type'?: unknown;
    detail?: unknown;
  } | null;
  if (envelope?.Type === 'Notification' && typeof envelope.Message === 'string')
    return parseJson(envelope.Message);
  if (typeof envelope?.['detail-type'] === 'string' && typeof envelope.detail === 'object')
    return envelope.detail;
  return body;
}

function parsePayload(raw: unknown): DeliveredPayload {
  const result = DeliveredPayloadSchema.safeParse(raw, { error: inputSafeMessages });
  if (!result.success) throw new InvalidPayloadError(`not a delivered event: ${describe(result.error)}`);
  return result.data as DeliveredPayload;
}

/** Paths and rules only: the payload itself may carry personal data. */
function describe(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`).join('; ');
}
