import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { SNS_LIMITS, topicLimits } from '../../../dispatcher/deliver/drivers/sns';
import { isFifoTopic, type SnsDestination } from '../../../shared/destination-config';
import { keyUseSteps, messageResourceSteps, probeFailed, type TargetCheck } from './common';

/**
 * A topic: readable through the role, FIFO, deduplication, key and size as the platform needs
 * them, and its key usable by the role.
 */
export const checkTopic: TargetCheck<SnsDestination> = async (destination, clients, options) => {
  let attributes: Record<string, string>;
  try {
    const response = await clients
      .client(SNSClient, destination)
      .send(new GetTopicAttributesCommand({ TopicArn: destination.topicArn }));
    attributes = response.Attributes ?? {};
  } catch (error) {
    return probeFailed('topic attributes', error, 'topic', 'sns:GetTopicAttributes and sns:Publish');
  }
  const steps = messageResourceSteps({
    noun: 'topic',
    service: 'SNS',
    fifo: attributes.FifoTopic === 'true',
    expectedFifo: isFifoTopic(destination),
    contentBasedDeduplication: attributes.ContentBasedDeduplication === 'true',
    key: attributes.KmsMasterKeyId,
    maximumMessageSize: Number(attributes.MaximumMessageSize ?? SNS_LIMITS.maxBytes),
    configuredMaxBytes: topicLimits(destination).maxBytes,
    offloadOversize: destination.offloadOversize,
  });
  return [
    ...steps,
    ...(await keyUseSteps(destination, clients, {
      noun: 'topic',
      service: 'SNS',
      key: attributes.KmsMasterKeyId,
      encryptionContext: { 'aws:sns:topicArn': destination.topicArn },
      sendTestEvent: options.sendTestEvent,
    })),
  ];
};
