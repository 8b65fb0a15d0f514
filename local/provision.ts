import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DestinationInput } from '../lambda/shared/destination-config';
import { EventConsumer } from '../lib/constructs/event-consumer';
import { IngestQueue } from '../lib/constructs/ingest-queue';
import { CUSTOMER_ACCOUNT, emulatorClient, PLATFORM_ACCOUNT, REGION } from './accounts';
import { deliveryRolePolicies } from './definitions';

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

export interface SubscriptionQueue extends Queue {
  /** The destination whose topic feeds this queue: the consumer scope. */
  readonly destinationId: string;
  readonly deadLetterQueue: Queue;
}

export interface LocalResources {
  readonly ingestQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dispatcherRoleArn: string;
  readonly deliveryRoleArn: string;
  readonly externalId: string;
  readonly consumerFunctionArn: string;
  readonly invocationDeadLetterQueue: Queue;
  readonly subscriptionQueues: SubscriptionQueue[];
  /** One idempotency table per consumer scope (destination id), each on its own emulator process. */
  readonly idempotencyTables: Record<string, { tableName: string; endpoint: string }>;
  /** The destination config the local dispatcher runs with. */
  readonly destinations: DestinationInput[];
}

export interface ProvisionOptions {
  /** moto for SQS, SNS, STS and IAM (SNS must share a process with SQS for fan-out). */
  readonly messagingEndpoint: string;
  /** moto processes for DynamoDB, apart from SQS: idempotency writes are most of the emulator's work. */
  readonly databaseEndpoints: readonly string[];
  readonly fifoIngestQueue?: boolean;
  /** Subscription queues: shorter than the deployed 6× timeout, so a failed record comes back in seconds. */
  readonly visibilityTimeoutSeconds: number;
  /**
   * The ingest queue: longer than any local dispatch batch, faults included. Lambda's timeout
   * ends a batch in AWS; locally nothing does, and a record visible again mid-batch would be
   * dispatched twice at once, out of order on a FIFO queue.
   */
  readonly ingestVisibilityTimeoutSeconds: number;
}

export const DESTINATION_IDS = {
  function: 'customer-fn',
  topic: 'customer-topic',
  fifoTopic: 'customer-fifo',
} as const;

/**
 * Creates in the emulator what the platform and customer stacks define: settings come from the
 * CDK constructs' defaults, and the delivery role's policies from the `DeliveryRole` construct.
 */
