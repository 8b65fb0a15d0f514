/**
 * Cost per million events at AWS list prices, from what the benchmark measured and counted:
 * this project, the naive dispatcher, and Amazon EventBridge Pipes doing the same flow.
 *
 * Prices are US East (N. Virginia) list prices, without free tiers, as on the pricing pages
 * named below; update them here when they change. Who pays is shown apart: the platform pays
 * for its ingest queue and its dispatcher; the destination's owner pays for publishing to its
 * topic, invoking its function, putting to its stream or bus and sending to its queue, whatever
 * the platform does.
 */

export const PRICES = {
  /** https://aws.amazon.com/sqs/pricing/ : per request, each 64 KiB chunk of a payload a request. */
  sqsStandardPerRequest: 0.4 / 1e6,
  /** FIFO queues: per request (64 KiB chunks). */
  sqsFifoPerRequest: 0.5 / 1e6,
  /**
   * https://aws.amazon.com/kinesis/data-streams/pricing/ : provisioned mode, per PUT payload unit
   * (each record in 25 KiB units, however many records a call carries). Shard hours are a fixed
   * cost of the stream, not per event: left out.
   */
  kinesisPerPutPayloadUnit: 0.014 / 1e6,
  /** https://aws.amazon.com/eventbridge/pricing/ : custom events, per event (64 KiB chunks), however many a PutEvents carries. */
  eventBridgePerEvent: 1 / 1e6,
  /** https://aws.amazon.com/lambda/pricing/ : Arm, as the dispatcher runs. */
  lambdaPerRequest: 0.2 / 1e6,
  lambdaArmPerGbSecond: 0.000_013_333_4,
  /** https://aws.amazon.com/sns/pricing/ : standard topics, per publish request (64 KiB chunks). */
  snsStandardPerRequest: 0.5 / 1e6,
  /** FIFO topics: per publish request, and per GB published. */
  snsFifoPerRequest: 0.3 / 1e6,
  snsFifoPerGb: 0.017,
  /** https://aws.amazon.com/eventbridge/pricing/ : Pipes, per request (64 KiB chunks) after filtering. */
  pipesPerRequest: 0.4 / 1e6,
  /** https://aws.amazon.com/kms/pricing/ : per API request. */
  kmsPerRequest: 0.03 / 10_000,
  /** https://aws.amazon.com/s3/pricing/ : S3 Standard PUT and GET. */
  s3PutPerRequest: 0.005 / 1_000,
  s3GetPerRequest: 0.0004 / 1_000,
} as const;

/** The dispatcher's memory (the `EventDispatcher` default). */
export const DISPATCHER_MEMORY_GB = 0.5;
/**
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html : a function has one
 * vCPU's worth of CPU at 1,769 MB, in proportion to its memory below that.
 */
export const LAMBDA_MB_PER_VCPU = 1_769;
/** SQS bills each 64 KiB chunk of a request's payload as one request. */
export const SQS_BILLED_CHUNK_BYTES = 64 * 1024;
/** SendMessageBatch, ReceiveMessage and DeleteMessageBatch: at most 10 messages per call. */
const SQS_MESSAGES_PER_CALL = 10;
/** SendMessageBatch: at most 1 MiB per call, all its messages together (as one message). */
const SQS_MAX_CALL_BYTES = 1_048_576;
/** A batched message around its events: `{"workspace_id":"…","events":[…]}`, generously. */
const BATCH_ENVELOPE_BYTES = 64;
/** The most events one ingest message carries (`MAX_EVENTS_PER_MESSAGE`). */
const MAX_EVENTS_PER_MESSAGE = 1_000;

/** SQS requests billed per event on the ingest side, by operation. */
export interface IngestRequests {
  /** Producers' SendMessageBatch: 10 messages or 1 MiB a call, each 64 KiB chunk of it a request. */
  readonly send: number;
  /** The poller's ReceiveMessage: 10 messages a call, each 64 KiB chunk of what it returns a request. */
  readonly receive: number;
  /** The poller's DeleteMessageBatch: 10 receipt handles a request, whatever the messages' size. */
  readonly delete: number;
  readonly total: number;
}

