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

export const TOPIC_ARN_PATTERN = arnPattern('sns', '[A-Za-z0-9_-]{1,256}(?:\\.fifo)?');
const TOPIC_ARN: TextRule = { pattern: TOPIC_ARN_PATTERN, message: 'must be an SNS topic ARN' };

export const SnsDestinationSchema = z.strictObject({
  id: DestinationIdSchema,
  type: z.literal('sns'),
  topicArn: text(TOPIC_ARN),
  roleArn,
  /**
   * The topic's `MaximumMessageSize` (SNS accepts up to 1 MiB when a topic is configured so):
   * the size limit of one message and of one PublishBatch call. The setup check reads the real one.
   */
  maxMessageBytes,
  ...DELIVERY_OPTIONS,
});

/** Amazon SNS topics, standard or FIFO: `PublishBatch`; a FIFO topic orders each visitor. */
export const snsType: DestinationTypeDefinition<z.input<typeof SnsDestinationSchema>> = {
  schema: SnsDestinationSchema,
  arnOf: (d) => d.topicArn,
  fifo: true,
  // GetTopicAttributes: the setup check reads the topic's FIFO, KMS and size settings.
  permissions: {
    actions: ['sns:Publish', 'sns:GetTopicAttributes'],
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  },
};

/** What a form or the CLI asks for, before `COMMON_FIELDS`. */
export const SNS_FIELDS: readonly FieldDescriptor[] = [
  {
    name: 'topicArn',
    label: 'Topic ARN',
    description: 'The topic, standard or FIFO (.fifo)',
    required: true,
    rule: TOPIC_ARN,
    example: 'arn:aws:sns:us-east-1:111122223333:orders',
  },
  DELIVERY_ROLE_FIELD,
  MAX_MESSAGE_BYTES_FIELD,
];
