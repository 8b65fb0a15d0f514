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

export const STREAM_ARN_PATTERN = arnPattern('kinesis', 'stream/[A-Za-z0-9_.-]{1,128}');
const STREAM_ARN: TextRule = { pattern: STREAM_ARN_PATTERN, message: 'must be a Kinesis data stream ARN' };

/** A Kinesis data stream: `PutRecords`, partition key the visitor, so a visitor's events keep their order in a shard. */
export const KinesisDestinationSchema = z.strictObject({
  id: DestinationIdSchema,
  type: z.literal('kinesis'),
  streamArn: text(STREAM_ARN),
  roleArn,
  ...DELIVERY_OPTIONS,
});

export const kinesisType: DestinationTypeDefinition<z.input<typeof KinesisDestinationSchema>> = {
  schema: KinesisDestinationSchema,
  arnOf: (d) => d.streamArn,
  fifo: false,
  // Kinesis encrypts each record with a data key generated in the producer's name.
  permissions: {
    actions: ['kinesis:PutRecords', 'kinesis:DescribeStreamSummary'],
    keyActions: ['kms:GenerateDataKey'],
  },
};

/** What a form or the CLI asks for, before `COMMON_FIELDS`. */
export const KINESIS_FIELDS: readonly FieldDescriptor[] = [
  {
    name: 'streamArn',
    label: 'Stream ARN',
    description: "The data stream: a visitor's records keep their order in its shard",
    required: true,
    rule: STREAM_ARN,
    example: 'arn:aws:kinesis:us-east-1:111122223333:stream/clickstream',
  },
  DELIVERY_ROLE_FIELD,
];
