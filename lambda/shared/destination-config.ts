import * as z from 'zod/mini';
import {
  DESTINATION_TYPES,
  type DestinationInput,
  DestinationSchema,
  type DestinationSpec,
  type DestinationType,
} from './destination-types';
import './zod-messages';

/**
 * Destination config: where the dispatcher delivers events. Parsed once at synth time
 * (so a bad config fails `cdk synth`) and once at cold start (so a bad config fails fast).
 * Each type's schema is in `destination-types/<type>.ts`; this is their union, and its parsing.
 */

export {
  DESTINATION_ID_PATTERN,
  DestinationIdSchema,
  EXTERNAL_ID_PATTERN,
  ROLE_ARN_PATTERN,
} from './destination-types/common';
export { EVENT_BUS_ARN_PATTERN, EventBridgeDestinationSchema } from './destination-types/eventbridge';
export { KinesisDestinationSchema, STREAM_ARN_PATTERN } from './destination-types/kinesis';
export { FUNCTION_ARN_PATTERN, LambdaDestinationSchema } from './destination-types/lambda';
export { SnsDestinationSchema, TOPIC_ARN_PATTERN } from './destination-types/sns';
export { QUEUE_ARN_PATTERN, SqsDestinationSchema } from './destination-types/sqs';
export { type DestinationInput, DestinationSchema, type DestinationSpec, type DestinationType };

export const DestinationListSchema = z.array(DestinationSchema).check(
  z.superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((d, index) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', message: 'is used twice', path: [index, 'id'] });
      seen.add(d.id);
    });
  }),
);

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
export function destinationArn(destination: DestinationInput): string {
  // TypeScript cannot correlate a union member with its table entry; the table's type does.
  return (DESTINATION_TYPES[destination.type].arnOf as (d: DestinationInput) => string)(destination);
}

/** A FIFO topic or queue: its name ends in `.fifo`, and it orders each visitor's events. */
export function isFifo(destination: DestinationInput): boolean {
  return DESTINATION_TYPES[destination.type].fifo && destinationArn(destination).endsWith('.fifo');
}

export function isFifoTopic(destination: DestinationSpec): boolean {
  return destination.type === 'sns' && destination.topicArn.endsWith('.fifo');
}
