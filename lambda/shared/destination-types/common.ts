import * as z from 'zod/mini';
import { ConsentCategorySchema } from '../consent';
import { DataMappingSchema } from '../data-mapping';
import { DESTINATION_ID_PATTERN, DESTINATION_ID_RULE, DestinationIdSchema } from '../destination-id';
import '../zod-messages';

export { DESTINATION_ID_PATTERN, DestinationIdSchema };

/** What every destination type shares: its fields besides the resource, ARN parts, and the shape of a type's unit. */

const ARN_PARTITION = 'aws(?:-[a-z]+)*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';
const ACCOUNT = '\\d{12}';

/** An ARN of a regional resource of one service, in any partition, region and account. */
export const arnPattern = (service: string, resource: string) =>
  new RegExp(`^arn:${ARN_PARTITION}:${service}:${REGION}:${ACCOUNT}:${resource}$`);
export const REGION_PATTERN = new RegExp(`^${REGION}$`);
export const ACCOUNT_PATTERN = new RegExp(`^${ACCOUNT}$`);
export const ROLE_ARN_PATTERN = new RegExp(
  `^arn:${ARN_PARTITION}:iam::${ACCOUNT}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`,
);
/** STS accepts 2–1224 characters from this set for an external id. */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

/** A text field's rule: the schema checks it and a form or the CLI shows it, from this one definition. */
export interface TextRule {
  readonly pattern: RegExp;
  /** What a value must be, as a parse error says it after the field's name. */
  readonly message: string;
}
export const text = (rule: TextRule) => z.string().check(z.regex(rule.pattern, rule.message));

const DESTINATION_ID: TextRule = { pattern: DESTINATION_ID_PATTERN, message: DESTINATION_ID_RULE };
export const ROLE_ARN: TextRule = { pattern: ROLE_ARN_PATTERN, message: 'must be an IAM role ARN' };

export const roleArn = text(ROLE_ARN);

export const eventAllowList = z
  .array(z.string().check(z.minLength(1, 'must not contain empty event names'), z.maxLength(1000)))
  .check(z.minLength(1, 'must list at least one event name, or "*" for all'));

/**
 * Events above the destination's size limit go to the platform's payload bucket, and a pointer
 * envelope is delivered instead; without it they are dead-lettered with `PayloadTooLarge`.
 * The delivery role reads the bucket, so a destination needs one to offload.
 */
export const offloadOversize = z.optional(z.boolean());

const MAX_EVENTS_PER_SECOND = 100_000;
/**
 * The most events a second the dispatcher sends this destination, per execution environment;
 * events over it are retried later, never dropped.
 */
export const maxEventsPerSecond = z.optional(
  z
    .number()
    .check(z.positive('must be a positive number of events per second'), z.lte(MAX_EVENTS_PER_SECOND)),
);

/** What leaves for this destination (see `data-mapping.ts`). @default privacy-safe defaults */
export const mapping = z.optional(DataMappingSchema);
/** Consent categories an event's visitor must all have granted for it to go here. @default none */
export const requiredConsent = z.optional(
  z.array(ConsentCategorySchema).check(z.minLength(1), z.maxLength(10)),
);

/** What every type's config has besides its resource: which events, what shape, how fast, whose consent. */
export const DELIVERY_OPTIONS = {
  mapping,
  requiredConsent,
  events: eventAllowList,
  offloadOversize,
  maxEventsPerSecond,
};

/** SNS and SQS let their owner raise a topic's or queue's message size limit to 1 MiB. */
const MIN_MESSAGE_BYTES = 1_024;
const MAX_MESSAGE_BYTES = 1_048_576;
const MESSAGE_BYTES_RULE = 'must be 1,024 to 1,048,576 bytes';
/** A size limit the service lets its owner raise: the setup check reads the real one. */
export const maxMessageBytes = z.optional(
  z.int().check(z.gte(MIN_MESSAGE_BYTES, MESSAGE_BYTES_RULE), z.lte(MAX_MESSAGE_BYTES, MESSAGE_BYTES_RULE)),
);

