import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventConsumer } from '../../lib/constructs/event-consumer';
import { applyCompliancePacks } from '../../lib/nag';
import { CustomerStack } from '../../lib/stacks/customer-stack';
import { testApp } from '../support/app';

const props = {
  env: { account: '111122223333', region: 'us-east-1' },
  platformAccountId: '999999999999',
  dispatcherRoleArn: 'arn:aws:iam::999999999999:role/EventDeliveryPlatform-Dispatcher',
  externalId: 'ext-7f3c9a1e-customer-42',
};

const denyInsecureTransport = Match.objectLike({
  Statement: Match.arrayWith([
    Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
  ]),
});

describe('CustomerStack', () => {
  const template = Template.fromStack(new CustomerStack(testApp(), 'Customer', props));

  it('has a standard and a FIFO topic, both KMS-encrypted and TLS-only', () => {
    const encrypted = template.findResources('AWS::SNS::Topic', {
      Properties: { KmsMasterKeyId: Match.anyValue() },
    });
    expect(Object.keys(encrypted)).toHaveLength(2);
    template.hasResourceProperties('AWS::SNS::Topic', { FifoTopic: true, ContentBasedDeduplication: false });
    const tlsOnly = template.findResources('AWS::SNS::TopicPolicy', {
      Properties: { PolicyDocument: denyInsecureTransport },
    });
    expect(Object.keys(tlsOnly)).toHaveLength(2);
  });

  it('subscribes a queue to each topic with raw delivery and an SNS dead-letter queue', () => {
    const subscriptions = template.findResources('AWS::SNS::Subscription', {
      Properties: {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
      },
    });
    expect(Object.keys(subscriptions)).toHaveLength(2);
  });

  it('encrypts every queue, makes them TLS-only, and gives each queue it reads a dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    const keys = Object.keys(template.findResources('AWS::KMS::Key'));
    for (const queue of Object.values(queues)) {
      // A key of this stack, which the customer controls: not the AWS-managed aws/sqs.
      expect(keys).toContain(queue.Properties.KmsMasterKeyId['Fn::GetAtt']?.[0]);
    }
    // Read by the consumer, each with its dead-letter queue: two subscription queues, the standard
    // and FIFO destination queues, the bus's queue. Besides: the stream's and the function's
    // dead-letter queues.
    expect(Object.keys(queues)).toHaveLength(12);
    const redriven = template.findResources('AWS::SQS::Queue', {
      Properties: { RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() } },
    });
    expect(Object.keys(redriven)).toHaveLength(5);
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, RedrivePolicy: Match.anyValue() });
    const tlsOnly = template.findResources('AWS::SQS::QueuePolicy', {
      Properties: { PolicyDocument: denyInsecureTransport },
    });
    expect(Object.keys(tlsOnly)).toHaveLength(12);
  });

  it('lets only its topics send to the queues and use their key', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^EventsFifo') } } },
          }),
        ]),
      }),
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Principal: { Service: 'sns.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { Ref: Match.stringLikeRegexp('^Events') } } },
          }),
        ]),
      }),
    });
  });

  it('keeps idempotency records in an on-demand, encrypted table with TTL and point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
    });
  });

  it('runs the consumer on Node.js 24, arm64, with a dead-letter queue for direct invocations', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({
          IDEMPOTENCY_TABLE_NAME: { Ref: Match.stringLikeRegexp('IdempotencyTable') },
          IDEMPOTENCY_TTL_SECONDS: '86400',
        }),
      },
    });
  });

  it('reads its five queues with partial batch responses', () => {
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping', {
      Properties: { BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] },
    });
    expect(Object.keys(mappings)).toHaveLength(5);
  });

  it('reads the stream from its oldest record, bisecting failed batches, failures kept in a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: Match.anyValue() },
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.anyValue(),
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: 1,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it("routes the bus's events with the platform's Source to the consumer's queue", () => {
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: Match.anyValue() });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: { source: ['event-delivery'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsumerBusQueue'), 'Arn'] },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('lets the delivery role put records on the stream, events on the bus and messages on the queues', () => {
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^DeliveryRole') }] },
      }),
    );
    const actions = policy.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) =>
      [s.Action].flat(),
    );
    expect(actions).toEqual(
      expect.arrayContaining(['kinesis:PutRecords', 'events:PutEvents', 'sqs:SendMessage', 'sns:Publish']),
    );
  });

  it('lets the platform dispatcher invoke the consumer directly', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: props.dispatcherRoleArn,
    });
  });

  it('grants the consumer exactly the table actions Powertools idempotency uses', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: {
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('IdempotencyTable'), 'Arn'] },
            }),
          ]),
        }),
      },
    });
    expect(Object.keys(policies)).toHaveLength(1);
  });

  it('trusts only the dispatcher role of the platform account, with the external id', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: 'arn:aws:iam::999999999999:root' },
            Condition: {
              StringEquals: {
                'sts:ExternalId': props.externalId,
                'aws:PrincipalArn': props.dispatcherRoleArn,
              },
            },
          },
        ],
      },
    });
  });

  it('outputs the role ARN, the external id and a destination config to paste', () => {
    template.hasOutput('DeliveryRoleArn', Match.anyValue());
    template.hasOutput('ExternalId', { Value: props.externalId });
    template.hasOutput('DestinationConfig', Match.anyValue());
  });
});

