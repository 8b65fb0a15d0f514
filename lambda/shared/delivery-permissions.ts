import type { DestinationType } from './destination-config';

/** What a delivery role must be allowed, on one destination type's resources and their KMS keys. */
export interface DeliveryPermissions {
  /** On the destination itself: the delivery call, and what the setup check reads. */
  readonly actions: readonly string[];
  /** On the KMS key that encrypts it, when one does: what the service needs from the sender. */
  readonly keyActions: readonly string[];
}

/**
 * A delivery role's permissions per destination type, read by the `DeliveryRole` construct and by
 * each destination driver: one table the compiler checks complete, with no SDK client in it.
 */
export const DELIVERY_PERMISSIONS: { readonly [T in DestinationType]: DeliveryPermissions } = {
  lambda: { actions: ['lambda:InvokeFunction'], keyActions: [] },
  // GetTopicAttributes: the setup check reads the topic's FIFO, KMS and size settings.
  sns: {
    actions: ['sns:Publish', 'sns:GetTopicAttributes'],
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  },
  // Kinesis encrypts each record with a data key generated in the producer's name.
  kinesis: {
    actions: ['kinesis:PutRecords', 'kinesis:DescribeStreamSummary'],
    keyActions: ['kms:GenerateDataKey'],
  },
  // A bus's key is used by EventBridge itself, as the key policy allows it: the sender needs no KMS grant.
  eventbridge: { actions: ['events:PutEvents', 'events:DescribeEventBus'], keyActions: [] },
  sqs: {
    actions: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
    keyActions: ['kms:GenerateDataKey', 'kms:Decrypt'],
  },
};
