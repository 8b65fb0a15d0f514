/**
 * Destination types, one unit each: `<type>.ts` holds its config schema, its resource's ARN
 * pattern, its delivery role's permissions and the fields a form or the CLI asks for;
 * `common.ts` holds what they share.
 *
 * To add a type, one unit per layer, each in a table the compiler checks complete:
 * 1. here: `<type>.ts`, its schema in `DestinationSchema` and its rows in `DESTINATION_TYPES` and
 *    `DESTINATION_FIELDS`;
 * 2. the dispatcher: its driver, `lambda/dispatcher/deliver/drivers/<type>.ts`, in `DRIVERS`;
 * 3. the control plane: its setup check, `lambda/control-plane/registry/setup-check/<type>.ts`,
 *    in `TARGET_CHECKS`.
 * Not checked by the compiler: the `DeliveryRole` construct's props for its resources, and the
 * CLI's flags (`bin/destinations/options.ts`).
 *
 * The driver and the setup check live in their own layers: the dispatcher bundles this folder
 * and must carry no setup-check code (nor its SDK calls). The fields are a table of their own,
 * plain data, so that the dispatcher's bundle, which never reads them, leaves them out; the
 * control plane serves them (`GET …/destination-types`) to forms and the CLI.
 */
import * as z from 'zod/mini';
import { COMMON_FIELDS, type DestinationTypeDefinition, type FieldDescriptor } from './common';
import { EVENTBRIDGE_FIELDS, EventBridgeDestinationSchema, eventBridgeType } from './eventbridge';
import { KINESIS_FIELDS, KinesisDestinationSchema, kinesisType } from './kinesis';
import { LAMBDA_FIELDS, LambdaDestinationSchema, lambdaType } from './lambda';
import { SNS_FIELDS, SnsDestinationSchema, snsType } from './sns';
import { SQS_FIELDS, SqsDestinationSchema, sqsType } from './sqs';

export type { DeliveryPermissions, DestinationTypeDefinition, FieldDescriptor, TextRule } from './common';

/** Every type's config, told apart by `type`. */
export const DestinationSchema = z.discriminatedUnion('type', [
  LambdaDestinationSchema,
  SnsDestinationSchema,
  KinesisDestinationSchema,
  EventBridgeDestinationSchema,
  SqsDestinationSchema,
]);

/** Where a destination delivers, as a customer or operator configures it within a workspace. */
export type DestinationSpec = z.infer<typeof DestinationSchema>;
/** A destination type (`lambda`, `sns`, …): each has one driver in the dispatcher. */
export type DestinationType = DestinationSpec['type'];
/** What a customer or operator writes: defaults not yet applied. */
export type DestinationInput = z.input<typeof DestinationSchema>;

export const DESTINATION_TYPES: {
  readonly [T in DestinationType]: DestinationTypeDefinition<Extract<DestinationInput, { type: T }>>;
} = {
  lambda: lambdaType,
  sns: snsType,
  kinesis: kinesisType,
  eventbridge: eventBridgeType,
  sqs: sqsType,
};

/** Each type's own fields; `destinationFields` adds the common ones. */
export const DESTINATION_FIELDS: { readonly [T in DestinationType]: readonly FieldDescriptor[] } = {
  lambda: LAMBDA_FIELDS,
  sns: SNS_FIELDS,
  kinesis: KINESIS_FIELDS,
  eventbridge: EVENTBRIDGE_FIELDS,
  sqs: SQS_FIELDS,
};

/** The fields that configure a destination of this type, its own first: for forms and CLI flags. */
export function destinationFields(type: DestinationType): readonly FieldDescriptor[] {
  return [...DESTINATION_FIELDS[type], ...COMMON_FIELDS];
}
