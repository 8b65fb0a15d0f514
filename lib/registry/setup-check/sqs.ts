import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { queueLimits, queueUrl, SQS_LIMITS } from '../../../lambda/dispatcher/deliver/drivers/sqs';
import { isFifo, type SqsDestination } from '../../../lambda/shared/destination-config';
import { messageResourceSteps, probeFailed, type TargetCheck } from './common';

/** A queue: readable through the role, and FIFO, deduplication, key and size as the platform needs them. */
export const checkQueue: TargetCheck<SqsDestination> = async (destination, clients) => {
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
  return messageResourceSteps({
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
};
