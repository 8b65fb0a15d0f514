import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { ALERTING_MESSAGES } from '../../lambda/alerts/alert-rules';
import { grantKeyThrough } from './encryption-key';
import type { RegistryTable } from './registry-table';

export interface WorkspaceAlertsProps {
  /** The registry: each workspace's alert channel, and each destination's alert state. */
  readonly registry: RegistryTable;
  /** The dispatcher's role: alerts reach customers' topics as it does (their trust admits only it). */
  readonly dispatcherRole: iam.Role;
  /** The dispatcher's log group, whose alerting lines feed the function. */
  readonly dispatcherLogGroup: logs.ILogGroup;
  /** Encrypts the function's log group. */
  readonly encryptionKey: kms.IKey;
  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'alerts', 'index.ts');

/**
 * Tells workspaces about their destinations' trouble on their own channel: a subscription filter
 * on the dispatcher's log group passes only the lines that may alert (a circuit opened, a
 * destination disabled, a dead letter) to a function that publishes, once per cooldown or
 * threshold, to the workspace's SNS topic through its delivery role. The dispatcher is unchanged
 * and nothing is written per delivered event.
 */
export class WorkspaceAlerts extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly subscription: logs.SubscriptionFilter;

  constructor(scope: Construct, id: string, props: WorkspaceAlertsProps) {
    super(scope, id);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Workspace alerts: reads alert channels, publishes to customers' topics as the dispatcher",
    });
    // Reads workspace items (their channel) and writes alert state next to them: nothing else.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [props.registry.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['workspace#*'] } },
      }),
    );
    if (props.registry.table.encryptionKey)
      grantKeyThrough('dynamodb', props.registry.table.encryptionKey, this.role);
    this.role.addToPolicy(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [props.dispatcherRole.roleArn] }),
    );
    props.dispatcherRole.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [this.role] }),
    );
    Validations.of(this.role).acknowledge(
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-IAMNoInlinePolicy',
        reason: 'The policy belongs to this one role and lives and dies with it.',
      },
    );

    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.encryptionKey,
    });
    // The role is this construct's own, so nothing grants it its log group but this.
    logGroup.grantWrite(this.role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: ENTRY,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      role: this.role,
      timeout: Duration.seconds(30),
      memorySize: 256,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        REGISTRY_TABLE: props.registry.table.tableName,
        DISPATCHER_ROLE_ARN: props.dispatcherRole.roleArn,
        POWERTOOLS_SERVICE_NAME: 'workspace-alerts',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: { minify: true, sourceMap: true, target: 'node24', bundleAwsSDK: true },
    });
    const noVpc =
      "It calls only public AWS endpoints (DynamoDB, STS, and SNS in customers' accounts); it reaches no VPC resource.";
    const advice =
      'Alerts are advice: a batch CloudWatch Logs could not deliver is retried by the service, and one the function fails on is logged; replaying old alerts later would only mislead.';
    Validations.of(this.function).acknowledge(
      { id: 'HIPAA.Security::HIPAA.Security-LambdaInsideVPC', reason: noVpc },
      { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', reason: noVpc },
      {
        id: 'HIPAA.Security::HIPAA.Security-LambdaConcurrency',
        reason:
          'It runs only on alerting log lines, rare by nature; reserving concurrency would take it from the dispatcher.',
      },
      { id: 'HIPAA.Security::HIPAA.Security-LambdaDLQ', reason: advice },
      { id: 'Serverless::Serverless-LambdaDLQ', reason: advice },
    );

    this.subscription = new logs.SubscriptionFilter(this, 'Subscription', {
      logGroup: props.dispatcherLogGroup,
      destination: new destinations.LambdaDestination(this.function),
      filterPattern: logs.FilterPattern.any(
        ...Object.values(ALERTING_MESSAGES).map((message) =>
          logs.FilterPattern.stringValue('$.message', '=', message),
        ),
      ),
    });
  }
}
