import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateStreamCommand, KinesisClient, StartStreamEncryptionCommand } from '@aws-sdk/client-kinesis';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { DestinationInput } from '../lambda/shared/destination-config';
import { REGISTRY_KEY } from '../lambda/shared/registry-table';
import { DeliveryRole } from '../lib/constructs/delivery-role';
import { EventConsumer } from '../lib/constructs/event-consumer';
import { IngestQueue } from '../lib/constructs/ingest-queue';
import { PayloadBucket } from '../lib/constructs/payload-bucket';
import { WorkspaceRegistry } from '../lib/registry/workspace-registry';
import { customerAccount, emulatorClient, LOCAL_OPERATOR, PLATFORM_ACCOUNT, REGION } from './accounts';
import { deliveryRolePolicies } from './definitions';

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

/**
 * A queue the consumer reads: a topic's subscription, the bus rule's target, or a destination
 * queue itself.
 */
export interface SubscriptionQueue extends Queue {
  /** The destination that feeds this queue: the consumer scope. */
  readonly destinationId: string;
  readonly deadLetterQueue: Queue;
}

/** The customer's stream, which the consumer reads as Lambda's Kinesis event source would. */
export interface LocalStream {
  readonly name: string;
  readonly arn: string;
  readonly destinationId: string;
  /** Where records still failing after the retries go, as the event source's on-failure destination. */
  readonly deadLetterQueue: Queue;
}

/** One workspace of the local platform: a customer with an AWS account of its own. */
export interface LocalWorkspace {
  readonly id: string;
  readonly account: string;
  /** Assigned by the registry when the workspace was created. */
  readonly externalId: string;
  readonly deliveryRoleArn: string;
  /** The customer's consumer function role: it assumes the delivery role to read offloaded payloads. */
  readonly consumerRoleArn: string;
  /**
   * A role of the customer account that the platform account's credentials may assume, with full
   * access: how a person (AWS CLI, boto3) acts as this customer on the local platform.
   */
  readonly developerRoleArn: string;
  readonly consumerFunctionArn: string;
  readonly invocationDeadLetterQueue: Queue;
  readonly subscriptionQueues: SubscriptionQueue[];
  readonly stream: LocalStream;
  /** One idempotency table per consumer scope (destination id), spread over the DynamoDB emulators. */
  readonly idempotencyTables: Record<string, { tableName: string; endpoint: string }>;
  /** The destinations published for it: the example function, topics, stream, bus and queues. */
  readonly destinations: DestinationInput[];
}

export interface LocalResources {
  readonly ingestQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dispatcherRoleArn: string;
  /** The platform's bucket for oversize payloads, readable through the delivery roles. */
  readonly payloadBucket: string;
  /** The live destination registry, in the platform account (messaging emulator). */
  readonly registryTable: string;
  /** The dispatcher's destination status table, in the platform account (messaging emulator). */
  readonly destinationStatusTable: string;
  /** Operator events, in the platform account. */
  readonly operatorTopicArn: string;
  readonly workspaces: LocalWorkspace[];
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
  /** Workspaces `workspace-1` … `workspace-N`, each in its own customer account. */
  readonly workspaces: number;
  /** Change a workspace's destinations before they are published (add a broken one, say). */
  readonly configure?: (workspace: LocalWorkspace, provisioned: DestinationInput[]) => DestinationInput[];
}

export const DESTINATION_IDS = {
  function: 'customer-fn',
  topic: 'customer-topic',
  fifoTopic: 'customer-fifo',
  stream: 'customer-stream',
  bus: 'customer-bus',
  queue: 'customer-queue',
  fifoQueue: 'customer-queue-fifo',
} as const;

/** The `Source` the platform puts events on the customer's bus with, which the bus's rule matches. */
export const BUS_EVENT_SOURCE = 'event-delivery';

export const workspaceId = (n: number): string => `workspace-${n}`;

/**
 * Creates in the emulator what the platform and customer stacks define: settings come from the
 * CDK constructs' defaults, and the delivery role's policies from the `DeliveryRole` construct.
 * Each workspace is created in the registry (which assigns its external id), gets its customer
 * account's resources, and has its seven destinations published.
 */
