import * as z from 'zod/mini';
import { ConsentCategorySchema } from './consent';
import { DataMappingSchema } from './data-mapping';
import './zod-messages';

/**
 * Destination config: where the dispatcher delivers events. Parsed once at synth time
 * (so a bad config fails `cdk synth`) and once at cold start (so a bad config fails fast).
 */

const ARN_PARTITION = 'aws(?:-[a-z]+)*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';
const ACCOUNT = '\\d{12}';

export const FUNCTION_ARN_PATTERN = new RegExp(
  `^arn:${ARN_PARTITION}:lambda:${REGION}:${ACCOUNT}:function:[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9$_-]{1,128})?$`,
);
export const TOPIC_ARN_PATTERN = new RegExp(
  `^arn:${ARN_PARTITION}:sns:${REGION}:${ACCOUNT}:[A-Za-z0-9_-]{1,256}(?:\\.fifo)?$`,
);
export const STREAM_ARN_PATTERN = new RegExp(
  `^arn:${ARN_PARTITION}:kinesis:${REGION}:${ACCOUNT}:stream/[A-Za-z0-9_.-]{1,128}$`,
);
export const EVENT_BUS_ARN_PATTERN = new RegExp(
  `^arn:${ARN_PARTITION}:events:${REGION}:${ACCOUNT}:event-bus/[A-Za-z0-9._/-]{1,256}$`,
);
/** A queue name is 1-80 characters, `.fifo` included for a FIFO queue. */
export const QUEUE_ARN_PATTERN = new RegExp(
  `^arn:${ARN_PARTITION}:sqs:${REGION}:${ACCOUNT}:(?=[A-Za-z0-9_.-]{1,80}$)[A-Za-z0-9_-]+(?:\\.fifo)?$`,
);
export const ROLE_ARN_PATTERN = new RegExp(
  `^arn:${ARN_PARTITION}:iam::${ACCOUNT}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`,
);
/** STS accepts 2–1224 characters from this set for an external id. */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

/** A destination id: also what an ingest message's `destinations` may name, so no other text is ever echoed. */
export const DESTINATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DestinationIdSchema = z
  .string()
  .check(z.regex(DESTINATION_ID_PATTERN, 'must be 1-64 characters of letters, digits, "-" or "_"'));
const destinationId = DestinationIdSchema;

const eventAllowList = z
  .array(z.string().check(z.minLength(1, 'must not contain empty event names'), z.maxLength(1000)))
  .check(z.minLength(1, 'must list at least one event name, or "*" for all'));

/**
 * Events above the destination's size limit go to the platform's payload bucket, and a pointer
 * envelope is delivered instead; without it they are dead-lettered with `PayloadTooLarge`.
 * The delivery role reads the bucket, so a destination needs one to offload.
 */
const offloadOversize = z.optional(z.boolean());

/**
 * The most events a second the dispatcher sends this destination, per execution environment;
 * events over it are retried later, never dropped.
 */
const maxEventsPerSecond = z.optional(
  z.number().check(z.positive('must be a positive number of events per second'), z.lte(100_000)),
);

const roleArn = z.string().check(z.regex(ROLE_ARN_PATTERN, 'must be an IAM role ARN'));

/** What leaves for this destination (see `data-mapping.ts`). @default privacy-safe defaults */
const mapping = z.optional(DataMappingSchema);
/** Consent categories an event's visitor must all have granted for it to go here. @default none */
const requiredConsent = z.optional(z.array(ConsentCategorySchema).check(z.minLength(1), z.maxLength(10)));

/** A size limit the service lets its owner raise: the setup check reads the real one. */
const maxMessageBytes = (upTo: number) =>
  z.optional(
    z
      .int()
      .check(
        z.gte(1_024, `must be 1,024 to ${upTo.toLocaleString('en-US')} bytes`),
        z.lte(upTo, `must be 1,024 to ${upTo.toLocaleString('en-US')} bytes`),
      ),
  );

export const LambdaDestinationSchema = z
  .strictObject({
    id: destinationId,
    type: z.literal('lambda'),
    functionArn: z.string().check(z.regex(FUNCTION_ARN_PATTERN, 'must be a Lambda function ARN')),
    invocationType: z._default(z.enum(['Event', 'RequestResponse']), 'Event'),
    roleArn: z.optional(roleArn),
    events: eventAllowList,
    offloadOversize,
    maxEventsPerSecond,
    mapping,
    requiredConsent,
  })
  .check(
    z.refine((d) => !d.offloadOversize || d.roleArn !== undefined, {
      message: 'needs roleArn: offloaded payloads are readable only through the delivery role',
      path: ['offloadOversize'],
    }),
  );

export const SnsDestinationSchema = z.strictObject({
  id: destinationId,
  type: z.literal('sns'),
  topicArn: z.string().check(z.regex(TOPIC_ARN_PATTERN, 'must be an SNS topic ARN')),
  roleArn,
  mapping,
  requiredConsent,
  /**
   * The topic's `MaximumMessageSize` (SNS accepts up to 1 MiB when a topic is configured so):
   * the size limit of one message and of one PublishBatch call. The setup check reads the real one.
   */
  maxMessageBytes: maxMessageBytes(1_048_576),
  events: eventAllowList,
  offloadOversize,
  maxEventsPerSecond,
});

/** A Kinesis data stream: `PutRecords`, partition key the visitor, so a visitor's events keep their order in a shard. */
export const KinesisDestinationSchema = z.strictObject({
  id: destinationId,
  type: z.literal('kinesis'),
  streamArn: z.string().check(z.regex(STREAM_ARN_PATTERN, 'must be a Kinesis data stream ARN')),
  roleArn,
  mapping,
  requiredConsent,
  events: eventAllowList,
  offloadOversize,
  maxEventsPerSecond,
});

