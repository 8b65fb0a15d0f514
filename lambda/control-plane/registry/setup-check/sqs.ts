import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queueLimits, queueUrl, SQS_LIMITS } from '../../../dispatcher/deliver/drivers/sqs';
import { isFifo, type SqsDestination } from '../../../shared/destination-config';
import { keyUseSteps, messageResourceSteps, probeFailed, type TargetCheck } from './common';

/**
 * A queue: readable through the role, FIFO, deduplication, key and size as the platform needs
 * them, and its key usable by the role.
 */
export const checkQueue: TargetCheck<SqsDestination> = async (destination, clients, options) => {
  let attributes: Partial<Record<string, string>>;
  try {
    ({ Attributes: attributes = {} } = await clients.client(SQSClient, destination).send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl(destination.queueArn),
        AttributeNames: [
          'FifoQueue',
          'ContentBasedDeduplication',
          'KmsMasterKeyId',
          'SqsManagedSseEnabled',
          'MaximumMessageSize',
        ],
      }),
    ));
  } catch (error) {
    return probeFailed('queue attributes', error, 'queue', 'sqs:GetQueueAttributes and sqs:SendMessage');
  }
  const steps = messageResourceSteps({
    noun: 'queue',
    service: 'SQS',
    fifo: attributes.FifoQueue === 'true',
    expectedFifo: isFifo(destination),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    key: attributes.KmsMasterKeyId,
    maximumMessageSize: Number(attributes.MaximumMessageSize ?? SQS_LIMITS.maxBytes),
    configuredMaxBytes: queueLimits(destination).maxBytes,
    offloadOversize: destination.offloadOversize,
  });
  return [
    ...steps,
    ...(await keyUseSteps(destination, clients, {
      noun: 'queue',
      service: 'SQS',
      key: attributes.KmsMasterKeyId,
      encryptionContext: { 'aws:sqs:arn': destination.queueArn },
      sendTestEvent: options.sendTestEvent,
    })),
  ];
};
