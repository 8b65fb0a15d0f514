import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { SqsSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EncryptionKey } from './encryption-key';

/*
 * The construct customers copy into their own CDK app, with the handler folder
 * `lambda/consumer/`. It depends on aws-cdk-lib and constructs only.
 */

export interface EventConsumerProps {
  /**
   * Topics to receive events from: each gets an SQS queue (FIFO for a FIFO topic) with raw
   * message delivery and its own dead-letter queue, feeding the function.
   * @default none
   */
  readonly topics?: readonly sns.ITopic[];
  /**
   * Queues the platform delivers to (SQS destinations), read directly with partial batch
   * responses; their own redrive policies catch what the consumer keeps failing.
   * @default none
   */
  readonly queues?: readonly sqs.IQueue[];
  /**
   * Kinesis streams the platform puts records on, read from the oldest record in order: a failed
   * batch is bisected and the failed record reported, and what still fails after the retries is
   * recorded in a dead-letter queue.
   * @default none
   */
  readonly streams?: readonly kinesis.IStream[];
  /**
   * Event buses the platform puts events on: on each, a rule matching the destination's `source`
   * feeds a queue of the consumer's own (with its dead-letter queue) that the function reads.
   * @default none
   */
  readonly eventBuses?: readonly { readonly bus: events.IEventBus; readonly source: string }[];
  /**
   * Principals allowed to invoke the function directly, through its resource-based policy,
   * for example the platform's dispatcher role when it delivers without a delivery role.
   * @default none
   */
  readonly invokers?: readonly iam.IPrincipal[];
  /**
   * Handler file: replace only the business logic by pointing at your own file that exports
   * `handler = createConsumerHandler({ processEvent: … })`.
   * @default the sample handler, `lambda/consumer/index.ts`
   */
  readonly entry?: string;
  /**
   * Extra environment variables for your business logic.
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Customer-managed key for the table, queues and logs.
   * @default a new key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * How long an event id is remembered: a duplicate arriving later is processed again.
   * @default Duration.hours(24)
   */
  readonly idempotencyTtl?: Duration;
  /**
   * Prefix of idempotency keys, to keep consumers sharing a table apart.
   * @default the function name
   */
  readonly idempotencyKeyPrefix?: string;
  /**
   * Function timeout; subscription queues hide messages for 6× this.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Function memory in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Records per invocation from a subscription queue (at most 10).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Concurrent invocations each subscription queue may start (2–1000).
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Receives before a record moves to its queue's dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const DEFAULT_ENTRY = path.join(__dirname, '..', '..', 'lambda', 'consumer', 'index.ts');

/** The props as the consumer runs them: defaults applied, checked. */
interface ConsumerSettings {
  readonly timeout: Duration;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly maxReceiveCount: number;
  readonly idempotencyTtl: Duration;
}

/**
 * A consumer of delivered events that processes each event once: Powertools idempotency keyed
 * on `event.distinct_id` (scoped by `visitor.visitor_id`), a DynamoDB idempotency table, SQS
 * subscriptions with partial batch responses, and a dead-letter queue for direct invocations.
 */
export class EventConsumer extends Construct {
  /** Defaults, shared with the local runtime so both run the same settings. */
  static readonly DEFAULTS = {
    batchSize: 10,
    maxConcurrency: 5,
    maxReceiveCount: 5,
    idempotencyTtl: Duration.hours(24),
    streamBatchSize: 100,
    streamRetryAttempts: 10,
  } as const;

  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly idempotencyTable: dynamodb.Table;
  public readonly encryptionKey: kms.IKey;
  /** One queue per topic, in the order of `topics`. */
  public readonly subscriptionQueues: sqs.Queue[] = [];
  /** One queue per event bus, in the order of `eventBuses`, fed by the bus's rule. */
  public readonly busQueues: sqs.Queue[] = [];
  /** Where each stream's records go once the retries fail, in the order of `streams`. */
  public readonly streamDeadLetterQueues: sqs.Queue[] = [];
  /** Where asynchronous direct invocations go after Lambda's retries fail. */
  public readonly invocationDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: EventConsumerProps = {}) {
    super(scope, id);
    const settings = this.checkedSettings(props);
    this.encryptionKey =
      props.encryptionKey ?? new EncryptionKey(this, 'Key', { description: 'Event consumer data' });
    this.idempotencyTable = this.createIdempotencyTable();
    this.invocationDeadLetterQueue = this.createDeadLetterQueue(
      'InvocationDeadLetterQueue',
      'asynchronous invocations of the consumer',
    );
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: this.encryptionKey,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Event consumer: reads its subscription queues and idempotency table',
    });
    logGroup.grantWrite(this.role);
    this.function = this.createFunction(props, settings, logGroup);
    this.grantIdempotency();
    this.subscribeTopics(props.topics ?? [], settings);
    for (const queue of props.queues ?? []) this.readQueue(queue, settings);
    this.readStreams(props.streams ?? []);
    this.subscribeEventBuses(props.eventBuses ?? [], settings);
    this.allowInvokers(props.invokers ?? []);
    this.acknowledgeRules();
  }

  /** Props with their defaults, checked together: every problem reported at once. */
  private checkedSettings(props: EventConsumerProps): ConsumerSettings {
    const { DEFAULTS } = EventConsumer;
    const timeout = props.timeout ?? Duration.seconds(30);
    const batchSize = props.batchSize ?? DEFAULTS.batchSize;
    const maxConcurrency = props.maxConcurrency ?? DEFAULTS.maxConcurrency;
    const maxReceiveCount = props.maxReceiveCount ?? DEFAULTS.maxReceiveCount;
    const idempotencyTtl = props.idempotencyTtl ?? DEFAULTS.idempotencyTtl;

    const problems: string[] = [];
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
      problems.push(`batchSize must be an integer from 1 to 10, got ${batchSize}`);
    }
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
      problems.push(`maxConcurrency must be an integer from 2 to 1000, got ${maxConcurrency}`);
    }
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
      problems.push(`maxReceiveCount must be an integer from 1 to 1000, got ${maxReceiveCount}`);
    }
    if (idempotencyTtl.toSeconds() < 60) problems.push('idempotencyTtl must be at least 1 minute');
    if (timeout.toSeconds() > 900) problems.push('timeout must be at most 15 minutes');
    if (problems.length > 0) throw new Error(`EventConsumer ${this.node.path}: ${problems.join('; ')}`);
    return { timeout, batchSize, maxConcurrency, maxReceiveCount, idempotencyTtl };
  }

  /** Idempotency records are disposable: they only remember which events were processed. */
  private createIdempotencyTable(): dynamodb.Table {
    const table = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiration',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(table).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-DynamoDBInBackupPlan',
      reason:
        'Idempotency records expire within a day and can be rebuilt by reprocessing; point-in-time recovery covers mistakes.',
    });
    return table;
  }

  /** Every queue of the consumer: its key, TLS only, kept 14 days. */
  private createQueue(queueId: string, queueProps: sqs.QueueProps = {}): sqs.Queue {
    return new sqs.Queue(this, queueId, {
      ...queueProps,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
  }

  /** A queue that is the dead-letter queue `of` something, acknowledged as such to the rules. */
  private createDeadLetterQueue(queueId: string, of: string, queueProps: sqs.QueueProps = {}): sqs.Queue {
    const queue = this.createQueue(queueId, queueProps);
    Validations.of(queue).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-SQS3', reason: `This is the dead-letter queue of ${of}.` },
      { id: 'Serverless::Serverless-SQSRedrivePolicy', reason: `This is the dead-letter queue of ${of}.` },
      {
        id: 'cdk-validator-cfnguard::sqs_dlq_check',
        reason: `This is the dead-letter queue of ${of}; a RedriveAllowPolicy naming it would be a cycle.`,
      },
    );
    return queue;
  }

  private createFunction(
    props: EventConsumerProps,
    settings: ConsumerSettings,
    logGroup: logs.ILogGroup,
  ): nodejs.NodejsFunction {
    return new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry ?? DEFAULT_ENTRY,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role: this.role,
      timeout: settings.timeout,
      memorySize: props.memorySize ?? 256,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      deadLetterQueue: this.invocationDeadLetterQueue,
      environment: {
        ...props.environment,
        IDEMPOTENCY_TABLE_NAME: this.idempotencyTable.tableName,
        IDEMPOTENCY_TTL_SECONDS: String(settings.idempotencyTtl.toSeconds()),
        ...(props.idempotencyKeyPrefix && { IDEMPOTENCY_KEY_PREFIX: props.idempotencyKeyPrefix }),
        POWERTOOLS_SERVICE_NAME: 'event-consumer',
        POWERTOOLS_METRICS_NAMESPACE: 'EventConsumer',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: { minify: true, sourceMap: true, target: 'node24', bundleAwsSDK: true },
    });
  }

  /** Exactly what Powertools idempotency uses, on the table and its key. */
  private grantIdempotency(): void {
    this.idempotencyTable.grant(
      this.role,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    this.encryptionKey.grant(
      this.role,
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:DescribeKey',
    );
  }

  /** Reads a queue with partial batch responses; its redrive policy catches what keeps failing. */
  private readQueue(queue: sqs.IQueue, { batchSize, maxConcurrency }: ConsumerSettings): void {
    this.function.addEventSource(
      new SqsEventSource(queue, { batchSize, maxConcurrency, reportBatchItemFailures: true }),
    );
  }

  /** Each topic feeds a queue of its own (FIFO for a FIFO topic) with raw message delivery. */
  private subscribeTopics(topics: readonly sns.ITopic[], settings: ConsumerSettings): void {
    topics.forEach((topic, index) => {
      const fifo = topic.fifo || undefined;
      const deadLetterQueue = this.createDeadLetterQueue(
        `SubscriptionDeadLetterQueue${index}`,
        `subscription queue ${index}`,
        { fifo },
      );
      const queue = this.createQueue(`SubscriptionQueue${index}`, {
        fifo,
        visibilityTimeout: Duration.seconds(settings.timeout.toSeconds() * 6),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
      });
      // SNS dead-letters what it cannot deliver to the queue (a key or policy problem) beside what the consumer failed.
      topic.addSubscription(new SqsSubscription(queue, { rawMessageDelivery: true, deadLetterQueue }));
      this.readQueue(queue, settings);
      this.subscriptionQueues.push(queue);
    });
  }

  /** Reads each stream in order from its oldest record; what still fails is dead-lettered. */
  private readStreams(streams: readonly kinesis.IStream[]): void {
    streams.forEach((stream, index) => {
      const deadLetterQueue = this.createDeadLetterQueue(
        `StreamDeadLetterQueue${index}`,
        `stream ${index}'s event source`,
      );
      this.function.addEventSource(
        new KinesisEventSource(stream, {
          startingPosition: lambda.StartingPosition.TRIM_HORIZON,
          batchSize: EventConsumer.DEFAULTS.streamBatchSize,
          parallelizationFactor: 1,
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
          retryAttempts: EventConsumer.DEFAULTS.streamRetryAttempts,
          maxRecordAge: Duration.days(1),
          onFailure: new SqsDlq(deadLetterQueue),
        }),
      );
      this.streamDeadLetterQueues.push(deadLetterQueue);
    });
    if (streams.length > 0) {
      const why =
        "The stream event sources' dead-letter queues are encrypted with this consumer's own key: CDK's send grant names that one key, with KMS's own wildcard actions.";
      Validations.of(this.role).acknowledge(
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: why },
        { id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]', reason: why },
      );
    }
  }

  /** On each bus, a rule matching its `source` feeds a queue of the consumer's own. */
  private subscribeEventBuses(
    eventBuses: NonNullable<EventConsumerProps['eventBuses']>,
    settings: ConsumerSettings,
  ): void {
    eventBuses.forEach(({ bus, source }, index) => {
      const deadLetterQueue = this.createDeadLetterQueue(
        `BusDeadLetterQueue${index}`,
        `event bus ${index}'s queue and rule`,
      );
      const queue = this.createQueue(`BusQueue${index}`, {
        visibilityTimeout: Duration.seconds(settings.timeout.toSeconds() * 6),
        deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
      });
      // EventBridge dead-letters what it cannot put on the queue beside what the consumer failed.
      new events.Rule(this, `BusRule${index}`, {
        eventBus: bus,
        description: `Events the platform puts on the bus with Source ${source}`,
        eventPattern: { source: [source] },
        targets: [new targets.SqsQueue(queue, { deadLetterQueue })],
      });
      this.readQueue(queue, settings);
      this.busQueues.push(queue);
    });
  }

  /** Principals that invoke the function directly, through its resource-based policy. */
  private allowInvokers(invokers: readonly iam.IPrincipal[]): void {
    invokers.forEach((principal, index) => {
      this.function.addPermission(`Invoker${index}`, { principal, action: 'lambda:InvokeFunction' });
    });
  }

  /** The compliance rules the role and function answer by design, each with its reason. */
  private acknowledgeRules(): void {
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason: 'The policy belongs to this one role and names exact queues, table, key and log group.',
      },
    );
    const noVpc =
      'The consumer reaches only regional AWS endpoints (SQS, DynamoDB); put it in your VPC when your business logic needs one.';
    Validations.of(this.function).acknowledge(
      { id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC', reason: noVpc },
      { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: noVpc },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
        reason:
          'Each subscription event source bounds concurrency with maxConcurrency; direct invocations are bounded by the platform dispatcher.',
      },
      {
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason:
          'SQS event sources support no on-failure destination; each queue redrive policy is the failure destination.',
      },
    );
  }

  /**
   * Reads oversize events the platform offloaded to its payload bucket through `role`, your
   * delivery role, which must list this consumer's `role` among its `payloadReaders`.
   */
  readOffloadedPayloadsAs(role: iam.IRole): void {
    role.grantAssumeRole(this.role);
    this.function.addEnvironment('PAYLOAD_ROLE_ARN', role.roleArn);
  }
}
