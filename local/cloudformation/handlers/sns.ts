import { CreateTopicCommand, SetTopicAttributesCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { isTrue, json, physicalName, type ResourceHandler, stringList, tagMap } from './handler';

/** Template properties that are topic attributes of the same name. */
const TOPIC_ATTRIBUTES = [
  'ArchivePolicy',
  'DeliveryPolicy',
  'DisplayName',
  'FifoThroughputScope',
  'KmsMasterKeyId',
  'SignatureVersion',
  'TracingConfig',
];

export const topic: ResourceHandler = {
  properties: [
    'TopicName',
    'FifoTopic',
    'ContentBasedDeduplication',
    'Subscription',
    'Tags',
    ...TOPIC_ATTRIBUTES,
  ],
  async create(properties, context) {
    const fifo = isTrue(properties.FifoTopic);
    const name =
      typeof properties.TopicName === 'string'
        ? properties.TopicName
        : physicalName(context, { maxLength: 256, suffix: fifo ? '.fifo' : '' });
    const attributes: Record<string, string> = {};
    for (const attribute of TOPIC_ATTRIBUTES) {
      if (properties[attribute] !== undefined) attributes[attribute] = json(properties[attribute]);
    }
    // moto takes any value of these two as true when creating a topic, "false" too: only true is passed.
    if (fifo) attributes.FifoTopic = 'true';
    if (isTrue(properties.ContentBasedDeduplication)) attributes.ContentBasedDeduplication = 'true';
    const tags = Object.entries(tagMap(properties.Tags) ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const { TopicArn = '' } = await context.clients.sns.send(
      new CreateTopicCommand({
        Name: name,
        Attributes: attributes,
        Tags: tags.length > 0 ? tags : undefined,
      }),
    );
    const inline = (properties.Subscription ?? []) as { Endpoint: string; Protocol: string }[];
    for (const { Endpoint, Protocol } of inline) {
      await context.clients.sns.send(new SubscribeCommand({ TopicArn, Endpoint, Protocol }));
    }
    return { ref: TopicArn, attributes: { TopicArn, TopicName: name } };
  },
};

/** Template properties that are subscription attributes of the same name. */
const SUBSCRIPTION_ATTRIBUTES = [
  'DeliveryPolicy',
  'FilterPolicy',
  'FilterPolicyScope',
  'RedrivePolicy',
  'ReplayPolicy',
  'SubscriptionRoleArn',
];

export const subscription: ResourceHandler = {
  // Region: the topic's region when not the stack's; the local platform has one region.
  properties: [
    'TopicArn',
    'Protocol',
    'Endpoint',
    'RawMessageDelivery',
    'Region',
    ...SUBSCRIPTION_ATTRIBUTES,
  ],
  async create(properties, context) {
    const attributes: Record<string, string> = {};
    for (const attribute of SUBSCRIPTION_ATTRIBUTES) {
      if (properties[attribute] !== undefined) attributes[attribute] = json(properties[attribute]);
    }
    // moto delivers raw whenever the attribute is set, to "false" too: only true is passed.
    if (isTrue(properties.RawMessageDelivery)) attributes.RawMessageDelivery = 'true';
    const { SubscriptionArn = '' } = await context.clients.sns.send(
      new SubscribeCommand({
        TopicArn: String(properties.TopicArn),
        Protocol: String(properties.Protocol),
        Endpoint: String(properties.Endpoint),
        Attributes: attributes,
        ReturnSubscriptionArn: true,
      }),
    );
    return { ref: SubscriptionArn, attributes: { Arn: SubscriptionArn } };
  },
};

export const topicPolicy: ResourceHandler = {
  properties: ['Topics', 'PolicyDocument'],
  async create(properties, context) {
    for (const TopicArn of stringList(properties.Topics)) {
      await context.clients.sns.send(
        new SetTopicAttributesCommand({
          TopicArn,
          AttributeName: 'Policy',
          AttributeValue: json(properties.PolicyDocument),
        }),
      );
    }
    return { ref: `${context.stackName}-${context.logicalId}`, attributes: {} };
  },
};