export async function provision(options: ProvisionOptions): Promise<LocalResources> {
  const platformSqs = emulatorClient(SQSClient, options.messagingEndpoint, PLATFORM_ACCOUNT);
  const customerSqs = emulatorClient(SQSClient, options.messagingEndpoint, CUSTOMER_ACCOUNT);
  const customerSns = emulatorClient(SNSClient, options.messagingEndpoint, CUSTOMER_ACCOUNT);
  const platformIam = emulatorClient(IAMClient, options.messagingEndpoint, PLATFORM_ACCOUNT);
  const customerIam = emulatorClient(IAMClient, options.messagingEndpoint, CUSTOMER_ACCOUNT);

  const createQueue = async (
    sqs: SQSClient,
    name: string,
    attributes: Record<string, string> = {},
  ): Promise<Queue> => {
    const fifo = name.endsWith('.fifo');
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: {
          MessageRetentionPeriod: String(IngestQueue.DEFAULTS.retentionPeriod.toSeconds()),
          VisibilityTimeout: String(options.visibilityTimeoutSeconds),
          ...(fifo && { FifoQueue: 'true' }),
          ...attributes,
        },
      }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl ?? '', arn: Attributes?.QueueArn ?? '' };
  };
  const withDeadLetterQueue = async (sqs: SQSClient, name: string, maxReceiveCount: number, extra = {}) => {
    const suffix = name.endsWith('.fifo') ? '.fifo' : '';
    const base = name.replace(/\.fifo$/, '');
    const deadLetterQueue = await createQueue(sqs, `${base}-dlq${suffix}`);
    const queue = await createQueue(sqs, name, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount }),
      ...extra,
    });
    return { queue, deadLetterQueue };
  };

  // Platform account: ingest queue, its dead-letter queue, the dispatcher's role.
  const fifoSuffix = options.fifoIngestQueue ? '.fifo' : '';
  const ingest = await withDeadLetterQueue(
    platformSqs,
    `event-ingest${fifoSuffix}`,
    IngestQueue.DEFAULTS.maxReceiveCount,
    {
      VisibilityTimeout: String(options.ingestVisibilityTimeoutSeconds),
      ...(options.fifoIngestQueue && { ContentBasedDeduplication: 'true' }),
    },
  );
  const dispatcherRole = await platformIam.send(
    new CreateRoleCommand({
      RoleName: 'EventDeliveryPlatform-Dispatcher',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${PLATFORM_ACCOUNT}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  const dispatcherRoleArn = dispatcherRole.Role?.Arn ?? '';

  // Customer account: topics, subscription queues with raw delivery, idempotency table, delivery role.
  const topic = await customerSns.send(new CreateTopicCommand({ Name: 'customer-events' }));
  const fifoTopic = await customerSns.send(
    new CreateTopicCommand({
      Name: 'customer-events.fifo',
      Attributes: { FifoTopic: 'true', ContentBasedDeduplication: 'false' },
    }),
  );
  const subscriptionQueues: SubscriptionQueue[] = [];
  for (const [destinationId, topicArn, queueName] of [
    [DESTINATION_IDS.topic, topic.TopicArn ?? '', 'customer-events-sub'],
    [DESTINATION_IDS.fifoTopic, fifoTopic.TopicArn ?? '', 'customer-events-sub.fifo'],
  ] as const) {
    const { queue, deadLetterQueue } = await withDeadLetterQueue(
      customerSqs,
      queueName,
      EventConsumer.DEFAULTS.maxReceiveCount,
    );
    await customerSns.send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    subscriptionQueues.push({ ...queue, destinationId, deadLetterQueue });
  }
  const invocationDeadLetterQueue = await createQueue(customerSqs, 'customer-consumer-invocation-dlq');

  const idempotencyTables: LocalResources['idempotencyTables'] = {};
  const scopes = Object.values(DESTINATION_IDS);
  for (const [index, scope] of scopes.entries()) {
    const endpoint = options.databaseEndpoints[index % options.databaseEndpoints.length];
    const dynamodb = emulatorClient(DynamoDBClient, endpoint, CUSTOMER_ACCOUNT);
    const tableName = `idempotency-${scope}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      }),
    );
    idempotencyTables[scope] = { tableName, endpoint };
  }

  const consumerFunctionArn = `arn:aws:lambda:${REGION}:${CUSTOMER_ACCOUNT}:function:customer-consumer`;
  const externalId = `local-${randomUUID()}`;
  const policies = deliveryRolePolicies({
    customerAccount: CUSTOMER_ACCOUNT,
    platformAccountId: PLATFORM_ACCOUNT,
    dispatcherRoleArn,
    externalId,
    topicArns: [topic.TopicArn ?? '', fifoTopic.TopicArn ?? ''],
    functionArns: [consumerFunctionArn],
  });
  const deliveryRole = await customerIam.send(
    new CreateRoleCommand({
      RoleName: 'EventDelivery',
      AssumeRolePolicyDocument: JSON.stringify(policies.trustPolicy),
    }),
  );
  await customerIam.send(
    new PutRolePolicyCommand({
      RoleName: 'EventDelivery',
      PolicyName: 'delivery',
      PolicyDocument: JSON.stringify(policies.permissionPolicy),
    }),
  );
  const deliveryRoleArn = deliveryRole.Role?.Arn ?? '';

  const viaRole = { roleArn: deliveryRoleArn, externalId, events: ['*'] };
  return {
    ingestQueue: ingest.queue,
    deadLetterQueue: ingest.deadLetterQueue,
    dispatcherRoleArn,
    deliveryRoleArn,
    externalId,
    consumerFunctionArn,
    invocationDeadLetterQueue,
    subscriptionQueues,
    idempotencyTables,
    destinations: [
      {
        id: DESTINATION_IDS.function,
        type: 'lambda',
        functionArn: consumerFunctionArn,
        invocationType: 'Event',
        ...viaRole,
      },
      { id: DESTINATION_IDS.topic, type: 'sns', topicArn: topic.TopicArn ?? '', ...viaRole },
      { id: DESTINATION_IDS.fifoTopic, type: 'sns', topicArn: fifoTopic.TopicArn ?? '', ...viaRole },
    ],
  };
}
