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
/**
 * SQS requests per event on the ingest side, the same for every approach: producers sending
 * batches of 10, and the poller (Lambda's event source mapping or a pipe) receiving and deleting
 * 10 messages per request. Events under 6 KiB: 10 fit in one 64 KiB chunk.
 */
const SQS_REQUESTS_PER_EVENT = 0.1 + 0.1 + 0.1;
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
  /** SQS records per dispatcher invocation. */
  readonly batchSize: number;
  /** Bytes of one delivered message. */
  readonly messageBytes: number;
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
  const { destinations: d, batchSize, messageBytes } = scenario;
  const deliveriesPerEvent = deliveriesPerEventOf(d);
  const secondsPerEvent = deliveriesPerEvent / measured.deliveriesPerSecond;
  const lines = {
    'SQS requests': MILLION * SQS_REQUESTS_PER_EVENT * PRICES.sqsStandardPerRequest,
    'dispatcher requests': (MILLION / batchSize) * PRICES.lambdaPerRequest,
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
 * pipe request, and the target called once per event (Pipes publishes to an SNS target one
 * message per call; a Lambda target is invoked with each event, as the delivery contract asks;
 * a queue target is counted one send per event too, an assumption).
 */
export function pipesCost(scenario: CostScenario): CostPerMillion {
  const { destinations: d, messageBytes } = scenario;
  const deliveriesPerEvent = deliveriesPerEventOf(d);
  const lines = {
    // Each pipe reads its own queue: the ingest side once per destination.
    'SQS requests': MILLION * deliveriesPerEvent * SQS_REQUESTS_PER_EVENT * PRICES.sqsStandardPerRequest,
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
