import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Destination } from '../../lambda/shared/destination-config';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { EventDispatcher } from '../../lib/constructs/event-dispatcher';
import { IngestQueue } from '../../lib/constructs/ingest-queue';
import { RegistryTable } from '../../lib/constructs/registry-table';
import { applyCompliancePacks } from '../../lib/nag';
import { PlatformStack, type PlatformStackProps } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';
import {
  CUSTOMER_ROLE,
  fifoTopicDestination,
  lambdaDestination,
  standardTopicDestination,
  WORKSPACE_ID,
  workspacesOf,
} from '../support/fixtures';

const OTHER_ROLE = 'arn:aws:iam::444455556666:role/Delivery';
const DIRECT_FUNCTION = 'arn:aws:lambda:us-east-1:444455556666:function:analytics';

const destinations: Destination[] = [
  lambdaDestination,
  standardTopicDestination,
  { ...fifoTopicDestination, roleArn: OTHER_ROLE },
  {
    id: 'analytics',
    type: 'lambda',
    functionArn: DIRECT_FUNCTION,
    invocationType: 'Event',
    events: ['*'],
    workspaceId: WORKSPACE_ID,
  },
];

const env = { account: '999999999999', region: 'us-east-1' };

function synth(props: Partial<PlatformStackProps> = {}): Template {
  const app = testApp();
  return Template.fromStack(
    new PlatformStack(app, 'Platform', { env, staticWorkspaces: workspacesOf(destinations), ...props }),
  );
}

const denyInsecureTransport = Match.objectLike({
  PolicyDocument: Match.objectLike({
    Statement: Match.arrayWith([
      Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    ]),
  }),
});

/** The dispatcher role's policy: the stack has others (the control plane's functions'). */
function dispatcherPolicy(template: Template) {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^DispatcherRole') }] },
    }),
  );
  expect(policies).toHaveLength(1);
  return policies[0];
}