/**
 * SQS requests per event on the ingest side, the same for every approach, for events of
 * `eventBytes` sent `eventsPerMessage` to a message (1: single messages; more: batched messages,
 * `{"workspace_id": …, "events": […]}`). With single events under 6 KiB this is 0.1 + 0.1 + 0.1:
 * 10 messages fit one 64 KiB chunk. Batched, the payload's chunks are what is billed: about
 * `eventBytes` ÷ 64 KiB per event to send and again to receive, and deletes by message.
 * Long polling's empty receives are left out: a fixed cost per poller, not per event.
 */
export function ingestRequestsPerEvent(eventsPerMessage: number, eventBytes: number): IngestRequests {
  if (
    !Number.isInteger(eventsPerMessage) ||
    eventsPerMessage < 1 ||
    eventsPerMessage > MAX_EVENTS_PER_MESSAGE
  ) {
    throw new RangeError(
      `eventsPerMessage must be a whole number from 1 to ${MAX_EVENTS_PER_MESSAGE}, got ${eventsPerMessage}`,
    );
  }
  const messageBytes =
    eventsPerMessage === 1 ? eventBytes : eventsPerMessage * eventBytes + BATCH_ENVELOPE_BYTES;
  if (messageBytes > SQS_MAX_CALL_BYTES) {
    throw new RangeError(
      `${eventsPerMessage} events of ${eventBytes} bytes do not fit one SQS message (1 MiB)`,
    );
  }
  const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / SQS_BILLED_CHUNK_BYTES));
  const sentPerCall = Math.min(SQS_MESSAGES_PER_CALL, Math.floor(SQS_MAX_CALL_BYTES / messageBytes));
  const send = chunks(sentPerCall * messageBytes) / (sentPerCall * eventsPerMessage);
  const receive = chunks(SQS_MESSAGES_PER_CALL * messageBytes) / (SQS_MESSAGES_PER_CALL * eventsPerMessage);
  const deleted = 1 / (SQS_MESSAGES_PER_CALL * eventsPerMessage);
  return { send, receive, delete: deleted, total: send + receive + deleted };
}

/**
 * KMS requests of the ingest queue's encryption: with a data key reuse period of 5 minutes, one
 * GenerateDataKey per producer and one Decrypt per poller every 5 minutes, not one per event.
 * Counted here for 1 producer, 1 poller and a million events a day.
 */
const KMS_REQUESTS_PER_MILLION_EVENTS = (2 * (24 * 60)) / 5;

export interface MeasuredApproach {
  /** Deliveries per second measured (one event to one destination). */
  readonly deliveriesPerSecond: number;
  /** Calls counted per delivery, by destination kind. */
  readonly snsStandardCallsPerDelivery: number;
  readonly snsFifoCallsPerDelivery: number;
  readonly lambdaCallsPerDelivery: number;
  /** @default 0 */
  readonly sqsStandardCallsPerDelivery?: number;
  /** @default 0 */
  readonly sqsFifoCallsPerDelivery?: number;
}

/** Destinations each event goes to, by kind. Kinesis and EventBridge bill per record or event, not per call. */
export interface DestinationCounts {
  readonly snsStandard: number;
  readonly snsFifo: number;
  readonly lambda: number;
  /** @default 0 */
  readonly kinesis?: number;
  /** @default 0 */
  readonly eventBridge?: number;
  /** @default 0 */
  readonly sqsStandard?: number;
  /** @default 0 */
  readonly sqsFifo?: number;
}

/** Every destination an event goes to, whatever its kind. */
const deliveriesPerEventOf = (d: DestinationCounts): number =>
  d.snsStandard +
  d.snsFifo +
  d.lambda +
  (d.kinesis ?? 0) +
  (d.eventBridge ?? 0) +
  (d.sqsStandard ?? 0) +
  (d.sqsFifo ?? 0);

export interface CostScenario {
  /** Destinations each event goes to, by kind. */
  readonly destinations: DestinationCounts;
  /** SQS records (ingest messages) per dispatcher invocation. */
  readonly batchSize: number;
  /** Bytes of one delivered message; taken for an event's bytes in the ingest queue too. */
  readonly messageBytes: number;
  /**
   * Events per ingest message: producers batching events of one workspace
   * (`{"workspace_id": …, "events": […]}`), so each invocation handles `batchSize` × this events.
   * @default 1
   */
  readonly eventsPerMessage?: number;
}

