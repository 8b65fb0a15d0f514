import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { DeliveryRole } from '../constructs/delivery-role';
import { EncryptionKey } from '../constructs/encryption-key';
import { EventConsumer } from '../constructs/event-consumer';

export interface CustomerStackProps extends StackProps {
  /** The event delivery platform's AWS account id. */
  readonly platformAccountId: string;
  /** The platform dispatcher's role ARN (the platform stack's `DispatcherRoleArn` output). */
  readonly dispatcherRoleArn: string;
  /** Your workspace's external id, assigned by the platform (`destinations workspaces show`). */
  readonly externalId: string;
  /**
   * The platform's payload bucket (its `PayloadBucketArn` output): oversize events are offloaded
   * there and the consumer reads them through the delivery role.
   * @default none: oversize events are dead-lettered by the platform with `PayloadTooLarge`
   */
  readonly payloadBucketArn?: string;
  /**
   * The payload bucket's key (the platform's `PayloadKeyArn` output). Required with `payloadBucketArn`.
   * @default none
   */
  readonly payloadKeyArn?: string;
}

/**
 * What a customer deploys to receive events: a standard and a FIFO topic, the delivery role the
 * platform assumes, and the sample consumer subscribed to both topics and invocable directly.
 */
export class CustomerStack extends Stack {
  public readonly topic: sns.Topic;
  public readonly fifoTopic: sns.Topic;
  public readonly consumer: EventConsumer;
  public readonly deliveryRole: DeliveryRole;

  constructor(scope: Construct, id: string, props: CustomerStackProps) {
    super(scope, id, props);

    // The topics' own key: the consumer's key policy names the topics, so one shared key would be a cycle.
    const topicKey = new EncryptionKey(this, 'TopicKey', { description: 'Event delivery topics' });
    this.topic = new sns.Topic(this, 'Events', { masterKey: topicKey, enforceSSL: true });
    // No content-based deduplication: the platform sends a deduplication id per destination and event.
    this.fifoTopic = new sns.Topic(this, 'EventsFifo', {
      fifo: true,
      contentBasedDeduplication: false,
      masterKey: topicKey,
      enforceSSL: true,
    });

    this.consumer = new EventConsumer(this, 'Consumer', {
      topics: [this.topic, this.fifoTopic],
      // Lets the platform invoke the function without a delivery role, too.
      invokers: [new iam.ArnPrincipal(props.dispatcherRoleArn)],
    });

    this.deliveryRole = new DeliveryRole(this, 'DeliveryRole', {
      platformAccountId: props.platformAccountId,
      dispatcherRoleArn: props.dispatcherRoleArn,
      externalId: props.externalId,
      topics: [this.topic, this.fifoTopic],
      functions: [this.consumer.function],
      payloadBucketArn: props.payloadBucketArn,
      payloadKeyArn: props.payloadKeyArn,
      payloadReaders: props.payloadBucketArn ? [this.consumer.role] : [],
    });
    if (props.payloadBucketArn) this.consumer.readOffloadedPayloadsAs(this.deliveryRole.role);

    const delivery = {
      roleArn: this.deliveryRole.role.roleArn,
      events: ['*'],
      ...(props.payloadBucketArn && { offloadOversize: true }),
    };
    new CfnOutput(this, 'DeliveryRoleArn', { value: this.deliveryRole.role.roleArn });
    new CfnOutput(this, 'ExternalId', { value: props.externalId });
    new CfnOutput(this, 'DestinationConfig', {
      description:
        "Your destinations: add each to your workspace (npm run destinations -- add …), or to a static config's workspace",
      value: this.toJsonString([
        {
          id: `${this.stackName}-fn`,
          type: 'lambda',
          functionArn: this.consumer.function.functionArn,
          ...delivery,
        },
        { id: `${this.stackName}-topic`, type: 'sns', topicArn: this.topic.topicArn, ...delivery },
        { id: `${this.stackName}-fifo`, type: 'sns', topicArn: this.fifoTopic.topicArn, ...delivery },
      ]),
    });
  }
}
