import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { isTrue, json, physicalName, type ResourceHandler, stringList, tagMap } from './handler';

/** Template properties that are queue attributes of the same name. */
const ATTRIBUTES = [
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'DelaySeconds',
  'FifoThroughputLimit',
  'KmsDataKeyReusePeriodSeconds',
  'KmsMasterKeyId',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'RedriveAllowPolicy',
  'RedrivePolicy',
  'SqsManagedSseEnabled',
  'VisibilityTimeout',
];

export const queue: ResourceHandler = {
  properties: ['QueueName', 'FifoQueue', 'Tags', ...ATTRIBUTES],
  async create(properties, context) {
    const fifo = isTrue(properties.FifoQueue);
    const name =
      typeof properties.QueueName === 'string'
        ? properties.QueueName
        : physicalName(context, { maxLength: 80, suffix: fifo ? '.fifo' : '' });
    const attributes: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
    for (const attribute of ATTRIBUTES) {
      if (properties[attribute] !== undefined) attributes[attribute] = json(properties[attribute]);
    }
    const { QueueUrl = '' } = await context.clients.sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags: tagMap(properties.Tags) }),
    );
    const { Attributes } = await context.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { ref: QueueUrl, attributes: { Arn: Attributes?.QueueArn, QueueName: name, QueueUrl } };
  },
};

export const queuePolicy: ResourceHandler = {
  properties: ['Queues', 'PolicyDocument'],
  async create(properties, context) {
    // moto keeps a queue's policy only until its other attributes are next set: nothing here sets them later.
    for (const QueueUrl of stringList(properties.Queues)) {
      await context.clients.sqs.send(
        new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: json(properties.PolicyDocument) } }),
      );
    }
    return { ref: `${context.stackName}-${context.logicalId}`, attributes: {} };
  },
};