export interface CostPerMillion {
  /** The platform's bill: ingest queue, dispatcher (or pipes), KMS. */
  readonly platform: number;
  /** The destinations' owners' bill: topic publishes and function invocations. */
  readonly destinations: number;
  readonly total: number;
  /** The lines that make it up, for the table's footnotes. */
  readonly lines: Record<string, number>;
}

const MILLION = 1e6;

/** Cost of a million events through a dispatcher Lambda (this project's or the naive one). */
export function dispatcherCost(scenario: CostScenario, measured: MeasuredApproach): CostPerMillion {
  const { destinations: d, batchSize, messageBytes, eventsPerMessage = 1 } = scenario;
  const deliveriesPerEvent = deliveriesPerEventOf(d);
  // Time per event as measured: the dispatcher's work is per event, however its events came.
  const secondsPerEvent = deliveriesPerEvent / measured.deliveriesPerSecond;
  const sqsRequests = ingestRequestsPerEvent(eventsPerMessage, messageBytes).total;
  const lines = {
    'SQS requests': MILLION * sqsRequests * PRICES.sqsStandardPerRequest,
    'dispatcher requests': (MILLION / (batchSize * eventsPerMessage)) * PRICES.lambdaPerRequest,
    'dispatcher GB-seconds': dispatcherTimeCostPerMillion(secondsPerEvent),
    'KMS requests': KMS_REQUESTS_PER_MILLION_EVENTS * PRICES.kmsPerRequest,
    ...destinationLines(scenario, {
      snsStandardRequests: MILLION * d.snsStandard * measured.snsStandardCallsPerDelivery,
      snsFifoRequests: MILLION * d.snsFifo * measured.snsFifoCallsPerDelivery,
      lambdaInvokes: MILLION * d.lambda * measured.lambdaCallsPerDelivery,
      sqsStandardRequests: MILLION * (d.sqsStandard ?? 0) * (measured.sqsStandardCallsPerDelivery ?? 0),
      sqsFifoRequests: MILLION * (d.sqsFifo ?? 0) * (measured.sqsFifoCallsPerDelivery ?? 0),
      messageBytes,
    }),
  };
  return split(lines);
}

/**
 * Cost of a million events through EventBridge Pipes: one pipe per destination, each event a
 * pipe request (single messages: a pipe cannot split a batched one into its events), and the target called once per event (Pipes publishes to an SNS target one
 * message per call; a Lambda target is invoked with each event, as the delivery contract asks;
 * a queue target is counted one send per event too, an assumption).
 */
export function pipesCost(scenario: CostScenario): CostPerMillion {
  const { destinations: d, messageBytes } = scenario;
  const deliveriesPerEvent = deliveriesPerEventOf(d);
  const sqsRequests = ingestRequestsPerEvent(1, messageBytes).total;
  const lines = {
    // Each pipe reads its own queue: the ingest side once per destination.
    'SQS requests': MILLION * deliveriesPerEvent * sqsRequests * PRICES.sqsStandardPerRequest,
    'Pipes requests': MILLION * deliveriesPerEvent * PRICES.pipesPerRequest,
    'KMS requests': deliveriesPerEvent * KMS_REQUESTS_PER_MILLION_EVENTS * PRICES.kmsPerRequest,
    ...destinationLines(scenario, {
      snsStandardRequests: MILLION * d.snsStandard,
      snsFifoRequests: MILLION * d.snsFifo,
      lambdaInvokes: MILLION * d.lambda,
      sqsStandardRequests: MILLION * (d.sqsStandard ?? 0),
      sqsFifoRequests: MILLION * (d.sqsFifo ?? 0),
      messageBytes,
    }),
  };
  return split(lines);
}

/** Events per ingest message the batched cost rows compare: single messages, and batches of 10 and 100. */
export const EVENTS_PER_MESSAGE = [1, 10, 100] as const;

/**
 * Ingest messages per dispatcher invocation with batched messages: an event source mapping
 * batch of 10, so 10 × N events per invocation (and at most 10 MiB of messages, within what a
 * poller receives in one call).
 */
export const BATCHED_MESSAGES_PER_INVOCATION = 10;

