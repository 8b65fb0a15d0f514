import * as path from 'node:path';
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_REGISTRY_CACHE } from '../../lambda/dispatcher/prepare/registry';
import { DEFAULT_DEAD_LETTER_RETENTION_SECONDS } from '../../lambda/shared/dead-letter-store';
import { arnParts, type Destination } from '../../lambda/shared/destination-config';
import { HMAC_KEY_SECRET_PREFIX } from '../../lambda/shared/registry-table';
import { invokeAccountOwners, resolveWorkspace, type WorkspaceRecord } from '../../lambda/shared/workspace';
import type { DeadLetterStore } from './dead-letter-store';
import { DeliveryRole } from './delivery-role';
import type { IngestQueue } from './ingest-queue';
import type { PayloadBucket } from './payload-bucket';
import type { RegistryTable } from './registry-table';

export interface EventDispatcherProps {
  /** The queue the dispatcher consumes; its dead-letter queue receives undeliverable events. */
  readonly ingestQueue: IngestQueue;
  /**
   * Workspaces fixed at deploy time (the static config), validated with `parseStaticWorkspaces`
   * before they get here. They are served before the registry.
   * @default none: every workspace lives in the registry
   */
  readonly staticWorkspaces?: readonly WorkspaceRecord[];
  /** The live registry: every other workspace is looked up here. */
  readonly registry: RegistryTable;
  /**
   * How long the dispatcher serves a loaded workspace before reading it again: a publish takes
   * effect within this.
   * @default Duration.seconds(30)
   */
  readonly registryCacheTtl?: Duration;
  /** Customer-managed key for the function's log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * Where letters of known workspaces are also kept for their customers (the control plane's
   * dead-letter routes), besides the dead-letter queue, which gets every letter first.
   * @default none: the dead-letter queue only
   */
  readonly deadLetterStore?: DeadLetterStore;
  /**
   * Where events too large for a destination with `offloadOversize` are stored.
   * @default none; required when a destination offloads
   */
  readonly payloadBucket?: PayloadBucket;
  /**
   * Function timeout. The ingest queue's visibility timeout must be at least 6× this.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Function memory in MB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Records per invocation (at most 10 on a FIFO queue, 10,000 on a standard one).
   * @default 100 on a standard queue, 10 on a FIFO queue
   */
  readonly batchSize?: number;
  /**
   * How long to gather records before invoking (standard queue only).
   * @default Duration.seconds(1) on a standard queue, none on a FIFO queue
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Concurrent invocations the event source mapping may start (2–1000).
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Concurrency reserved for the dispatcher.
   * @default none: `maxConcurrency` bounds it, and accounts with low quotas can still deploy
   */
  readonly reservedConcurrency?: number;
  /**
   * Delivery API calls in flight at once within a batch.
   * @default 16
   */
  readonly deliveryConcurrency?: number;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A destination failing every call this long is disabled: its events are dead-lettered with
   * `DestinationDisabled` until an operator re-enables it. Whole hours.
   * @default Duration.hours(24)
   */
  readonly disableAfter?: Duration;
  /**
   * Where operator events go (a destination disabled).
   * @default none: the dispatcher only logs them
   */
  readonly operatorTopic?: sns.ITopic;
}

const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'dispatcher', 'index.ts');
/** Lambda allows 4 KB of environment variables in total; the rest of ours fit in the margin. */
const MAX_DESTINATIONS_JSON_BYTES = 3_500;

/** The props as the dispatcher runs them: defaults applied, checked. */
interface DispatcherSettings {
  readonly timeout: Duration;
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration | undefined;
  readonly maxConcurrency: number;
  /** The static workspaces' destinations. */
  readonly destinations: readonly Destination[];
  /** The static workspaces, as the function's environment carries them. */
  readonly destinationsJson: string;
  readonly cacheTtlSeconds: number;
  readonly disableAfterHours: number;
}