describe('PlatformStack with a standard ingest queue', () => {
  const template = synth();

  it('encrypts with a customer-managed key that rotates', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('lets only AWS services create grants on the key, for AWS resources (Control Tower CT.KMS.PR.3)', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'GrantsOnlyForAwsResources',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: {
              BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
            },
          },
        ]),
      },
    });
  });

  it('encrypts both queues with the key, keeps messages 14 days and dead-letters after 5 receives', () => {
    const keyArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] };
    // The dead-letter queue takes SQS's largest message, 1 MiB; the ingest queue 4 KiB less, so that
    // every message it takes can be dead-lettered with its reason's attributes.
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      MaximumMessageSize: 1_048_576,
      RedrivePolicy: Match.absent(),
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      MaximumMessageSize: 1_048_576 - 4_096,
      MessageRetentionPeriod: 1_209_600,
      VisibilityTimeout: 180,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
    });
  });

  it('denies non-TLS access to both queues', () => {
    const policies = template.findResources('AWS::SQS::QueuePolicy', { Properties: denyInsecureTransport });
    expect(Object.keys(policies)).toHaveLength(2);
  });

  it('runs the dispatcher on the latest Node.js runtime, arm64, traced, with its config', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: {
        Variables: Match.objectLike({
          DESTINATIONS: Match.stringLikeRegexp('"workspaces":\\[\\{"id":"ws-acme"'),
          REGISTRY_TABLE: { Ref: Match.stringLikeRegexp('^RegistryTable') },
          REGISTRY_CACHE_TTL_SECONDS: '30',
          MAX_RECEIVE_COUNT: '5',
          DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('DeadLetterQueue') },
          NODE_OPTIONS: '--enable-source-maps',
          RETRY_QUEUE_URL: { Ref: Match.stringLikeRegexp('^IngestQueue') },
        }),
      },
    });
  });

  it('keeps dispatcher logs a year, encrypted with the key', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
  });

  it('reads the queue in batches with partial batch responses and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('lets the dispatcher assume delivery roles only with an external id, and invoke no function of its own account', () => {
    const policy = dispatcherPolicy(template);
    const statements = policy.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const byAction = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));

    expect(byAction('sts:AssumeRole')).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Resource: ['arn:aws:iam::*:role/event-delivery/*', CUSTOMER_ROLE, OTHER_ROLE],
        Condition: { Null: { 'sts:ExternalId': 'false' } },
      }),
    ]);
    expect(byAction('lambda:InvokeFunction')).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Resource: 'arn:aws:lambda:*:*:function:*',
        Condition: { StringNotEquals: { 'aws:ResourceAccount': '999999999999' } },
      }),
    ]);
    // Dead letters to the DLQ; per-destination retries back to the ingest queue.
    expect(byAction('sqs:SendMessage')).toEqual([
      expect.objectContaining({
        Resource: [
          { 'Fn::GetAtt': [expect.stringMatching(/DeadLetterQueue/), 'Arn'] },
          { 'Fn::GetAtt': [expect.stringMatching(/^IngestQueue/), 'Arn'] },
        ],
      }),
    ]);
    // The only resource wildcard is X-Ray's, which has no resource-level permissions.
    const wildcard = statements.filter((s) => s.Resource === '*');
    expect(wildcard.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    for (const s of statements)
      expect([s.Action].flat().some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
  });

  it('lets the dispatcher read and update only its status table, put dead letters only, and publish only to the operator topic', () => {
    const policy = dispatcherPolicy(template);
    const statements = policy.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    const dynamodb = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamodb).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^RegistryTable/), 'Arn'] },
      }),
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/StatusTable/), 'Arn'] },
      }),
      expect.objectContaining({
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLettersTable/), 'Arn'] },
      }),
    ]);
    const publish = statements.filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish).toEqual([
      expect.objectContaining({ Resource: { Ref: expect.stringMatching(/^OperatorTopic/) } }),
    ]);
  });

  it('keeps destination status in a table encrypted with the key, recoverable and protected from deletion', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'destination_id', KeyType: 'HASH' }],
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('tells the dispatcher where status lives, when to disable, and whom to tell; the operator topic is encrypted and TLS-only', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DESTINATION_STATUS_TABLE: { Ref: Match.stringLikeRegexp('StatusTable') },
          DISABLE_AFTER_HOURS: '24',
          OPERATOR_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^OperatorTopic') },
        }),
      },
    });
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] }),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', denyInsecureTransport);
  });

  it('keeps the destination registry encrypted with the stack key, recoverable to any point and deletion protected', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it("uses no managed policies but the one API Gateway's account-wide CloudWatch role needs", () => {
    const withManaged = template.findResources('AWS::IAM::Role', {
      Properties: { ManagedPolicyArns: Match.anyValue() },
    });
    expect(Object.values(withManaged).map((role) => role.Properties.ManagedPolicyArns)).toEqual([
      [
        {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
            ],
          ],
        },
      ],
    ]);
    expect(Object.keys(withManaged)).toEqual([expect.stringMatching(/^ControlPlaneApiCloudWatchRole/)]);
  });

  it('outputs what producers and customers need', () => {
    for (const output of [
      'IngestQueueUrl',
      'DeadLetterQueueUrl',
      'DispatcherRoleArn',
      'PlatformAccountId',
      'OperatorTopicArn',
      'DestinationStatusTable',
      'RegistryTable',
      'DeliveryRolePath',
      'DispatcherLogGroupName',
    ]) {
      template.hasOutput(output, Match.anyValue());
    }
  });
});

