import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
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

/** The `Source` of the events the platform puts on this stack's bus, which its rule matches. */
export const EVENT_SOURCE = 'event-delivery';

/**
 * What a customer deploys to receive events: a standard and a FIFO topic, a Kinesis stream, an
 * EventBridge bus, a standard and a FIFO queue, the delivery role the platform assumes, and the
 * sample consumer reading all of them and invocable directly.
 */
export class CustomerStack extends Stack {
  public readonly topic: sns.Topic;
  public readonly fifoTopic: sns.Topic;
  public readonly stream: kinesis.Stream;
  public readonly bus: events.EventBus;
  public readonly queue: sqs.Queue;
  public readonly fifoQueue: sqs.Queue;
  public readonly consumer: EventConsumer;
  public readonly deliveryRole: DeliveryRole;

  constructor(scope: Construct, id: string, props: CustomerStackProps) {
    super(scope, id, props);
    // The topics' own key: the consumer's key policy names the topics, so one shared key would be a cycle.
    const topicKey = new EncryptionKey(this, 'TopicKey', { description: 'Event delivery topics' });
    this.topic = new sns.Topic(this, 'Events', { masterKey: topicKey, enforceSSL: true });
    this.fifoTopic = this.createFifoTopic(topicKey);
    // The stream's, bus's and queues' key, apart from the consumer's for the same reason.
    const destinationKey = new EncryptionKey(this, 'DestinationKey', {
      description: 'Event delivery streams, buses and queues',
    });
    this.stream = this.createStream(destinationKey);
    this.bus = this.createBus(destinationKey);
    this.queue = this.createDestinationQueue('EventsQueue', false, destinationKey);
    this.fifoQueue = this.createDestinationQueue('EventsQueueFifo', true, destinationKey);
    this.consumer = new EventConsumer(this, 'Consumer', {
      topics: [this.topic, this.fifoTopic],
      queues: [this.queue, this.fifoQueue],
      streams: [this.stream],
      eventBuses: [{ bus: this.bus, source: EVENT_SOURCE }],
      // Lets the platform invoke the function without a delivery role, too.
      invokers: [new iam.ArnPrincipal(props.dispatcherRoleArn)],
    });
    this.deliveryRole = this.createDeliveryRole(props);
    if (props.payloadBucketArn) this.consumer.readOffloadedPayloadsAs(this.deliveryRole.role);
    this.addOutputs(props);
  }

  /** No content-based deduplication: the platform sends a deduplication id per destination and event. */
  private createFifoTopic(topicKey: kms.IKey): sns.Topic {
    return new sns.Topic(this, 'EventsFifo', {
      fifo: true,
      contentBasedDeduplication: false,
      masterKey: topicKey,
      enforceSSL: true,
    });
  }

  private createStream(destinationKey: kms.IKey): kinesis.Stream {
    const stream = new kinesis.Stream(this, 'Clickstream', {
      streamMode: kinesis.StreamMode.ON_DEMAND,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: destinationKey,
      retentionPeriod: Duration.days(7),
    });
    Validations.of(stream).acknowledge({
      id: 'AwsSolutions::AwsSolutions-KDS3',
      reason:
        'Events carry health-adjacent personal data: a customer-managed key with rotation, whose policy the customer controls, is required (HIPAA), whatever it costs over aws/kinesis.',
    });
    return stream;
  }

  /**
   * EventBridge itself uses the bus's key (the key policy lets it, for this bus only): the
   * platform's delivery role needs no KMS grant to put events on it.
   */
  private createBus(destinationKey: kms.IKey): events.EventBus {
    return new events.EventBus(this, 'Bus', {
      description: 'Events delivered by the event delivery platform',
      kmsKey: destinationKey,
    });
  }

  /** A queue the platform delivers to, with its own dead-letter queue. */
  private createDestinationQueue(id: string, fifo: boolean, destinationKey: kms.IKey): sqs.Queue {
    const secure = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: destinationKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      fifo: fifo || undefined,
    };
    const deadLetterQueue = new sqs.Queue(this, `${id}DeadLetterQueue`, secure);
    Validations.of(deadLetterQueue).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-SQS3', reason: `This is the dead-letter queue of ${id}.` },
      { id: 'Serverless::Serverless-SQSRedrivePolicy', reason: `This is the dead-letter queue of ${id}.` },
      {
        id: 'cdk-validator-cfnguard::sqs_dlq_check',
        reason: `This is the dead-letter queue of ${id}; a RedriveAllowPolicy naming it would be a cycle.`,
      },
    );
    return new sqs.Queue(this, id, {
      ...secure,
      // No content-based deduplication: the platform sends a deduplication id per destination and event.
      ...(fifo && { contentBasedDeduplication: false }),
      visibilityTimeout: Duration.minutes(3),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: EventConsumer.DEFAULTS.maxReceiveCount },
    });
  }

  /** The role the platform assumes to deliver to every destination here (and, given the bucket, to read payloads). */
  private createDeliveryRole(props: CustomerStackProps): DeliveryRole {
    return new DeliveryRole(this, 'DeliveryRole', {
      platformAccountId: props.platformAccountId,
      dispatcherRoleArn: props.dispatcherRoleArn,
      externalId: props.externalId,
      topics: [this.topic, this.fifoTopic],
      functions: [this.consumer.function],
      streams: [this.stream],
      eventBuses: [this.bus],
      queues: [this.queue, this.fifoQueue],
      payloadBucketArn: props.payloadBucketArn,
      payloadKeyArn: props.payloadKeyArn,
      payloadReaders: props.payloadBucketArn ? [this.consumer.role] : [],
    });
  }

  /** What the customer gives the platform: the role, the external id, and the destinations' config. */
  private addOutputs(props: CustomerStackProps): void {
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
        { id: `${this.stackName}-stream`, type: 'kinesis', streamArn: this.stream.streamArn, ...delivery },
        {
          id: `${this.stackName}-bus`,
          type: 'eventbridge',
          eventBusArn: this.bus.eventBusArn,
          source: EVENT_SOURCE,
          ...delivery,
        },
        { id: `${this.stackName}-queue`, type: 'sqs', queueArn: this.queue.queueArn, ...delivery },
        { id: `${this.stackName}-queue-fifo`, type: 'sqs', queueArn: this.fifoQueue.queueArn, ...delivery },
      ]),
    });
  }
}