/**
 * The dispatcher Lambda: reads the ingest queue with partial batch responses and delivers each
 * event to its destinations. Its role can assume only the configured delivery roles and invoke
 * only the functions configured without one.
 */
export class EventDispatcher extends Construct {
  /** Defaults, shared with the local runtime so both run the same settings. */
  static readonly DEFAULTS = {
    timeout: Duration.seconds(30),
    batchSize: { standard: 100, fifo: 10 },
    maxBatchingWindow: Duration.seconds(1),
    maxConcurrency: 10,
    deliveryConcurrency: 16,
  } as const;

  /** Modules the bundle leaves to the Lambda runtime (which ships the AWS SDK v3). */
  static readonly RUNTIME_PROVIDED_MODULES = ['@aws-sdk/client-s3'] as const;

  /** Where the dispatcher's embedded-format metrics go (dimensions `service`, `DestinationType`, `ErrorCode`). */
  static readonly METRICS_NAMESPACE = 'EventDelivery';

  /** The log field indexed in the dispatcher's log group: what the control plane's queries filter on. */
  static readonly INDEXED_LOG_FIELD = 'workspaceId';

  public readonly function: nodejs.NodejsFunction;
  /** The key of mapping pins on retries and dead letters (see `MappingPins`). */
  public readonly mappingPinKey: secretsmanager.Secret;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  /** Destinations failing for long, and those disabled: written on circuit transitions only. */
  public readonly statusTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: EventDispatcherProps) {
    super(scope, id);
    const settings = this.checkedSettings(props);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.encryptionKey,
      // Customers' delivery visibility queries filter on the workspace: indexed, a query scans that
      // workspace's lines, not every workspace's.
      fieldIndexPolicies: [new logs.FieldIndexPolicy({ fields: [EventDispatcher.INDEXED_LOG_FIELD] })],
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Event dispatcher: reads the ingest queue and delivers events to customer destinations',
    });
    this.logGroup.grantWrite(this.role);
    this.grantDelivery(settings.destinations);
    props.registry.grantRouting(this.role);
    this.grantHmacKeys();
    this.mappingPinKey = this.createMappingPinKey(props.encryptionKey);
    this.statusTable = this.createStatusTable(props.encryptionKey);
    props.operatorTopic?.grantPublish(this.role);
    props.deadLetterStore?.grantWriteLetters(this.role);
    this.function = this.createFunction(props, settings);
    this.connectIngestQueue(props, settings);
    this.acknowledgeRules();
  }

  /** Props with their defaults, checked together: every problem reported at once. */
  private checkedSettings(props: EventDispatcherProps): DispatcherSettings {
    const { ingestQueue } = props;
    const { DEFAULTS } = EventDispatcher;
    const timeout = props.timeout ?? DEFAULTS.timeout;
    const batchSize =
      props.batchSize ?? (ingestQueue.fifo ? DEFAULTS.batchSize.fifo : DEFAULTS.batchSize.standard);
    const maxBatchingWindow = ingestQueue.fifo
      ? props.maxBatchingWindow
      : (props.maxBatchingWindow ?? DEFAULTS.maxBatchingWindow);
    const maxConcurrency = props.maxConcurrency ?? DEFAULTS.maxConcurrency;
    const staticWorkspaces = props.staticWorkspaces ?? [];
    const destinations = staticWorkspaces.flatMap((w) => resolveWorkspace(w).destinations);
    const destinationsJson = JSON.stringify({
      workspaces: staticWorkspaces.map(({ id, externalId, invokeAccounts, destinations }) => ({
        id,
        externalId,
        invokeAccounts,
        destinations,
      })),
    });
    const cacheTtlSeconds = (
      props.registryCacheTtl ?? Duration.millis(DEFAULT_REGISTRY_CACHE.ttlMs)
    ).toSeconds();
    const disableAfterHours = props.disableAfter?.toHours() ?? 24;

    const problems: string[] = [];
    if (ingestQueue.visibilityTimeout.toSeconds() < 6 * timeout.toSeconds()) {
      problems.push(
        `the ingest queue's visibilityTimeout (${ingestQueue.visibilityTimeout.toSeconds()}s) must be at least 6× timeout (${timeout.toSeconds()}s)`,
      );
    }
    const maxBatchSize = ingestQueue.fifo ? 10 : 10_000;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatchSize) {
      problems.push(`batchSize must be an integer from 1 to ${maxBatchSize}, got ${batchSize}`);
    }
    if (!ingestQueue.fifo && batchSize > 10 && !maxBatchingWindow) {
      problems.push('batchSize above 10 needs a maxBatchingWindow');
    }
    if (ingestQueue.fifo && props.maxBatchingWindow)
      problems.push('maxBatchingWindow is not supported on a FIFO queue');
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
      problems.push(`maxConcurrency must be an integer from 2 to 1000, got ${maxConcurrency}`);
    }
    if (Buffer.byteLength(destinationsJson) > MAX_DESTINATIONS_JSON_BYTES) {
      problems.push(
        `the destination config is ${Buffer.byteLength(destinationsJson)} bytes; at most ${MAX_DESTINATIONS_JSON_BYTES} fit in the function's environment`,
      );
    }
    const offloading = destinations.filter((d) => d.offloadOversize).map((d) => d.id);
    if (offloading.length > 0 && !props.payloadBucket) {
      problems.push(`destinations ${offloading.join(', ')} offload oversize events: give a payloadBucket`);
    }
    if (!Number.isInteger(disableAfterHours) || disableAfterHours < 1) {
      problems.push(`disableAfter must be a whole number of hours, at least 1, got ${disableAfterHours}`);
    }
    if (!Number.isInteger(cacheTtlSeconds) || cacheTtlSeconds < 1 || cacheTtlSeconds > 3600) {
      problems.push(`registryCacheTtl must be whole seconds from 1 to 3600, got ${cacheTtlSeconds}`);
    }
    // An invoke account has one owner: the dispatcher would refuse this config at cold start.
    problems.push(...invokeAccountOwners(staticWorkspaces).problems);
    if (problems.length > 0) throw new Error(`EventDispatcher ${this.node.path}: ${problems.join('; ')}`);
    return {
      timeout,
      batchSize,
      maxBatchingWindow,
      maxConcurrency,
      destinations,
      destinationsJson,
      cacheTtlSeconds,
      disableAfterHours,
    };
  }

  /** Workspaces' HMAC keys for `hmac` mappings: read only, and only these secrets. */
  private grantHmacKeys(): void {
    const { partition, region, account } = Stack.of(this);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [`arn:${partition}:secretsmanager:${region}:${account}:secret:${HMAC_KEY_SECRET_PREFIX}*`],
      }),
    );
    // As cdk-nag prints it: literals where the app resolves them, else the pseudo parameters.
    const shown = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${shown(partition, 'Partition')}:secretsmanager:${shown(region, 'Region')}:${shown(account, 'AccountId')}:secret:${HMAC_KEY_SECRET_PREFIX}*]`,
      reason:
        'Workspaces are created at run time, each with its HMAC key secret under this prefix: GetSecretValue only, on these secrets only, in this account and region.',
    });
  }

  /**
   * The key of mapping pins: a retry or redrive keeps its first attempt's mapping version only
   * with the dispatcher's HMAC over it, so no producer can choose a version (see MappingPins).
   */
  private createMappingPinKey(encryptionKey: kms.IKey): secretsmanager.Secret {
    const key = new secretsmanager.Secret(this, 'MappingPinKey', {
      description: "Event dispatcher: key of the pins on retries' mapping versions",
      encryptionKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    key.grantRead(this.role);
    for (const rule of [
      'AwsSolutions::AwsSolutions-SMG4',
      'HIPAA.Security::HIPAA.Security-SecretsManagerRotationEnabled',
    ]) {
      Validations.of(key).acknowledge({
        id: rule,
        reason:
          'Not a credential: an HMAC key only the dispatcher reads, for integrity of its own retry messages. Rotating it only drops the pins in flight (those retries get the live mapping, the safe side); rotate by replacing the secret value if ever exposed.',
      });
    }
    return key;
  }

  /** A destination's standing across execution environments: small, written rarely, kept. */
  private createStatusTable(encryptionKey: kms.IKey): dynamodb.Table {
    const table = new dynamodb.Table(this, 'StatusTable', {
      partitionKey: { name: 'destination_id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey,
      deletionProtection: true,
    });
    Validations.of(table).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-DynamoDBInBackupPlan',
      reason:
        'Holds no personal data, only destination ids, error codes and times; point-in-time recovery and deletion protection cover mistakes.',
    });
    table.grant(this.role, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    return table;
  }

  private createFunction(props: EventDispatcherProps, settings: DispatcherSettings): nodejs.NodejsFunction {
    const { ingestQueue } = props;
    return new nodejs.NodejsFunction(this, 'Function', {
      entry: ENTRY,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role: this.role,
      timeout: settings.timeout,
      memorySize: props.memorySize ?? 512,
      reservedConcurrentExecutions: props.reservedConcurrency,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        DESTINATIONS: settings.destinationsJson,
        REGISTRY_TABLE: props.registry.table.tableName,
        REGISTRY_CACHE_TTL_SECONDS: String(settings.cacheTtlSeconds),
        DEAD_LETTER_QUEUE_URL: ingestQueue.deadLetterQueue.queueUrl,
        // Per-destination retries go back to the ingest queue with a delay; FIFO queues take none.
        ...(!ingestQueue.fifo && { RETRY_QUEUE_URL: ingestQueue.queue.queueUrl }),
        ...(props.payloadBucket && { PAYLOAD_BUCKET: props.payloadBucket.bucket.bucketName }),
        ...(props.deadLetterStore && { DEAD_LETTER_TABLE: props.deadLetterStore.table.tableName }),
        // Only when not the default: the environment's 4 KB are mostly the static config's.
        ...(props.deadLetterStore &&
          props.deadLetterStore.retention.toSeconds() !== DEFAULT_DEAD_LETTER_RETENTION_SECONDS && {
            DEAD_LETTER_RETENTION_SECONDS: String(props.deadLetterStore.retention.toSeconds()),
          }),
        MAX_RECEIVE_COUNT: String(ingestQueue.maxReceiveCount),
        DESTINATION_STATUS_TABLE: this.statusTable.tableName,
        MAPPING_PIN_SECRET_ARN: this.mappingPinKey.secretArn,
        DISABLE_AFTER_HOURS: String(settings.disableAfterHours),
        ...(props.operatorTopic && { OPERATOR_TOPIC_ARN: props.operatorTopic.topicArn }),
        DELIVERY_CONCURRENCY: String(
          props.deliveryConcurrency ?? EventDispatcher.DEFAULTS.deliveryConcurrency,
        ),
        POWERTOOLS_SERVICE_NAME: 'event-dispatcher',
        POWERTOOLS_METRICS_NAMESPACE: EventDispatcher.METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node24',
        // Bundle the SDK clients: pinned versions, and esbuild keeps only what is used.
        bundleAwsSDK: true,
        // Except S3, loaded only for an oversize event (most environments never see one): the
        // Lambda runtime's own copy serves it, and the bundle is about 195 KiB smaller.
        externalModules: [...EventDispatcher.RUNTIME_PROVIDED_MODULES],
      },
    });
  }

  /** Reads the ingest queue; sends dead letters, retries (standard queue) and oversize payloads. */
  private connectIngestQueue(props: EventDispatcherProps, settings: DispatcherSettings): void {
    const { ingestQueue } = props;
    ingestQueue.deadLetterQueue.grantSendMessages(this.role);
    if (!ingestQueue.fifo) ingestQueue.queue.grantSendMessages(this.role);
    if (props.payloadBucket) {
      props.payloadBucket.grantOffload(this.role);
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(props.payloadBucket.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
        reason:
          'PutObject only, on the payload bucket only: object keys are per destination and event, known only at run time.',
      });
    }
    const { batchSize, maxBatchingWindow, maxConcurrency } = settings;
    this.function.addEventSource(
      new SqsEventSource(ingestQueue.queue, {
        batchSize,
        maxBatchingWindow,
        maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** The compliance rules the role and function answer by design, each with its reason. */
  private acknowledgeRules(): void {
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Granted by queue.grantSendMessages on the stack key only: SQS needs data keys to encrypt dead letters.',
      },
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason: 'Granted by queue.grantSendMessages on the stack key only; no other key is reachable.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason:
          'The policy belongs to this one role, is generated from the destination config and lives and dies with it; a managed policy would add a reusable surface with no benefit.',
      },
    );
    const onlyQueueTriggered =
      'Invoked only by the SQS event source: a failed record returns to the ingest queue, and the dispatcher or the queue redrive policy dead-letters it with a reason.';
    const noVpc =
      'The dispatcher only calls public AWS endpoints (STS, SNS, Lambda) in customer accounts and regions; it reaches no VPC resource, and cross-region endpoints would need NAT.';
    Validations.of(this.function).acknowledge(
      { id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC', reason: noVpc },
      { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: noVpc },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
        reason:
          'The event source maxConcurrency bounds concurrency; set reservedConcurrency where the account quota leaves room.',
      },
      { id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ', reason: onlyQueueTriggered },
      { id: 'Serverless::Serverless-LambdaDLQ', reason: onlyQueueTriggered },
      {
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason:
          'SQS event sources support no on-failure destination; the ingest queue redrive policy is the failure destination.',
      },
    );
  }

  /**
   * Delivery roles: those of the static config by ARN, and any role on the delivery-role path
   * (the live registry's), always with an external id. Functions invoked with the dispatcher's
   * own identity: those of the static config by ARN, and with the registry any function of
   * another account, which only a workspace owning that account reaches (`invokeAccounts`) and
   * only if the customer granted the dispatcher on it; never a function of the platform account.
   */
  private grantDelivery(destinations: readonly Destination[]): void {
    const { partition, account } = Stack.of(this);
    const roleArns = [...new Set(destinations.flatMap((d) => (d.roleArn ? [d.roleArn] : [])))].sort();
    const withExternalId = { Null: { 'sts:ExternalId': 'false' } };
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole'],
        resources: [`arn:${partition}:iam::*:role${DeliveryRole.PATH}*`, ...roleArns],
        conditions: withExternalId,
      }),
    );
    const functionArns = [
      ...new Set(destinations.flatMap((d) => (d.type === 'lambda' && !d.roleArn ? [d.functionArn] : []))),
    ].sort();
    const platformFunctions = functionArns.filter((arn) => arnParts(arn).account === account);
    if (platformFunctions.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: platformFunctions }),
      );
    }
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [`arn:${partition}:lambda:*:*:function:*`],
        conditions: { StringNotEquals: { 'aws:ResourceAccount': account } },
      }),
    );
    // How cdk-nag prints the partition: a literal where the app resolves it, else the pseudo parameter.
    const shown = Token.isUnresolved(partition) ? '<AWS::Partition>' : partition;
    Validations.of(this.role).acknowledge(
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${shown}:iam::*:role${DeliveryRole.PATH}*]`,
        reason:
          "Delivery roles are customers' roles in their own accounts, added at run time through the registry: only roles on the delivery-role path, only with an external id, and each role's trust policy admits only this role with its workspace's external id.",
      },
      {
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${shown}:lambda:*:*:function:*]`,
        reason:
          "Role-less Lambda destinations are customer functions in their own accounts, added at run time; a cross-account invoke also needs the customer's resource policy naming this role, the dispatcher reaches only accounts a workspace owns (invokeAccounts), and the platform account's own functions are excluded.",
      },
    );
  }
}
