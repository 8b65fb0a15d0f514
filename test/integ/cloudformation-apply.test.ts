import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetGroupCommand,
  GetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeEventBusCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  GetFunctionCommand,
  GetPolicyCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CUSTOMER_ACCOUNT, emulatorClient, PLATFORM_ACCOUNT, REGION } from '../../local/accounts';
import { type AppliedStack, applyTemplate, type LocalOverrides } from '../../local/cloudformation/apply';
import {
  CUSTOMER_STACK,
  customerTemplate,
  PLATFORM_STACK,
  platformTemplate,
} from '../../local/cloudformation/synthesize';
import type { Template } from '../../local/cloudformation/template';
import { type Emulator, startEmulator } from '../../local/emulator';

jest.setTimeout(60_000);

const EXTERNAL_ID = 'cdp-0123456789abcdef0123456789abcdef';
const PAYLOAD_READER = `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/event-delivery/EventDelivery`;

/** Differences of the kind the local runtime makes: shorter visibility, a variable, tables on another emulator. */
const overrides = (tablesEndpoint: string): LocalOverrides => ({
  properties: ({ type, path }) =>
    type === 'AWS::SQS::Queue' && path?.includes('/Consumer/SubscriptionQueue')
      ? { VisibilityTimeout: 10 }
      : undefined,
  environment: ({ path }) =>
    path === `${CUSTOMER_STACK}/Consumer/Function/Resource` ? { IDEMPOTENCY_TTL_SECONDS: '60' } : undefined,
  tableEndpoint: ({ path }) => (path?.includes('/IdempotencyTable/') ? tablesEndpoint : undefined),
});

const parse = (text: string | undefined): unknown => JSON.parse(text ?? 'null');