describe('CustomerStack receiving oversize events', () => {
  const payloads = {
    payloadBucketArn: 'arn:aws:s3:::eventdeliveryplatform-payloads',
    payloadKeyArn: 'arn:aws:kms:us-east-1:999999999999:key/00000000-1111-2222-3333-444444444444',
  };
  const stack = new CustomerStack(testApp(), 'Customer', { ...props, ...payloads });
  const template = Template.fromStack(stack);
  const roleId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const deliveryRoleId = roleId(stack.deliveryRole.role);
  const consumerRoleId = roleId(stack.consumer.role);

  it('gives the consumer the delivery role to read offloaded payloads through, and nothing more of it', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ PAYLOAD_ROLE_ARN: { 'Fn::GetAtt': [deliveryRoleId, 'Arn'] } }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: consumerRoleId }],
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: { 'Fn::GetAtt': [deliveryRoleId, 'Arn'] } },
        ]),
      }),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRole',
            Principal: { AWS: { 'Fn::GetAtt': [consumerRoleId, 'Arn'] } },
          },
        ]),
      }),
    });
  });

  it('tells the platform to offload for its destinations', () => {
    const config = JSON.stringify(template.findOutputs('DestinationConfig'));
    expect(config.match(/\\"offloadOversize\\":true/g)).toHaveLength(7);
  });

  it('finds nothing unacknowledged (AwsSolutions, HIPAA.Security, Serverless)', () => {
    const app = testApp();
    new CustomerStack(app, 'Customer', { ...props, ...payloads });
    applyCompliancePacks(app);

    expect(() => app.synth()).not.toThrow();
  });
});

describe('EventConsumer validation', () => {
  it('reports every bad prop at once', () => {
    const stack = new CustomerStack(testApp(), 'Customer', props);

    expect(
      () => new EventConsumer(stack, 'Bad', { batchSize: 20, maxConcurrency: 1, maxReceiveCount: 0 }),
    ).toThrow(
      'EventConsumer Customer/Bad: batchSize must be an integer from 1 to 10, got 20; maxConcurrency must be an integer from 2 to 1000, got 1; maxReceiveCount must be an integer from 1 to 1000, got 0',
    );
  });
});

describe('customer app', () => {
  it('finds nothing unacknowledged in the customer stack (AwsSolutions, HIPAA.Security, Serverless)', () => {
    const app = testApp();
    new CustomerStack(app, 'Customer', props);
    applyCompliancePacks(app);

    expect(() => app.synth()).not.toThrow();
  });

  it('names the missing context when deployed without it', () => {
    const root = path.join(__dirname, '..', '..');
    let output = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'bin/customer-app.ts'], {
        cwd: root,
        stdio: 'pipe',
        env: { ...process.env, CDK_CONTEXT_JSON: '{"externalId":"x"}' },
      });
    } catch (error) {
      output = String((error as { stderr: Buffer }).stderr);
    }

    expect(output).toContain('Missing context: platformAccountId, dispatcherRoleArn.');
  });
});