/** An EventBridge event bus: `PutEvents`, `DetailType` the event name, `Detail` the delivered payload. */
export const EventBridgeDestinationSchema = z.strictObject({
  id: destinationId,
  type: z.literal('eventbridge'),
  eventBusArn: z.string().check(z.regex(EVENT_BUS_ARN_PATTERN, 'must be an EventBridge event bus ARN')),
  roleArn,
  /** The events' `Source`, which the bus's rules match on. */
  source: z._default(
    z
      .string()
      .check(
        z.regex(
          /^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/,
          'must be 1-256 characters of letters, digits and ._/- not starting with "aws." (reserved for AWS)',
        ),
      ),
    'event-delivery',
  ),
  mapping,
  requiredConsent,
  events: eventAllowList,
  offloadOversize,
  maxEventsPerSecond,
});

/** An SQS queue, standard or FIFO: `SendMessageBatch`; a FIFO queue orders each visitor. */
export const SqsDestinationSchema = z.strictObject({
  id: destinationId,
  type: z.literal('sqs'),
  queueArn: z.string().check(z.regex(QUEUE_ARN_PATTERN, 'must be an SQS queue ARN')),
  roleArn,
  mapping,
  requiredConsent,
  /** The queue's `MaximumMessageSize` (up to 1 MiB): the size limit of one message and one call. */
  maxMessageBytes: maxMessageBytes(1_048_576),
  events: eventAllowList,
  offloadOversize,
  maxEventsPerSecond,
});

export const DestinationSchema = z.discriminatedUnion('type', [
  LambdaDestinationSchema,
  SnsDestinationSchema,
  KinesisDestinationSchema,
  EventBridgeDestinationSchema,
  SqsDestinationSchema,
]);

export const DestinationListSchema = z.array(DestinationSchema).check(
  z.superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((d, index) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', message: 'is used twice', path: [index, 'id'] });
      seen.add(d.id);
    });
  }),
);

/** Where a destination delivers, as a customer or operator configures it within a workspace. */
export type DestinationSpec = z.infer<typeof DestinationSchema>;
/** A destination type (`lambda`, `sns`, …): each has one driver in the dispatcher. */
export type DestinationType = DestinationSpec['type'];
/** What a customer or operator writes: defaults not yet applied. */
export type DestinationInput = z.input<typeof DestinationSchema>;

/**
 * A destination as the dispatcher delivers to it: its spec, the workspace it belongs to, and that
 * workspace's external id (assigned by the platform, never part of the spec) when it has a role.
 */
export type Destination = DestinationSpec & {
  readonly workspaceId: string;
  readonly externalId?: string;
};
export type LambdaDestination = Extract<Destination, { type: 'lambda' }>;
export type SnsDestination = Extract<Destination, { type: 'sns' }>;
export type KinesisDestination = Extract<Destination, { type: 'kinesis' }>;
export type EventBridgeDestination = Extract<Destination, { type: 'eventbridge' }>;
export type SqsDestination = Extract<Destination, { type: 'sqs' }>;

/** A destination's identity across workspaces: ids repeat between workspaces, this does not. */
export const destinationKey = (destination: Pick<Destination, 'workspaceId' | 'id'>): string =>
  `${destination.workspaceId}/${destination.id}`;

export class InvalidDestinationConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid destination config:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidDestinationConfigError';
  }
}

/**
 * Validates a destination list and reports every problem at once, each naming the
 * destination (by id where it has one) and the field.
 */
export function parseDestinations(input: unknown): DestinationSpec[] {
  const result = DestinationListSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const message =
      issue.code === 'unrecognized_keys' && issue.keys.includes('externalId')
        ? 'externalId is assigned by the platform, one per workspace: remove it from the destination'
        : issue.message;
    const [index, ...field] = issue.path;
    if (typeof index !== 'number') return `destinations: ${message}`;
    const raw = Array.isArray(input) ? (input[index] as { id?: unknown } | undefined) : undefined;
    const name = typeof raw?.id === 'string' ? `destination "${raw.id}"` : `destination #${index}`;
    return `${name}: ${field.length > 0 ? field.join('.') : '(entry)'} ${message}`;
  });
  throw new InvalidDestinationConfigError(problems);
}

/** Region and account of a destination come from its ARN. */
export function arnParts(arn: string): { partition: string; region: string; account: string } {
  const [, partition, , region, account] = arn.split(':');
  return { partition, region, account };
}

/** The resource a destination delivers to, whatever its type. */
const ARN_OF: { readonly [T in DestinationType]: (d: Extract<DestinationInput, { type: T }>) => string } = {
  lambda: (d) => d.functionArn,
  sns: (d) => d.topicArn,
  kinesis: (d) => d.streamArn,
  eventbridge: (d) => d.eventBusArn,
  sqs: (d) => d.queueArn,
};

export function destinationArn(destination: DestinationInput): string {
  return (ARN_OF[destination.type] as (d: DestinationInput) => string)(destination);
}

/** A FIFO topic or queue: its name ends in `.fifo`, and it orders each visitor's events. */
export function isFifo(destination: DestinationInput): boolean {
  return (
    (destination.type === 'sns' || destination.type === 'sqs') &&
    destinationArn(destination).endsWith('.fifo')
  );
}

export function isFifoTopic(destination: DestinationSpec): boolean {
  return destination.type === 'sns' && destination.topicArn.endsWith('.fifo');
}