/** What a delivery role must be allowed, on one destination type's resources and their KMS keys. */
export interface DeliveryPermissions {
  /** On the destination itself: the delivery call, and what the setup check reads. */
  readonly actions: readonly string[];
  /** On the KMS key that encrypts it, when one does: what the service needs from the sender. */
  readonly keyActions: readonly string[];
}

/**
 * One field that configures a destination, as a form or the CLI asks for it: the CLI's flag is
 * `--` and the name in kebab case (`topicArn`: `--topic-arn`).
 */
export interface FieldDescriptor {
  /** The destination's key; or an input that, with others, stands in for one (see `or`). */
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly required: boolean;
  /** @default 'text' */
  readonly kind?: 'number' | 'boolean' | 'list' | 'json';
  readonly rule?: TextRule;
  readonly min?: number;
  readonly max?: number;
  readonly options?: readonly string[];
  /** What the schema fills in when the field is not given. */
  readonly default?: string;
  /** A valid value: a form's placeholder, and what the tests build a destination from. */
  readonly example?: string | readonly string[];
  /** Inputs the CLI can build this field from instead (their descriptions say which are needed). */
  readonly or?: readonly string[];
}

/** One destination type, as `DESTINATION_TYPES` lists it; `D` is its config as written. */
export interface DestinationTypeDefinition<D> {
  /** Its member of the `DestinationSchema` union. */
  readonly schema: z.ZodMiniType<unknown, D>;
  /** The resource it delivers to: the client's region and account, and what the delivery role is granted on. */
  readonly arnOf: (destination: D) => string;
  /** Whether its resources may be FIFO, named `.fifo`: those order each visitor's events. */
  readonly fifo: boolean;
  readonly permissions: DeliveryPermissions;
}

/*
 * Field descriptors are plain data, without calls, spreads or template substitutions, so that
 * esbuild drops them from the dispatcher's bundle, which never reads them.
 */

/** The delivery role, which every type but Lambda requires. */
export const DELIVERY_ROLE_FIELD: FieldDescriptor = {
  name: 'roleArn',
  label: 'Delivery role ARN',
  description: 'The role in your account the platform assumes to deliver, on the /event-delivery/ path',
  required: true,
  rule: ROLE_ARN,
  example: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery',
};

export const MAX_MESSAGE_BYTES_FIELD: FieldDescriptor = {
  name: 'maxMessageBytes',
  label: 'Maximum message size',
  description: "The topic's or queue's MaximumMessageSize in bytes, when raised above 262,144",
  required: false,
  kind: 'number',
  min: MIN_MESSAGE_BYTES,
  max: MAX_MESSAGE_BYTES,
};

/** The fields every type has after its own. */
export const COMMON_FIELDS: readonly FieldDescriptor[] = [
  {
    name: 'id',
    label: 'Destination id',
    description: 'Names the destination in its workspace',
    required: true,
    rule: DESTINATION_ID,
    example: 'orders',
  },
  {
    name: 'events',
    label: 'Events',
    description: 'Event names it receives, or "*" for all',
    required: true,
    kind: 'list',
    example: ['*'],
  },
  {
    name: 'offloadOversize',
    label: 'Offload oversize events',
    description: 'Deliver events over the size limit as a pointer to the payload bucket (needs a role)',
    required: false,
    kind: 'boolean',
  },
  {
    name: 'maxEventsPerSecond',
    label: 'Rate limit',
    description:
      'The most events a second it is sent, per dispatcher environment; more wait, none are dropped',
    required: false,
    kind: 'number',
    max: MAX_EVENTS_PER_SECOND,
  },
  {
    name: 'requiredConsent',
    label: 'Required consent',
    description: "Consent categories an event's visitor must all have granted",
    required: false,
    kind: 'list',
  },
  {
    name: 'mapping',
    label: 'Data mapping',
    description: 'What leaves for it: see `destinations mapping`',
    required: false,
    kind: 'json',
  },
];
