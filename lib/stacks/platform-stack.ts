import { CfnOutput, Duration, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { resolveWorkspace, type WorkspaceRecord } from '../../lambda/shared/workspace';
import { ConsoleHosting, type ConsoleHostingProps } from '../constructs/console-hosting';
import { ControlPlane, type ControlPlaneProps } from '../constructs/control-plane';
import { DeadLetterStore } from '../constructs/dead-letter-store';
import { DeliveryAlarms } from '../constructs/delivery-alarms';
import { DeliveryRole } from '../constructs/delivery-role';
import { EncryptionKey } from '../constructs/encryption-key';
import { EventDispatcher, type EventDispatcherProps } from '../constructs/event-dispatcher';
import { IngestQueue } from '../constructs/ingest-queue';
import { PayloadBucket } from '../constructs/payload-bucket';
import { RegistryTable } from '../constructs/registry-table';
import { WorkspaceAlerts } from '../constructs/workspace-alerts';

export interface PlatformStackProps extends StackProps {
  /**
   * Workspaces fixed at deploy time (see `config/destinations.example.json`), served before the
   * live registry.
   * @default none: every workspace lives in the registry
   */
  readonly staticWorkspaces?: readonly WorkspaceRecord[];
  /**
   * Delivery roles of registry workspaces whose destinations offload oversize events: each may
   * read its workspace's offloaded payloads (see `PayloadBucketProps.workspaceReaders`).
   * @default none
   */
  readonly payloadReaders?: readonly { readonly workspaceId: string; readonly roleArn: string }[];
  /**
   * Make the ingest queue FIFO for per-visitor order end to end.
   * @default false
   */
  readonly fifoIngestQueue?: boolean;
  /**
   * Dispatcher timeout; the ingest queue's visibility timeout is set to 6× it.
   * @default Duration.seconds(30)
   */
  readonly dispatcherTimeout?: Duration;
  /**
   * Receives of a failing message before it is dead-lettered with `RetriesExhausted`.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long offloaded oversize payloads are kept (when a destination offloads).
   * @default Duration.days(14)
   */
  readonly payloadRetention?: Duration;
  /** Tuning of the dispatcher and its event source. */
  readonly dispatcher?: Pick<
    EventDispatcherProps,
    | 'batchSize'
    | 'maxBatchingWindow'
    | 'maxConcurrency'
    | 'reservedConcurrency'
    | 'deliveryConcurrency'
    | 'memorySize'
    | 'logRetention'
    | 'registryCacheTtl'
  >;
  /** Settings of the control plane (the customers' API, its user pool and WAF). */
  readonly controlPlane?: Pick<
    ControlPlaneProps,
    | 'allowedOrigins'
    | 'callerRateLimit'
    | 'ipRateLimit'
    | 'throttlingRateLimit'
    | 'throttlingBurstLimit'
    | 'logRetention'
  >;
  /**
   * The web console (CloudFront over a private bucket), its settings; `false` leaves it out.
   * Its origin is allowed by the control plane besides `controlPlane.allowedOrigins`.
   * @default the console, with ConsoleHosting's defaults (console/dist must be built)
   */
  readonly console?:
    | Pick<
        ConsoleHostingProps,
        'distDirectory' | 'priceClass' | 'domainName' | 'certificate' | 'logRetention'
      >
    | false;
}

/**
 * The platform side: a KMS key, the ingest queue with its dead-letter queue, the dispatcher, the
 * registry and the control plane (customers' API) over it, the web console over that, and the
 * payload bucket when a destination offloads oversize events.
 */
export class PlatformStack extends Stack {
  public readonly encryptionKey: kms.Key;
  public readonly ingestQueue: IngestQueue;
  public readonly dispatcher: EventDispatcher;
  public readonly payloadBucket?: PayloadBucket;
  /** Alarms to the operator topic, and the dashboard. */
  public readonly alarms: DeliveryAlarms;
  /** The live destination registry: workspaces, drafts, published versions. */
  public readonly registry: RegistryTable;
  /** Operator events (a destination disabled); subscribe your on-call channel to it. */
  public readonly operatorTopic: sns.Topic;
  /** Customers' way in: the API, its user pool and WAF. */
  public readonly controlPlane: ControlPlane;
  /** Each workspace's own dead letters, for its customer (the control plane's dead-letter routes). */
  public readonly deadLetters: DeadLetterStore;
  /** Tells workspaces, on their own topic, when a destination's circuit opens, it is disabled, or its dead letters grow. */
  public readonly alerts: WorkspaceAlerts;
  /** The web console, unless `console: false`. */
  public readonly console?: ConsoleHosting;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    this.encryptionKey = this.createEncryptionKey();
    const timeout = props.dispatcherTimeout;
    this.ingestQueue = new IngestQueue(this, 'Ingest', {
      encryptionKey: this.encryptionKey,
      fifo: props.fifoIngestQueue,
      visibilityTimeout: timeout ? Duration.seconds(timeout.toSeconds() * 6) : undefined,
      maxReceiveCount: props.maxReceiveCount,
    });
    this.payloadBucket = this.createPayloadBucket(props);
    this.operatorTopic = new sns.Topic(this, 'OperatorTopic', {
      displayName: 'Event delivery platform: operator events',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.registry = new RegistryTable(this, 'Registry', { encryptionKey: this.encryptionKey });
    // Kept as long as the dead-letter queue keeps them: both forget a letter together.
    this.deadLetters = new DeadLetterStore(this, 'DeadLetters', {
      encryptionKey: this.encryptionKey,
      retention: this.ingestQueue.retentionPeriod,
    });
    this.dispatcher = new EventDispatcher(this, 'Dispatcher', {
      ...props.dispatcher,
      deadLetterStore: this.deadLetters,
      operatorTopic: this.operatorTopic,
      ingestQueue: this.ingestQueue,
      staticWorkspaces: props.staticWorkspaces,
      registry: this.registry,
      encryptionKey: this.encryptionKey,
      payloadBucket: this.payloadBucket,
      timeout,
    });
    this.controlPlane = this.createControlPlane(props);
    this.console = this.createConsole(props);
    this.alerts = new WorkspaceAlerts(this, 'Alerts', {
      registry: this.registry,
      dispatcherRole: this.dispatcher.role,
      dispatcherLogGroup: this.dispatcher.logGroup,
      encryptionKey: this.encryptionKey,
    });
    this.alarms = new DeliveryAlarms(this, 'Alarms', {
      ingestQueue: this.ingestQueue,
      dispatcher: this.dispatcher,
      operatorTopic: this.operatorTopic,
    });
    this.grantAlarmsTheKey();
    this.addOutputs();
  }

  /** CloudWatch Logs encrypts the dispatcher's log group with this key, only for this account's log groups. */
  private createEncryptionKey(): kms.Key {
    const key = new EncryptionKey(this, 'Key', {
      description: 'Event delivery platform: ingest queues and dispatcher logs',
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
          },
        },
      }),
    );
    return key;
  }

  /**
   * The control plane runs the setup check as the dispatcher, as the CLI does: customers' trust
   * policies admit the dispatcher's role, so the API function assumes it, and the dispatcher's
   * role admits the API function's role (and only it) besides Lambda.
   */
  private createControlPlane(props: PlatformStackProps): ControlPlane {
    const controlPlane = new ControlPlane(this, 'ControlPlane', {
      ...props.controlPlane,
      // The console's first: the gateway's own errors name the first origin.
      allowedOrigins: [...this.consoleOrigins(props), ...(props.controlPlane?.allowedOrigins ?? [])],
      registry: this.registry,
      encryptionKey: this.encryptionKey,
      dispatcherRole: this.dispatcher.role,
      deadLetterStore: this.deadLetters,
      ingestQueue: this.ingestQueue,
      dispatcherLogGroup: this.dispatcher.logGroup,
      destinationStatusTable: this.dispatcher.statusTable,
    });
    const apiRole = controlPlane.apiFunction.role;
    if (!apiRole) throw new Error('the control plane API function has no role');
    this.dispatcher.role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal(apiRole.roleArn)],
        actions: ['sts:AssumeRole'],
      }),
    );
    return controlPlane;
  }

  /**
   * The console's origins (`ConsoleHosting.origins`: its domain name's when given, and the
   * distribution's), for the control plane. The console is made after it, since its config.json
   * names the API, so they are produced at synth, by when it exists.
   */
  private consoleOrigins(props: PlatformStackProps): string[] {
    if (props.console === false) return [];
    const count = props.console?.domainName ? 2 : 1;
    return Array.from({ length: count }, (_, index) =>
      Lazy.string({ produce: () => this.console?.origins[index] }),
    );
  }

  /** The web console, its config.json naming this stack's API and user pool. */
  private createConsole(props: PlatformStackProps): ConsoleHosting | undefined {
    if (props.console === false) return undefined;
    return new ConsoleHosting(this, 'Console', {
      ...props.console,
      encryptionKey: this.encryptionKey,
      config: {
        apiUrl: this.controlPlane.api.url,
        userPoolId: this.controlPlane.userPool.userPoolId,
        userPoolClientId: this.controlPlane.userPoolClient.userPoolClientId,
      },
    });
  }

  /** Only when a static destination offloads oversize events or a registry workspace reads them. */
  private createPayloadBucket(props: PlatformStackProps): PayloadBucket | undefined {
    const staticDestinations = (props.staticWorkspaces ?? []).flatMap(
      (w) => resolveWorkspace(w).destinations,
    );
    if (!staticDestinations.some((d) => d.offloadOversize) && (props.payloadReaders ?? []).length === 0) {
      return undefined;
    }
    return new PayloadBucket(this, 'Payloads', {
      destinations: staticDestinations,
      workspaceReaders: props.payloadReaders,
      retention: props.payloadRetention,
    });
  }

  /** CloudWatch alarms publish to the operator topic, encrypted with this key: let them, for this account's alarms only. */
  private grantAlarmsTheKey(): void {
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
  }

  /** What operators' scripts and customers need from this stack. */
  private addOutputs(): void {
    new CfnOutput(this, 'IngestQueueUrl', { value: this.ingestQueue.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.ingestQueue.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'DispatcherLogGroupName', {
      value: this.dispatcher.logGroup.logGroupName,
      description: 'npm run trace -- --log-group: where the dispatcher logs each event it handles',
    });
    new CfnOutput(this, 'DispatcherRoleArn', {
      value: this.dispatcher.role.roleArn,
      description: 'Customers trust this role (aws:PrincipalArn) in their delivery role',
    });
    new CfnOutput(this, 'PlatformAccountId', { value: this.account });
    new CfnOutput(this, 'OperatorTopicArn', {
      value: this.operatorTopic.topicArn,
      description:
        'Operator events: alarms and their recovery, and a destination disabled after failing for long',
    });
    new CfnOutput(this, 'RegistryTable', {
      value: this.registry.table.tableName,
      description: 'npm run destinations -- --table <this> …: workspaces, destinations, publish, rollback',
    });
    new CfnOutput(this, 'DeliveryRolePath', {
      value: DeliveryRole.PATH,
      description: 'Customers create their delivery role on this IAM path: the dispatcher assumes no other',
    });
    new CfnOutput(this, 'DeadLetterTable', {
      value: this.deadLetters.table.tableName,
      description:
        "Each workspace's dead letters, as customers see them through the API (the DeadLetterQueueUrl holds every letter)",
    });
    new CfnOutput(this, 'DestinationStatusTable', {
      value: this.dispatcher.statusTable.tableName,
      description: 'npm run destination-status -- --table <this> list | enable DESTINATION',
    });
    new CfnOutput(this, 'ControlPlaneApiUrl', {
      value: this.controlPlane.api.url,
      description: 'The control plane API (paths begin with /v1/; the OpenAPI document at v1/openapi.json)',
    });
    new CfnOutput(this, 'UserPoolId', {
      value: this.controlPlane.userPool.userPoolId,
      description: 'People sign in to this Cognito user pool (operators: the operators group)',
    });
    new CfnOutput(this, 'UserPoolClientId', {
      value: this.controlPlane.userPoolClient.userPoolClientId,
      description: 'The app client the CLI and the console sign in with (USER_PASSWORD_AUTH, no secret)',
    });
    if (this.console) {
      new CfnOutput(this, 'ConsoleUrl', {
        value: this.console.url,
        description: 'The web console: people sign in with the user pool',
      });
    }
    if (this.payloadBucket) {
      const forCustomers = 'Customers whose destinations offload give this to their delivery role';
      new CfnOutput(this, 'PayloadBucketArn', {
        value: this.payloadBucket.bucket.bucketArn,
        description: forCustomers,
      });
      new CfnOutput(this, 'PayloadKeyArn', {
        value: this.payloadBucket.encryptionKey.keyArn,
        description: forCustomers,
      });
    }
  }
}