export async function provision(options: ProvisionOptions): Promise<LocalResources> {
  const platformSqs = emulatorClient(SQSClient, options.messagingEndpoint, PLATFORM_ACCOUNT);
  const platformIam = emulatorClient(IAMClient, options.messagingEndpoint, PLATFORM_ACCOUNT);
  const queues = queueMaker(options);

  // Platform account: ingest queue, its dead-letter queue, the dispatcher's role.
  const fifoSuffix = options.fifoIngestQueue ? '.fifo' : '';
  const ingest = await queues.withDeadLetterQueue(
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
      AssumeRolePolicyDocument: trustedByPlatformAccount,
    }),
  );
  const dispatcherRoleArn = dispatcherRole.Role?.Arn ?? '';
  const payloads = await createPayloadBucket(options.messagingEndpoint);
  // The dispatcher's tables and operator topic, as `EventDispatcher` and the platform stack define them.
  const platformDynamodb = emulatorClient(DynamoDBClient, options.messagingEndpoint, PLATFORM_ACCOUNT);
  const destinationStatusTable = 'event-delivery-destination-status';
  await platformDynamodb.send(
    new CreateTableCommand({
      TableName: destinationStatusTable,
      KeySchema: [{ AttributeName: 'destination_id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'destination_id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const registryTable = 'event-delivery-registry';
  await createRegistryTable(platformDynamodb, registryTable);
  const platformSns = emulatorClient(SNSClient, options.messagingEndpoint, PLATFORM_ACCOUNT);
  const operatorTopic = await platformSns.send(new CreateTopicCommand({ Name: 'event-delivery-operator' }));

  const registry = new WorkspaceRegistry(
    platformDynamodb,
    registryTable,
    LOCAL_OPERATOR,
    emulatorClient(SecretsManagerClient, options.messagingEndpoint, PLATFORM_ACCOUNT),
  );
  const workspaces: LocalWorkspace[] = [];
  for (let n = 1; n <= options.workspaces; n++) {
    const created = await registry.createWorkspace(workspaceId(n));
    const workspace = await provisionCustomer(options, queues, {
      id: created.id,
      account: customerAccount(n),
      externalId: created.externalId,
      dispatcherRoleArn,
      payloads,
      databaseOffset: (n - 1) * 3,
    });
    const destinations = options.configure?.(workspace, workspace.destinations) ?? workspace.destinations;
    for (const destination of destinations) await registry.addDestination(workspace.id, destination);
    await registry.publish(workspace.id, 'provisioned by the local runtime');
    workspaces.push({ ...workspace, destinations });
  }

  return {
    ingestQueue: ingest.queue,
    deadLetterQueue: ingest.deadLetterQueue,
    dispatcherRoleArn,
    payloadBucket: payloads.bucketName,
    registryTable,
    destinationStatusTable,
    operatorTopicArn: operatorTopic.TopicArn ?? '',
    workspaces,
  };
}

type QueueMaker = ReturnType<typeof queueMaker>;

function queueMaker(options: ProvisionOptions) {
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
          MaximumMessageSize: String(IngestQueue.DEFAULTS.maxMessageSizeBytes),
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
    const deadLetterQueue = await createQueue(sqs, `${base}-dlq${suffix}`, {
      MaximumMessageSize: String(IngestQueue.DEFAULTS.deadLetterMaxMessageSizeBytes),
    });
    const queue = await createQueue(sqs, name, {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueue.arn, maxReceiveCount }),
      ...extra,
    });
    return { queue, deadLetterQueue };
  };
  return { createQueue, withDeadLetterQueue };
}

/** A workspace's customer account: topics, subscription queues, idempotency tables, consumer and delivery roles. */
async function provisionCustomer(
  options: ProvisionOptions,
  queues: QueueMaker,
  workspace: {
    id: string;
    account: string;
    externalId: string;
    dispatcherRoleArn: string;
    payloads: { bucketArn: string; keyArn: string };
    databaseOffset: number;
  },
): Promise<LocalWorkspace> {
  const { account } = workspace;
  const customerSqs = emulatorClient(SQSClient, options.messagingEndpoint, account);
  const customerSns = emulatorClient(SNSClient, options.messagingEndpoint, account);
  const customerIam = emulatorClient(IAMClient, options.messagingEndpoint, account);

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
    const { queue, deadLetterQueue } = await queues.withDeadLetterQueue(
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
  // The stream, bus and queues are encrypted with a key of the customer's own, as in the customer stack.
  const customerKms = emulatorClient(KMSClient, options.messagingEndpoint, account);
  const { KeyMetadata: destinationKey } = await customerKms.send(
    new CreateKeyCommand({ Description: 'Event delivery streams, buses and queues' }),
  );
  const destinationKeyArn = destinationKey?.Arn ?? '';
  // The bus: a rule matching the platform's Source feeds a queue of the consumer's own.
  const customerEvents = emulatorClient(EventBridgeClient, options.messagingEndpoint, account);
  const bus = await customerEvents.send(
    new CreateEventBusCommand({ Name: 'customer-events', KmsKeyIdentifier: destinationKeyArn }),
  );
  const busQueue = await queues.withDeadLetterQueue(
    customerSqs,
    'customer-events-bus-sub',
    EventConsumer.DEFAULTS.maxReceiveCount,
  );
  await customerEvents.send(
    new PutRuleCommand({
      Name: 'platform-events',
      EventBusName: 'customer-events',
      EventPattern: JSON.stringify({ source: [BUS_EVENT_SOURCE] }),
    }),
  );
  await customerEvents.send(
    new PutTargetsCommand({
      Rule: 'platform-events',
      EventBusName: 'customer-events',
      Targets: [{ Id: 'consumer-queue', Arn: busQueue.queue.arn }],
    }),
  );
  subscriptionQueues.push({
    ...busQueue.queue,
    destinationId: DESTINATION_IDS.bus,
    deadLetterQueue: busQueue.deadLetterQueue,
  });
  // The destination queues, read by the consumer directly.
  const destinationQueues: Record<string, Queue> = {};
  for (const [destinationId, queueName] of [
    [DESTINATION_IDS.queue, 'customer-events-queue'],
    [DESTINATION_IDS.fifoQueue, 'customer-events-queue.fifo'],
  ] as const) {
    const { queue, deadLetterQueue } = await queues.withDeadLetterQueue(
      customerSqs,
      queueName,
      EventConsumer.DEFAULTS.maxReceiveCount,
      {
        KmsMasterKeyId: destinationKeyArn,
        ...(queueName.endsWith('.fifo') && { ContentBasedDeduplication: 'false' }),
      },
    );
    subscriptionQueues.push({ ...queue, destinationId, deadLetterQueue });
    destinationQueues[destinationId] = queue;
  }
  const customerKinesis = emulatorClient(KinesisClient, options.messagingEndpoint, account, {
    requestHandler: new NodeHttpHandler(),
  });
  const streamName = 'customer-clickstream';
  await customerKinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 1 }));
  await customerKinesis.send(
    new StartStreamEncryptionCommand({
      StreamName: streamName,
      EncryptionType: 'KMS',
      KeyId: destinationKeyArn,
    }),
  );
  const streamArn = `arn:aws:kinesis:${REGION}:${account}:stream/${streamName}`;
  const stream: LocalStream = {
    name: streamName,
    arn: streamArn,
    destinationId: DESTINATION_IDS.stream,
    deadLetterQueue: await queues.createQueue(customerSqs, 'customer-clickstream-dlq'),
  };
  const invocationDeadLetterQueue = await queues.createQueue(customerSqs, 'customer-consumer-invocation-dlq');

  const idempotencyTables: LocalWorkspace['idempotencyTables'] = {};
  for (const [index, scope] of Object.values(DESTINATION_IDS).entries()) {
    const endpoint =
      options.databaseEndpoints[(workspace.databaseOffset + index) % options.databaseEndpoints.length];
    const dynamodb = emulatorClient(DynamoDBClient, endpoint, account);
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

  const consumerFunctionArn = `arn:aws:lambda:${REGION}:${account}:function:customer-consumer`;
  const consumerRole = await customerIam.send(
    new CreateRoleCommand({
      RoleName: 'EventConsumer',
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        // Lambda in AWS; the local runtime assumes it from the customer account.
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${account}:root` },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  const consumerRoleArn = consumerRole.Role?.Arn ?? '';
  const policies = deliveryRolePolicies({
    customerAccount: account,
    platformAccountId: PLATFORM_ACCOUNT,
    dispatcherRoleArn: workspace.dispatcherRoleArn,
    externalId: workspace.externalId,
    topicArns: [topic.TopicArn ?? '', fifoTopic.TopicArn ?? ''],
    functionArns: [consumerFunctionArn],
    streams: [{ arn: streamArn, keyArn: destinationKeyArn }],
    eventBusArns: [bus.EventBusArn ?? ''],
    queues: Object.values(destinationQueues).map((q) => ({ arn: q.arn, keyArn: destinationKeyArn })),
    payloads: { ...workspace.payloads, readerRoleArns: [consumerRoleArn] },
  });
  const deliveryRole = await customerIam.send(
    new CreateRoleCommand({
      RoleName: 'EventDelivery',
      Path: DeliveryRole.PATH,
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
  const developerRole = await customerIam.send(
    new CreateRoleCommand({ RoleName: 'LocalDeveloper', AssumeRolePolicyDocument: trustedByPlatformAccount }),
  );
  await customerIam.send(
    new PutRolePolicyCommand({
      RoleName: 'LocalDeveloper',
      PolicyName: 'everything',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );

  const viaRole = { roleArn: deliveryRoleArn, events: ['*'], offloadOversize: true };
  return {
    id: workspace.id,
    account,
    externalId: workspace.externalId,
    deliveryRoleArn,
    consumerRoleArn,
    developerRoleArn: developerRole.Role?.Arn ?? '',
    consumerFunctionArn,
    invocationDeadLetterQueue,
    subscriptionQueues,
    stream,
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
      { id: DESTINATION_IDS.stream, type: 'kinesis', streamArn, ...viaRole },
      {
        id: DESTINATION_IDS.bus,
        type: 'eventbridge',
        eventBusArn: bus.EventBusArn ?? '',
        source: BUS_EVENT_SOURCE,
        ...viaRole,
      },
      {
        id: DESTINATION_IDS.queue,
        type: 'sqs',
        queueArn: destinationQueues[DESTINATION_IDS.queue].arn,
        ...viaRole,
      },
      {
        id: DESTINATION_IDS.fifoQueue,
        type: 'sqs',
        queueArn: destinationQueues[DESTINATION_IDS.fifoQueue].arn,
        ...viaRole,
      },
    ],
  };
}

/** A trust policy letting the platform account's principals in: the local runtime's own roles. */
const trustedByPlatformAccount = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${PLATFORM_ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});

/** The destination registry's table, keyed as `RegistryTable` defines it. */
export async function createRegistryTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: REGISTRY_KEY.partition, KeyType: 'HASH' },
        { AttributeName: REGISTRY_KEY.sort, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: REGISTRY_KEY.partition, AttributeType: 'S' },
        { AttributeName: REGISTRY_KEY.sort, AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** The platform's payload bucket as `PayloadBucket` defines it: its own KMS key, objects expiring. */
async function createPayloadBucket(
  endpoint: string,
): Promise<{ bucketName: string; bucketArn: string; keyArn: string }> {
  const s3 = emulatorClient(S3Client, endpoint, PLATFORM_ACCOUNT, { forcePathStyle: true });
  const kms = emulatorClient(KMSClient, endpoint, PLATFORM_ACCOUNT);
  const { KeyMetadata } = await kms.send(
    new CreateKeyCommand({ Description: 'Event delivery platform: offloaded oversize event payloads' }),
  );
  const bucketName = `event-payloads-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucketName,
      ServerSideEncryptionConfiguration: {
        Rules: [
          {
            ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KeyMetadata?.Arn },
          },
        ],
      },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: bucketName,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: 'expire',
            Status: 'Enabled',
            Filter: { Prefix: '' },
            Expiration: { Days: PayloadBucket.DEFAULTS.retention.toDays() },
          },
        ],
      },
    }),
  );
  return { bucketName, bucketArn: `arn:aws:s3:::${bucketName}`, keyArn: KeyMetadata?.Arn ?? '' };
}
