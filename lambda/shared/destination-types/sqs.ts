import * as z from 'zod/mini';
import {
  arnPattern,
  DELIVERY_OPTIONS,
  DELIVERY_ROLE_FIELD,
  DestinationIdSchema,
  type DestinationTypeDefinition,
  type FieldDescriptor,
  MAX_MESSAGE_BYTES_FIELD,
  maxMessageBytes,
  roleArn,
  type TextRule,
  text,
} from './common';

/** A queue name is 1-80 characters, `.fifo` included for a FIFO queue. */
export const QUEUE_ARN_PATTERN = arnPattern('sqs', '(?=[A-Za-z0-9_.-]{1,80}$)[A-Za-z0-9_-]+(?:\\.fifo)?');
const QUEUE_ARN: TextRule = { pattern: QUEUE_ARN_PATTERN, message: 'must be an SQS queue ARN' };

/** An SQS queue, standard or FIFO: `SendMessageBatch`; a FIFO queue orders each visitor. */
export const SqsDestinationSchema = z.strictObject({
  id: DestinationIdSchema,
  type: z.literal('sqs'),
  queueArn: text(QUEUE_ARN),
  roleArn,
  /** The queue's `MaximumMessageSize` (up to 1 MiB): the size limit of one message and one call. */
  maxMessageBytes,
  ...DELIVERY_OPTIONS,
});

export const sqsType: DestinationTypeDefinition<z.input<typeof SqsDestinationSchema>> = {
  schema: SqsDestinationSchema,
  arnOf: (d) => d.queueArn,
  fifo: true,
  permissions: {
    actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  },
};

/** What a form or the CLI asks for, before `COMMON_FIELDS`. */
export const SQS_FIELDS: readonly FieldDescriptor[] = [
  {
    name: 'queueArn',
    label: 'Queue ARN',
    description: 'The queue, standard or FIFO (.fifo)',
    required: true,
    rule: QUEUE_ARN,
    example: 'arn:aws:sqs:us-east-1:111122223333:orders',
  },
  DELIVERY_ROLE_FIELD,
  MAX_MESSAGE_BYTES_FIELD,
];