describe('applying the synthesized platform and customer stacks to the emulator', () => {
  let emulator: Emulator;
  let tables: Emulator;
  let platformTemplateJson: Template;
  let customerTemplateJson: Template;
  let platform: AppliedStack;
  let customer: AppliedStack;
  const client = <C>(make: (endpoint: string, account: string) => C, account = CUSTOMER_ACCOUNT) =>
    make(emulator.endpoint, account);
  const sqs = (account?: string) => client((e, a) => emulatorClient(SQSClient, e, a), account);
  const sns = (account?: string) => client((e, a) => emulatorClient(SNSClient, e, a), account);
  const properties = (template: Template, stack: AppliedStack, path: string) =>
    template.Resources[stack.at(path).logicalId].Properties ?? {};

  beforeAll(async () => {
    [emulator, tables] = await Promise.all([startEmulator(), startEmulator()]);
    platformTemplateJson = platformTemplate({
      account: PLATFORM_ACCOUNT,
      region: REGION,
      context: {
        fifoIngestQueue: 'true',
        payloadReaders: [{ workspaceId: 'workspace-1', roleArn: PAYLOAD_READER }],
      },
    });
    platform = await applyTemplate(platformTemplateJson, {
      stackName: PLATFORM_STACK,
      account: PLATFORM_ACCOUNT,
      endpoint: emulator.endpoint,
    });
    customerTemplateJson = customerTemplate({
      account: CUSTOMER_ACCOUNT,
      region: REGION,
      platformAccountId: PLATFORM_ACCOUNT,
      dispatcherRoleArn: platform.outputs.DispatcherRoleArn,
      externalId: EXTERNAL_ID,
      payloadBucketArn: platform.outputs.PayloadBucketArn,
      payloadKeyArn: platform.outputs.PayloadKeyArn,
    });
    customer = await applyTemplate(customerTemplateJson, {
      stackName: CUSTOMER_STACK,
      account: CUSTOMER_ACCOUNT,
      endpoint: emulator.endpoint,
      overrides: overrides(tables.endpoint),
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([emulator?.stop(), tables?.stop()]);
  });

  it('applies every resource of both templates, or lists it as deliberately not emulated', () => {
    for (const [template, stack] of [
      [platformTemplateJson, platform],
      [customerTemplateJson, customer],
    ] as const) {
      expect([...stack.resources.keys()].sort()).toEqual(Object.keys(template.Resources).sort());
      const skipped = [...stack.resources.values()].filter((resource) => !resource.emulated);
      expect(skipped.map(({ logicalId }) => logicalId).sort()).toEqual(
        stack.notEmulated.map(({ logicalId }) => logicalId).sort(),
      );
    }
    expect(customer.limitations).toEqual([]);
    // API Gateway's account-wide CloudWatch role: moto, started without AWS managed policies,
    // cannot attach the one API Gateway documents; nothing runs API Gateway locally to use it.
    expect(platform.limitations).toEqual([
      expect.objectContaining({
        path: `${PLATFORM_STACK}/ControlPlane/Api/CloudWatchRole/Resource`,
        property: 'ManagedPolicyArns',
        reason: expect.stringContaining('AmazonAPIGatewayPushToCloudWatchLogs'),
      }),
    ]);
    expect(new Set(platform.notEmulated.map(({ type }) => type))).toEqual(
      new Set([
        'AWS::Logs::LogGroup',
        // Alerts: the local runtime follows the dispatcher's log file instead.
        'AWS::Logs::SubscriptionFilter',
        'AWS::CloudWatch::Alarm',
        'AWS::CloudWatch::Dashboard',
        // The control plane's gateway and firewall: the local adapter serves the same handlers.
        'AWS::ApiGateway::Account',
        'AWS::ApiGateway::Authorizer',
        'AWS::ApiGateway::Deployment',
        'AWS::ApiGateway::GatewayResponse',
        'AWS::ApiGateway::Method',
        'AWS::ApiGateway::Resource',
        'AWS::ApiGateway::RestApi',
        'AWS::ApiGateway::Stage',
        'AWS::WAFv2::LoggingConfiguration',
        'AWS::WAFv2::WebACL',
        'AWS::WAFv2::WebACLAssociation',
        // The console's CDN and deployment: locally a node server serves console/dist.
        'AWS::CloudFront::Distribution',
        'AWS::CloudFront::OriginAccessControl',
        'AWS::CloudFront::ResponseHeadersPolicy',
        'Custom::CDKBucketDeployment',
        'AWS::Lambda::LayerVersion',
      ]),
    );
    expect(customer.notEmulated.map(({ type }) => type)).toEqual(['AWS::Logs::LogGroup']);
  });

  it('resolves the outputs from what was created', () => {
    expect(platform.outputs).toMatchObject({
      IngestQueueUrl: platform.at('Ingest/Queue').ref,
      DeadLetterQueueUrl: platform.at('Ingest/DeadLetterQueue').ref,
      DispatcherRoleArn: platform.at('Dispatcher/Role').attributes.Arn,
      PlatformAccountId: PLATFORM_ACCOUNT,
      RegistryTable: platform.at('Registry/Table').ref,
      PayloadKeyArn: platform.at('Payloads/Key').attributes.Arn,
      UserPoolId: platform.at('ControlPlane/UserPool').ref,
      UserPoolClientId: platform.at('ControlPlane/UserPool/Client').ref,
      ControlPlaneApiUrl: `https://${platform.at('ControlPlane/Api').ref}.execute-api.${REGION}.amazonaws.com/prod/`,
    });
    expect(customer.outputs.ExternalId).toBe(EXTERNAL_ID);
    expect(parse(customer.outputs.DestinationConfig)).toContainEqual(
      expect.objectContaining({ type: 'sqs', queueArn: customer.at('EventsQueueFifo').attributes.Arn }),
    );
  });

  it('holds the FIFO ingest queue with its key, high-throughput settings, redrive and TLS-only policy', async () => {
    const queue = platform.at('Ingest/Queue');
    const { Attributes = {} } = await sqs(PLATFORM_ACCOUNT).send(
      new GetQueueAttributesCommand({ QueueUrl: queue.ref, AttributeNames: ['All'] }),
    );

    expect(Attributes).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'true',
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      KmsMasterKeyId: platform.at('Key').attributes.Arn,
      KmsDataKeyReusePeriodSeconds: '3600',
      VisibilityTimeout: '180',
      MessageRetentionPeriod: '1209600',
      MaximumMessageSize: '1044480',
    });
    expect(parse(Attributes.RedrivePolicy)).toEqual({
      deadLetterTargetArn: platform.at('Ingest/DeadLetterQueue').attributes.Arn,
      maxReceiveCount: 5,
    });
    const policy = parse(Attributes.Policy);
    expect(policy).toEqual(
      platform.resolve(properties(platformTemplateJson, platform, 'Ingest/Queue/Policy').PolicyDocument),
    );
    expect(policy).toMatchObject({
      Statement: [
        {
          Effect: 'Deny',
          Resource: Attributes.QueueArn,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });

  it('holds the FIFO destination queue with its key and dead-letter queue, and the local visibility where overridden', async () => {
    const fifo = customer.at('EventsQueueFifo');
    const subscriptionQueue = customer.at('Consumer/SubscriptionQueue0');
    const [destination, subscribed] = await Promise.all(
      [fifo, subscriptionQueue].map(({ ref }) =>
        sqs().send(new GetQueueAttributesCommand({ QueueUrl: ref, AttributeNames: ['All'] })),
      ),
    );

    expect(destination.Attributes).toMatchObject({
      FifoQueue: 'true',
      ContentBasedDeduplication: 'false',
      KmsMasterKeyId: customer.at('DestinationKey').attributes.Arn,
      VisibilityTimeout: '180',
    });
    expect(parse(destination.Attributes?.RedrivePolicy)).toEqual({
      deadLetterTargetArn: customer.at('EventsQueueFifoDeadLetterQueue').attributes.Arn,
      maxReceiveCount: 5,
    });
    expect(subscribed.Attributes?.VisibilityTimeout).toBe('10');
    expect(subscriptionQueue.overriddenProperties).toEqual(['VisibilityTimeout']);
    expect(parse(subscribed.Attributes?.Policy)).toEqual(
      customer.resolve(
        properties(customerTemplateJson, customer, 'Consumer/SubscriptionQueue0/Policy').PolicyDocument,
      ),
    );
  });

  it('holds the topics with their keys, FIFO flags and policies', async () => {
    const [operator, events, fifo] = await Promise.all([
      sns(PLATFORM_ACCOUNT).send(
        new GetTopicAttributesCommand({ TopicArn: platform.at('OperatorTopic').ref }),
      ),
      sns().send(new GetTopicAttributesCommand({ TopicArn: customer.at('Events').ref })),
      sns().send(new GetTopicAttributesCommand({ TopicArn: customer.at('EventsFifo').ref })),
    ]);

    expect(operator.Attributes?.KmsMasterKeyId).toBe(platform.at('Key').attributes.Arn);
    expect(events.Attributes?.KmsMasterKeyId).toBe(customer.at('TopicKey').attributes.Arn);
    expect(events.Attributes?.FifoTopic).toBeUndefined();
    expect(fifo.Attributes).toMatchObject({
      KmsMasterKeyId: customer.at('TopicKey').attributes.Arn,
      FifoTopic: 'true',
      ContentBasedDeduplication: 'false',
    });
    expect(parse(fifo.Attributes?.Policy)).toEqual(
      customer.resolve(properties(customerTemplateJson, customer, 'EventsFifo/Policy').PolicyDocument),
    );
  });

  it('subscribes each topic’s queue with raw delivery and its dead-letter queue, and delivers through it', async () => {
    for (const [topic, n] of [
      ['Events', 0],
      ['EventsFifo', 1],
    ] as const) {
      const { Subscriptions = [] } = await sns().send(
        new ListSubscriptionsByTopicCommand({ TopicArn: customer.at(topic).ref }),
      );
      expect(Subscriptions.map(({ Protocol, Endpoint }) => ({ Protocol, Endpoint }))).toEqual([
        { Protocol: 'sqs', Endpoint: customer.at(`Consumer/SubscriptionQueue${n}`).attributes.Arn },
      ]);
      const { Attributes } = await sns().send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: Subscriptions[0].SubscriptionArn }),
      );
      expect(Attributes?.RawMessageDelivery).toBe('true');
      expect(parse(Attributes?.RedrivePolicy)).toEqual({
        deadLetterTargetArn: customer.at(`Consumer/SubscriptionDeadLetterQueue${n}`).attributes.Arn,
      });
    }
    await sns().send(new PublishCommand({ TopicArn: customer.at('Events').ref, Message: '{"raw":true}' }));
    const { Messages = [] } = await sqs().send(
      new ReceiveMessageCommand({
        QueueUrl: customer.at('Consumer/SubscriptionQueue0').ref,
        WaitTimeSeconds: 5,
      }),
    );
    expect(Messages.map(({ Body }) => Body)).toEqual(['{"raw":true}']);
  });

  it('holds the stream on demand, encrypted with the destination key, for 7 days', async () => {
    const kinesis = emulatorClient(KinesisClient, emulator.endpoint, CUSTOMER_ACCOUNT, {
      requestHandler: new NodeHttpHandler(),
    });
    const { StreamDescriptionSummary } = await kinesis.send(
      new DescribeStreamSummaryCommand({ StreamName: customer.at('Clickstream').ref }),
    );

    expect(StreamDescriptionSummary).toMatchObject({
      StreamARN: customer.at('Clickstream').attributes.Arn,
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      EncryptionType: 'KMS',
      KeyId: customer.at('DestinationKey').attributes.Arn,
      RetentionPeriodHours: 168,
    });
  });

  it("holds the bus with its key, and the rule that sends the platform's events to the consumer's queue", async () => {
    const events = emulatorClient(EventBridgeClient, emulator.endpoint, CUSTOMER_ACCOUNT);
    const busName = customer.at('Bus').ref;
    const ruleName = customer.at('Consumer/BusRule0').ref.split('|')[1];
    const [bus, rule, targets] = await Promise.all([
      events.send(new DescribeEventBusCommand({ Name: busName })),
      events.send(new DescribeRuleCommand({ Name: ruleName, EventBusName: busName })),
      events.send(new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName })),
    ]);

    expect(bus.KmsKeyIdentifier).toBe(customer.at('DestinationKey').attributes.Arn);
    expect(rule.State).toBe('ENABLED');
    expect(parse(rule.EventPattern)).toEqual({ source: ['event-delivery'] });
    expect(targets.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: customer.at('Consumer/BusQueue0').attributes.Arn,
        DeadLetterConfig: { Arn: customer.at('Consumer/BusDeadLetterQueue0').attributes.Arn },
      },
    ]);
    await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: busName, Source: 'event-delivery', DetailType: 'Test', Detail: '{"n":1}' }],
      }),
    );
    const { Messages = [] } = await sqs().send(
      new ReceiveMessageCommand({ QueueUrl: customer.at('Consumer/BusQueue0').ref, WaitTimeSeconds: 5 }),
    );
    expect(Messages.map(({ Body }) => (parse(Body) as { detail: unknown }).detail)).toEqual([{ n: 1 }]);
  });

  it('holds the delivery role on its path, trusting the dispatcher with the external id, with its inline policy', async () => {
    const iam = emulatorClient(IAMClient, emulator.endpoint, CUSTOMER_ACCOUNT);
    const role = customer.at('DeliveryRole/Role');
    const policyProperties = properties(customerTemplateJson, customer, 'DeliveryRole/Role/DefaultPolicy');
    const [{ Role }, { PolicyDocument }] = await Promise.all([
      iam.send(new GetRoleCommand({ RoleName: role.ref })),
      iam.send(
        new GetRolePolicyCommand({ RoleName: role.ref, PolicyName: String(policyProperties.PolicyName) }),
      ),
    ]);

    expect(Role?.Path).toBe('/event-delivery/');
    expect(Role?.Arn).toBe(customer.outputs.DeliveryRoleArn);
    const trust = parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ''));
    expect(trust).toEqual(
      customer.resolve(
        properties(customerTemplateJson, customer, 'DeliveryRole/Role').AssumeRolePolicyDocument,
      ),
    );
    expect(trust).toMatchObject({
      Statement: [
        {
          Principal: { AWS: `arn:aws:iam::${PLATFORM_ACCOUNT}:root` },
          Condition: {
            StringEquals: {
              'sts:ExternalId': EXTERNAL_ID,
              'aws:PrincipalArn': platform.outputs.DispatcherRoleArn,
            },
          },
        },
        { Principal: { AWS: customer.at('Consumer/Role').attributes.Arn } },
      ],
    });
    expect(parse(decodeURIComponent(PolicyDocument ?? ''))).toEqual(
      customer.resolve(policyProperties.PolicyDocument),
    );
  });

  it("holds the platform key's policy, naming the dispatcher's role, with rotation on", async () => {
    const kms = emulatorClient(KMSClient, emulator.endpoint, PLATFORM_ACCOUNT);
    const KeyId = platform.at('Key').ref;
    const [{ Policy }, { KeyRotationEnabled }] = await Promise.all([
      kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' })),
      kms.send(new GetKeyRotationStatusCommand({ KeyId })),
    ]);

    const policy = parse(Policy);
    expect(policy).toEqual(platform.resolve(properties(platformTemplateJson, platform, 'Key').KeyPolicy));
    expect(JSON.stringify(policy)).toContain(`"AWS":"${platform.outputs.DispatcherRoleArn}"`);
    expect(KeyRotationEnabled).toBe(true);
  });

  it('creates each table on the emulator the overrides route it to, with its keys and TTL', async () => {
    const table = customer.at('Consumer/IdempotencyTable');
    const onTables = emulatorClient(DynamoDBClient, tables.endpoint, CUSTOMER_ACCOUNT);
    const onMain = emulatorClient(DynamoDBClient, emulator.endpoint, CUSTOMER_ACCOUNT);
    const [{ Table }, { TimeToLiveDescription }] = await Promise.all([
      onTables.send(new DescribeTableCommand({ TableName: table.ref })),
      onTables.send(new DescribeTimeToLiveCommand({ TableName: table.ref })),
    ]);

    expect(table.endpoint).toBe(tables.endpoint);
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(TimeToLiveDescription).toEqual({ AttributeName: 'expiration', TimeToLiveStatus: 'ENABLED' });
    await expect(onMain.send(new DescribeTableCommand({ TableName: table.ref }))).rejects.toThrow(
      /not found/i,
    );
    const registry = await emulatorClient(DynamoDBClient, emulator.endpoint, PLATFORM_ACCOUNT).send(
      new DescribeTableCommand({ TableName: platform.outputs.RegistryTable }),
    );
    expect(registry.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(registry.Table?.DeletionProtectionEnabled).toBe(true);
  });

  it('creates the functions with their roles and variables, the local ones overridden, and their permissions', async () => {
    const lambda = emulatorClient(LambdaClient, emulator.endpoint, CUSTOMER_ACCOUNT);
    const [consumer] = customer.functions;
    const [{ Configuration }, { Policy }, { EventSourceMappings }] = await Promise.all([
      lambda.send(new GetFunctionCommand({ FunctionName: consumer.name })),
      lambda.send(new GetPolicyCommand({ FunctionName: consumer.name })),
      lambda.send(new ListEventSourceMappingsCommand({})),
    ]);

    expect(customer.functions).toHaveLength(1);
    expect(consumer).toMatchObject({
      logicalId: customer.at('Consumer/Function').logicalId,
      arn: customer.at('Consumer/Function').attributes.Arn,
      roleArn: customer.at('Consumer/Role').attributes.Arn,
      handler: 'index.handler',
      timeoutSeconds: 30,
      deadLetterTargetArn: customer.at('Consumer/InvocationDeadLetterQueue').attributes.Arn,
      environment: expect.objectContaining({
        IDEMPOTENCY_TABLE_NAME: customer.at('Consumer/IdempotencyTable').ref,
        PAYLOAD_ROLE_ARN: customer.at('DeliveryRole/Role').attributes.Arn,
        IDEMPOTENCY_TTL_SECONDS: '60',
      }),
      overriddenVariables: ['IDEMPOTENCY_TTL_SECONDS'],
    });
    expect(Configuration?.Role).toBe(consumer.roleArn);
    expect(Configuration?.Environment?.Variables).toEqual(consumer.environment);
    expect(JSON.stringify(parse(Policy))).toContain(platform.outputs.DispatcherRoleArn);
    expect(EventSourceMappings).toEqual([]);
    expect(
      platform.functions.map(({ path, environment }) => [path, environment.DEAD_LETTER_QUEUE_URL]),
    ).toEqual(
      expect.arrayContaining([
        [`${PLATFORM_STACK}/Dispatcher/Function/Resource`, platform.outputs.DeadLetterQueueUrl],
      ]),
    );
    const controlPlane = platform.functions.filter(({ path }) => path?.includes('/ControlPlane/'));
    expect(controlPlane.map(({ path }) => path).sort()).toEqual([
      `${PLATFORM_STACK}/ControlPlane/ApiFunction/Resource`,
      `${PLATFORM_STACK}/ControlPlane/AuthorizerFunction/Resource`,
    ]);
    for (const { environment } of controlPlane) {
      expect(environment).toMatchObject({
        REGISTRY_TABLE: platform.outputs.RegistryTable,
        USER_POOL_ID: platform.outputs.UserPoolId,
        USER_POOL_CLIENT_ID: platform.outputs.UserPoolClientId,
      });
    }
  });

  it("names the not-emulated distribution's made-up domain as the API function's allowed origin, and as ConsoleUrl", () => {
    const distribution = platform.at('Console/Distribution');
    const apiFunction = platform.functions.find(({ path }) => path?.includes('/ControlPlane/ApiFunction/'));

    // The local control plane allows the local console's origin instead (local/control-plane/start.ts).
    expect(distribution.emulated).toBe(false);
    expect(distribution.attributes.DomainName).toMatch(/^d[0-9a-f]{13}\.cloudfront\.net$/);
    expect(apiFunction?.environment.ALLOWED_ORIGINS).toBe(`https://${distribution.attributes.DomainName}`);
    expect(platform.outputs.ConsoleUrl).toBe(`https://${distribution.attributes.DomainName}`);
  });

  it("gives each event source mapping's synthesized settings, linked to its function and source", () => {
    const stream = customer.eventSourceMappings.find(
      ({ eventSourceLogicalId }) => eventSourceLogicalId === customer.at('Clickstream').logicalId,
    );

    expect(customer.eventSourceMappings).toHaveLength(6);
    expect(new Set(customer.eventSourceMappings.map(({ functionLogicalId }) => functionLogicalId))).toEqual(
      new Set([customer.functions[0].logicalId]),
    );
    expect(stream).toMatchObject({
      batchSize: 100,
      startingPosition: 'TRIM_HORIZON',
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 10,
      maximumRecordAgeInSeconds: 86400,
      functionResponseTypes: ['ReportBatchItemFailures'],
      onFailureDestinationArn: customer.at('Consumer/StreamDeadLetterQueue0').attributes.Arn,
    });
    expect(platform.eventSourceMappings).toEqual([
      expect.objectContaining({
        eventSourceLogicalId: platform.at('Ingest/Queue').logicalId,
        functionLogicalId: platform.at('Dispatcher/Function').logicalId,
        batchSize: 10,
        maximumConcurrency: 10,
        functionResponseTypes: ['ReportBatchItemFailures'],
      }),
    ]);
  });

  it('holds the payload bucket with its key, lifecycle, versioning, access logging, public access block and policy', async () => {
    const s3 = emulatorClient(S3Client, emulator.endpoint, PLATFORM_ACCOUNT, { forcePathStyle: true });
    const Bucket = platform.at('Payloads/Bucket').ref;
    const [encryption, lifecycle, versioning, logging, block, policy] = await Promise.all([
      s3.send(new GetBucketEncryptionCommand({ Bucket })),
      s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
      s3.send(new GetBucketVersioningCommand({ Bucket })),
      s3.send(new GetBucketLoggingCommand({ Bucket })),
      s3.send(new GetPublicAccessBlockCommand({ Bucket })),
      s3.send(new GetBucketPolicyCommand({ Bucket })),
    ]);

    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0].ApplyServerSideEncryptionByDefault,
    ).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: platform.outputs.PayloadKeyArn,
    });
    expect(lifecycle.Rules?.[0]).toMatchObject({ Status: 'Enabled', Expiration: { Days: 14 } });
    expect(versioning.Status).toBe('Enabled');
    expect(logging.LoggingEnabled).toEqual({
      TargetBucket: platform.at('Payloads/AccessLogs').ref,
      TargetPrefix: 'payloads/',
    });
    expect(block.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(parse(policy.Policy)).toEqual(
      platform.resolve(properties(platformTemplateJson, platform, 'Payloads/Bucket/Policy').PolicyDocument),
    );
  });

  it('holds the user pool with its password policy, MFA, sign-in by email and the operators group, and its app client', async () => {
    const cognito = emulatorClient(CognitoIdentityProviderClient, emulator.endpoint, PLATFORM_ACCOUNT);
    const UserPoolId = platform.outputs.UserPoolId;
    const [{ UserPool }, { UserPoolClient }, { Group }, mfa] = await Promise.all([
      cognito.send(new DescribeUserPoolCommand({ UserPoolId })),
      cognito.send(
        new DescribeUserPoolClientCommand({ UserPoolId, ClientId: platform.outputs.UserPoolClientId }),
      ),
      cognito.send(new GetGroupCommand({ UserPoolId, GroupName: 'operators' })),
      cognito.send(new GetUserPoolMfaConfigCommand({ UserPoolId })),
    ]);

    expect(platform.at('ControlPlane/UserPool').attributes).toMatchObject({
      Arn: UserPool?.Arn,
      ProviderName: `cognito-idp.${REGION}.amazonaws.com/${UserPoolId}`,
      ProviderURL: `https://cognito-idp.${REGION}.amazonaws.com/${UserPoolId}`,
    });
    expect(UserPool).toMatchObject({
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
      UsernameAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      DeletionProtection: 'ACTIVE',
    });
    // Applied without the local runtime's overrides: MFA as the template has it.
    expect(mfa).toMatchObject({ MfaConfiguration: 'ON', SoftwareTokenMfaConfiguration: { Enabled: true } });
    expect(mfa.SmsMfaConfiguration).toBeUndefined();
    expect(UserPoolClient).toMatchObject({
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      PreventUserExistenceErrors: 'ENABLED',
      AccessTokenValidity: 15,
      RefreshTokenValidity: 43200,
    });
    expect(UserPoolClient?.ClientSecret).toBeUndefined();
    expect(Group?.GroupName).toBe('operators');
  });

  it('holds the mapping-pin secret with a value generated as the template asks', async () => {
    const secrets = emulatorClient(SecretsManagerClient, emulator.endpoint, PLATFORM_ACCOUNT);
    const { SecretString } = await secrets.send(
      new GetSecretValueCommand({ SecretId: platform.at('Dispatcher/MappingPinKey').ref }),
    );

    expect(SecretString).toMatch(/^[A-Za-z0-9]{64}$/);
  });
});