/**
 * An event's bytes in a batched message, assumed for the batched rows: about 1 KiB, an event with
 * its visitor's profile. The benchmark's generated events are smaller (about 300 bytes), and a
 * smaller event costs less to batch: this is the upper side of the estimate.
 */
export const BATCHED_EVENT_BYTES = 1_024;

/**
 * The platform's cost per million events when producers send `eventsPerMessage` events to a
 * message: what `dispatcherCost` gives for the same scenario and measurement, with the ingest
 * queue's requests billed by chunk (`ingestRequestsPerEvent`) and one invocation per
 * `messagesPerInvocation` messages. Its GB-seconds per event are the measured ones (splitting a
 * batch is a JSON parse the dispatcher makes anyway); the destinations' owners pay the same
 * whatever the ingest batching, for the dispatcher batches its delivery calls either way.
 */
export function batchedIngestCost(
  scenario: CostScenario,
  measured: MeasuredApproach,
  eventsPerMessage: number,
  options: { readonly eventBytes?: number; readonly messagesPerInvocation?: number } = {},
): CostPerMillion {
  const { eventBytes = BATCHED_EVENT_BYTES, messagesPerInvocation = BATCHED_MESSAGES_PER_INVOCATION } =
    options;
  return dispatcherCost(
    { ...scenario, batchSize: messagesPerInvocation, eventsPerMessage, messageBytes: eventBytes },
    measured,
  );
}

/** Lambda GB-seconds per million events of a dispatcher taking so many seconds per event. */
export const gbSecondsPerMillion = (secondsPerEvent: number): number =>
  MILLION * secondsPerEvent * DISPATCHER_MEMORY_GB;

/** What a dispatcher's time costs per million events, at so many seconds per event. */
export const dispatcherTimeCostPerMillion = (secondsPerEvent: number): number =>
  gbSecondsPerMillion(secondsPerEvent) * PRICES.lambdaArmPerGbSecond;

/** S3 cost per million events of offloading a share of them (one PUT, one GET by the consumer each). */
export function offloadCostPerMillion(share: number): number {
  return MILLION * share * (PRICES.s3PutPerRequest + PRICES.s3GetPerRequest);
}

function destinationLines(
  scenario: CostScenario,
  calls: {
    snsStandardRequests: number;
    snsFifoRequests: number;
    lambdaInvokes: number;
    sqsStandardRequests: number;
    sqsFifoRequests: number;
    messageBytes: number;
  },
): Record<string, number> {
  const d = scenario.destinations;
  const fifoGb = (MILLION * d.snsFifo * calls.messageBytes) / 1024 ** 3;
  const chunks = (bytes: number, unit: number) => Math.max(1, Math.ceil(bytes / unit));
  const optional = (name: string, kinds: number, cost: number) => (kinds > 0 ? { [name]: cost } : {});
  return {
    ...optional(
      'stream puts (destination owner)',
      d.kinesis ?? 0,
      MILLION * (d.kinesis ?? 0) * chunks(calls.messageBytes, 25 * 1024) * PRICES.kinesisPerPutPayloadUnit,
    ),
    ...optional(
      'bus events (destination owner)',
      d.eventBridge ?? 0,
      MILLION * (d.eventBridge ?? 0) * chunks(calls.messageBytes, 64 * 1024) * PRICES.eventBridgePerEvent,
    ),
    ...optional(
      'queue sends (destination owner)',
      (d.sqsStandard ?? 0) + (d.sqsFifo ?? 0),
      calls.sqsStandardRequests * PRICES.sqsStandardPerRequest +
        calls.sqsFifoRequests * PRICES.sqsFifoPerRequest,
    ),
    'topic publishes (destination owner)':
      calls.snsStandardRequests * PRICES.snsStandardPerRequest +
      calls.snsFifoRequests * PRICES.snsFifoPerRequest +
      fifoGb * PRICES.snsFifoPerGb,
    'function invocations (destination owner)': calls.lambdaInvokes * PRICES.lambdaPerRequest,
  };
}

function split(lines: Record<string, number>): CostPerMillion {
  let platform = 0;
  let destinations = 0;
  for (const [name, cost] of Object.entries(lines)) {
    if (name.endsWith('(destination owner)')) destinations += cost;
    else platform += cost;
  }
  return { platform, destinations, total: platform + destinations, lines };
}