describe('PlatformStack with a FIFO ingest queue', () => {
  const template = synth({ fifoIngestQueue: true, dispatcherTimeout: Duration.seconds(20) });

  it('makes both queues FIFO, with per-group high throughput', () => {
    const fifoQueues = template.findResources('AWS::SQS::Queue', { Properties: { FifoQueue: true } });
    expect(Object.keys(fifoQueues)).toHaveLength(2);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
      VisibilityTimeout: 120,
    });
  });

  it('retries by redelivering records, since FIFO queues take no per-message delay', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'event-dispatcher',
          RETRY_QUEUE_URL: Match.absent(),
        }),
      },
    });
  });

  it('reads at most 10 records per batch with no batching window', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('PlatformStack validation', () => {
  it('rejects settings that would break delivery, naming each', () => {
    expect(() => synth({ dispatcher: { batchSize: 20_000, maxConcurrency: 1 }, maxReceiveCount: 0 })).toThrow(
      /maxReceiveCount must be an integer from 1 to 1000/,
    );
    expect(() => synth({ dispatcher: { batchSize: 20_000, maxConcurrency: 1 } })).toThrow(
      /batchSize must be an integer from 1 to 10000, got 20000; maxConcurrency must be an integer from 2 to 1000, got 1/,
    );
    expect(() =>
      synth({ fifoIngestQueue: true, dispatcher: { batchSize: 11, maxBatchingWindow: Duration.seconds(1) } }),
    ).toThrow(
      /batchSize must be an integer from 1 to 10, got 11; maxBatchingWindow is not supported on a FIFO queue/,
    );
  });

  it('rejects offloading destinations without a payload bucket', () => {
    const stack = new Stack(testApp(), 'Bare', { env });
    const key = new kms.Key(stack, 'Key');
    const ingestQueue = new IngestQueue(stack, 'Ingest', { encryptionKey: key });

    expect(
      () =>
        new EventDispatcher(stack, 'Dispatcher', {
          ingestQueue,
          encryptionKey: key,
          staticWorkspaces: workspacesOf([{ ...standardTopicDestination, offloadOversize: true }]),
          registry: new RegistryTable(stack, 'Registry', { encryptionKey: key }),
        }),
    ).toThrow(/destinations marketing offload oversize events: give a payloadBucket/);
  });

  it('rejects a destination config too large for the function environment', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ ...fifoTopicDestination, id: `topic-${i}` }));

    expect(() => synth({ staticWorkspaces: workspacesOf(many) })).toThrow(
      /destination config is \d+ bytes; at most 3500/,
    );
  });
});

describe('compliance packs', () => {
  it('find nothing unacknowledged in the platform stack (cdk-nag AwsSolutions, HIPAA.Security, Serverless; Control Tower proactive controls)', () => {
    const app = testApp();
    new PlatformStack(app, 'Platform', { env, staticWorkspaces: workspacesOf(destinations) });
    new PlatformStack(app, 'PlatformRegistryOnly', { env });
    // With the payload bucket too: a destination that offloads oversize events.
    new PlatformStack(app, 'PlatformWithPayloads', {
      env,
      staticWorkspaces: workspacesOf([{ ...standardTopicDestination, offloadOversize: true }]),
    });
    applyCompliancePacks(app);

    expect(() => app.synth()).not.toThrow();
  });

  it('does fail synth on an unacknowledged finding', () => {
    const app = testApp();
    new sqs.Queue(new Stack(app, 'Insecure', { env }), 'Plain', {
      encryption: sqs.QueueEncryption.UNENCRYPTED,
    });
    applyCompliancePacks(app);

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS2/);
  });

  it('fail synth on an unacknowledged Control Tower finding, and take a reasoned acknowledgement next to the resource', () => {
    const build = (acknowledged: boolean) => {
      const app = testApp();
      const stack = new Stack(app, 'NoDlq', { env });
      const key = new EncryptionKey(stack, 'Key', { description: 'test' });
      const queue = new sqs.Queue(stack, 'Queue', { encryptionMasterKey: key, enforceSSL: true });
      const acknowledgements = [
        { id: 'AwsSolutions::AwsSolutions-SQS3', reason: 'test' },
        { id: 'Serverless::Serverless-SQSRedrivePolicy', reason: 'test' },
        { id: 'HIPAA.Security::HIPAA.Security-SQSQueueSSLRequestsOnly', reason: 'test' },
      ];
      if (acknowledged)
        acknowledgements.push({ id: 'cdk-validator-cfnguard::sqs_dlq_check', reason: 'test' });
      Validations.of(queue).acknowledge(...acknowledgements);
      applyCompliancePacks(app);
      return app;
    };

    expect(() => build(false).synth()).toThrow(/CT\.SQS\.PR\.1/);
    expect(() => build(true).synth()).not.toThrow();
  });
});
