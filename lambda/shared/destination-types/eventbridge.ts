import * as z from 'zod/mini';
import {
  arnPattern,
  DELIVERY_OPTIONS,
  DELIVERY_ROLE_FIELD,
  DestinationIdSchema,
  type DestinationTypeDefinition,
  type FieldDescriptor,
  roleArn,
  type TextRule,
  text,
} from './common';

export const EVENT_BUS_ARN_PATTERN = arnPattern('events', 'event-bus/[A-Za-z0-9._/-]{1,256}');
const EVENT_BUS_ARN: TextRule = {
  pattern: EVENT_BUS_ARN_PATTERN,
  message: 'must be an EventBridge event bus ARN',
};
const SOURCE: TextRule = {
  pattern: /^(?!aws\.)[A-Za-z0-9._/-]{1,256}$/,
  message: 'must be 1-256 characters of letters, digits and ._/- not starting with "aws." (reserved for AWS)',
};
const DEFAULT_SOURCE = 'event-delivery';

/** An EventBridge event bus: `PutEvents`, `DetailType` the event name, `Detail` the delivered payload. */
export const EventBridgeDestinationSchema = z.strictObject({
  id: DestinationIdSchema,
  type: z.literal('eventbridge'),
  eventBusArn: text(EVENT_BUS_ARN),
  roleArn,
  /** The events' `Source`, which the bus's rules match on. */
  source: z._default(text(SOURCE), DEFAULT_SOURCE),
  ...DELIVERY_OPTIONS,
});

export const eventBridgeType: DestinationTypeDefinition<z.input<typeof EventBridgeDestinationSchema>> = {
  schema: EventBridgeDestinationSchema,
  arnOf: (d) => d.eventBusArn,
  fifo: false,
  // A bus's key is used by EventBridge itself, as the key policy allows it: the sender needs no KMS grant.
  permissions: { actions: ['events:PutEvents', 'events:DescribeEventBus'], keyActions: [] },
};

/** What a form or the CLI asks for, before `COMMON_FIELDS`. */
export const EVENTBRIDGE_FIELDS: readonly FieldDescriptor[] = [
  {
    name: 'eventBusArn',
    label: 'Event bus ARN',
    description: 'The event bus',
    required: true,
    rule: EVENT_BUS_ARN,
    example: 'arn:aws:events:us-east-1:111122223333:event-bus/customer-events',
  },
  DELIVERY_ROLE_FIELD,
  {
    name: 'source',
    label: 'Source',
    description: "The events' Source, which the bus's rules match on",
    required: false,
    rule: SOURCE,
    default: DEFAULT_SOURCE,
  },
];
