import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DeliveryRole, type DeliveryRoleProps } from '../../lib/constructs/delivery-role';
import { testApp } from '../support/app';
import { simulate } from '../support/iam-simulation';

const PLATFORM = '999999999999';
const CUSTOMER = '111122223333';
const DISPATCHER = `arn:aws:iam::${PLATFORM}:role/EventDeliveryPlatform-Dispatcher`;
const EXTERNAL_ID = 'ext-7f3c9a1e-customer-42';
const ROLE_ARN = `arn:aws:iam::${CUSTOMER}:role/EventDelivery`;
const TOPIC = `arn:aws:sns:us-east-1:${CUSTOMER}:orders.fifo`;
const TOPIC_KEY = `arn:aws:kms:us-east-1:${CUSTOMER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const FUNCTION = `arn:aws:lambda:us-east-1:${CUSTOMER}:function:consumer`;

function synthRole(overrides: Partial<DeliveryRoleProps> = {}) {
  const stack = new Stack(testApp(), 'Customer', { env: { account: CUSTOMER, region: 'us-east-1' } });
  new DeliveryRole(stack, 'Delivery', {
    platformAccountId: PLATFORM,
    dispatcherRoleArn: DISPATCHER,
    externalId: EXTERNAL_ID,
    roleName: 'EventDelivery',
    topics: [sns.Topic.fromTopicArn(stack, 'Topic', TOPIC)],
    topicKeys: [kms.Key.fromKeyArn(stack, 'TopicKey', TOPIC_KEY)],
    functions: [lambda.Function.fromFunctionArn(stack, 'Fn', FUNCTION)],
    ...overrides,
  });
  return Template.fromStack(stack);
}

const template = synthRole();
const [role] = Object.values(template.findResources('AWS::IAM::Role'));
const trustPolicy = role.Properties.AssumeRolePolicyDocument;
const [permissions] = Object.values(template.findResources('AWS::IAM::Policy'));
const permissionPolicy = permissions.Properties.PolicyDocument;

/** The platform side: the dispatcher may assume any delivery role (its real policy names them exactly). */
const dispatcherPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }],
};

const assumeRole = (principal: string, context: Record<string, string>) =>
  simulate({
    principal,
    action: 'sts:AssumeRole',
    resource: ROLE_ARN,
    resourceAccount: CUSTOMER,
    context,
    identityPolicies: [dispatcherPolicy],
    resourcePolicy: trustPolicy,
  });

/** A key policy that delegates to IAM, as CDK's default key policy does: the role's own policy decides. */
const keyPolicyDelegatingToIam = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CUSTOMER}:root` }, Action: 'kms:*', Resource: '*' },
  ],
};

const asDeliveryRole = (action: string, resource: string) =>
  simulate({
    principal: ROLE_ARN,
    action,
    resource,
    resourceAccount: CUSTOMER,
    identityPolicies: [permissionPolicy],
    ...(action.startsWith('kms:') && { resourcePolicy: keyPolicyDelegatingToIam }),
  });

describe('DeliveryRole trust policy', () => {
  it('trusts the platform account with the external id and the dispatcher role as conditions', () => {
    expect(trustPolicy.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: `arn:aws:iam::${PLATFORM}:root` },
        Condition: { StringEquals: { 'sts:ExternalId': EXTERNAL_ID, 'aws:PrincipalArn': DISPATCHER } },
      },
    ]);
  });

  it('lets the dispatcher role in with the right external id', async () => {
    await expect(assumeRole(DISPATCHER, { 'sts:ExternalId': EXTERNAL_ID })).resolves.toBe('Allowed');
  });

  it.each([
    ['no external id', DISPATCHER, {}],
    ['a wrong external id', DISPATCHER, { 'sts:ExternalId': 'ext-guess' }],
    ['the external id in another case', DISPATCHER, { 'sts:ExternalId': EXTERNAL_ID.toUpperCase() }],
    [
      'another role of the platform account',
      `arn:aws:iam::${PLATFORM}:role/Developer`,
      { 'sts:ExternalId': EXTERNAL_ID },
    ],
    ['the platform account root', `arn:aws:iam::${PLATFORM}:root`, { 'sts:ExternalId': EXTERNAL_ID }],
    [
      'a same-named role of another account',
      'arn:aws:iam::444455556666:role/EventDeliveryPlatform-Dispatcher',
      { 'sts:ExternalId': EXTERNAL_ID },
    ],
  ])('keeps out %s', async (_case, principal, context) => {
    await expect(assumeRole(principal, context)).resolves.not.toBe('Allowed');
  });
});

describe('DeliveryRole permissions', () => {
  it.each([
    ['sns:Publish', TOPIC],
    ['sns:GetTopicAttributes', TOPIC],
    ['kms:GenerateDataKey', TOPIC_KEY],
    ['kms:Decrypt', TOPIC_KEY],
    ['lambda:InvokeFunction', FUNCTION],
  ])('allows %s on %s', async (action, resource) => {
    await expect(asDeliveryRole(action, resource)).resolves.toBe('Allowed');
  });

  it.each([
    ['sns:Publish', `arn:aws:sns:us-east-1:${CUSTOMER}:another-topic`],
    ['sns:Publish', `arn:aws:sns:eu-west-1:${CUSTOMER}:orders.fifo`],
    ['sns:Subscribe', TOPIC],
    ['sns:SetTopicAttributes', TOPIC],
    ['lambda:InvokeFunction', `arn:aws:lambda:us-east-1:${CUSTOMER}:function:payroll`],
    ['lambda:UpdateFunctionCode', FUNCTION],
    ['kms:Decrypt', `arn:aws:kms:us-east-1:${CUSTOMER}:key/ffffffff-12ab-34cd-56ef-1234567890ab`],
    ['kms:ScheduleKeyDeletion', TOPIC_KEY],
    ['sqs:SendMessage', `arn:aws:sqs:us-east-1:${CUSTOMER}:queue`],
    ['iam:PassRole', ROLE_ARN],
  ])('denies %s on %s', async (action, resource) => {
    await expect(asDeliveryRole(action, resource)).resolves.not.toBe('Allowed');
  });

  it('grants exactly publish (and reading the topic settings, for the setup check), the topic key actions and invoke', () => {
    expect(permissionPolicy.Statement).toEqual([
      { Effect: 'Allow', Action: ['sns:GetTopicAttributes', 'sns:Publish'], Resource: TOPIC },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: TOPIC_KEY },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FUNCTION },
    ]);
  });
});

describe('DeliveryRole for streams, event buses and queues', () => {
  const STREAM = `arn:aws:kinesis:us-east-1:${CUSTOMER}:stream/clickstream`;
  const STREAM_KEY = `arn:aws:kms:us-east-1:${CUSTOMER}:key/22222222-12ab-34cd-56ef-1234567890ab`;
  const BUS = `arn:aws:events:us-east-1:${CUSTOMER}:event-bus/customer-events`;
  const QUEUE = `arn:aws:sqs:us-east-1:${CUSTOMER}:orders.fifo`;
  const QUEUE_KEY = `arn:aws:kms:us-east-1:${CUSTOMER}:key/33333333-12ab-34cd-56ef-1234567890ab`;
  const stack = new Stack(testApp(), 'Streams', { env: { account: CUSTOMER, region: 'us-east-1' } });
  new DeliveryRole(stack, 'Delivery', {
    platformAccountId: PLATFORM,
    dispatcherRoleArn: DISPATCHER,
    externalId: EXTERNAL_ID,
    streams: [
      kinesis.Stream.fromStreamAttributes(stack, 'Stream', {
        streamArn: STREAM,
        encryptionKey: kms.Key.fromKeyArn(stack, 'StreamKey', STREAM_KEY),
      }),
    ],
    eventBuses: [events.EventBus.fromEventBusArn(stack, 'Bus', BUS)],
    queues: [
      sqs.Queue.fromQueueAttributes(stack, 'Queue', {
        queueArn: QUEUE,
        keyArn: QUEUE_KEY,
      }),
    ],
  });
  const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
  const document = policy.Properties.PolicyDocument;
  const asRole = (action: string, resource: string) =>
    simulate({
      principal: ROLE_ARN,
      action,
      resource,
      resourceAccount: CUSTOMER,
      identityPolicies: [document],
      ...(action.startsWith('kms:') && { resourcePolicy: keyPolicyDelegatingToIam }),
    });

  it('grants each type its delivery call and setup probe, and the key actions its service needs', () => {
    expect(document.Statement).toEqual([
      { Effect: 'Allow', Action: ['kinesis:DescribeStreamSummary', 'kinesis:PutRecords'], Resource: STREAM },
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: STREAM_KEY },
      { Effect: 'Allow', Action: ['events:DescribeEventBus', 'events:PutEvents'], Resource: BUS },
      { Effect: 'Allow', Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'], Resource: QUEUE },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: QUEUE_KEY },
    ]);
  });

  it.each([
    ['kinesis:PutRecords', STREAM],
    ['kms:GenerateDataKey', STREAM_KEY],
    ['events:PutEvents', BUS],
    ['sqs:SendMessage', QUEUE],
    ['kms:GenerateDataKey', QUEUE_KEY],
  ])('allows %s on %s', async (action, resource) => {
    await expect(asRole(action, resource)).resolves.toBe('Allowed');
  });

  it.each([
    ['kinesis:PutRecords', `arn:aws:kinesis:us-east-1:${CUSTOMER}:stream/payments`],
    ['kinesis:GetRecords', STREAM],
    ['kinesis:DeleteStream', STREAM],
    ['events:PutEvents', `arn:aws:events:us-east-1:${CUSTOMER}:event-bus/default`],
    ['events:PutRule', `arn:aws:events:us-east-1:${CUSTOMER}:rule/customer-events/copy-all`],
    ['sqs:SendMessage', `arn:aws:sqs:us-east-1:${CUSTOMER}:payroll`],
    ['sqs:ReceiveMessage', QUEUE],
    ['sqs:PurgeQueue', QUEUE],
    ['kms:Decrypt', STREAM_KEY],
  ])('denies %s on %s', async (action, resource) => {
    await expect(asRole(action, resource)).resolves.not.toBe('Allowed');
  });
});

describe('DeliveryRole with the platform payload bucket', () => {
  const BUCKET = 'arn:aws:s3:::platform-payloads';
  const PAYLOAD_KEY = `arn:aws:kms:us-east-1:${PLATFORM}:key/00000000-1111-2222-3333-444444444444`;
  const CONSUMER = `arn:aws:iam::${CUSTOMER}:role/EventConsumer`;
  const withPayloads = synthRole({
    payloadBucketArn: BUCKET,
    payloadKeyArn: PAYLOAD_KEY,
    payloadReaders: [iam.Role.fromRoleArn(new Stack(testApp(), 'Other'), 'Consumer', CONSUMER)],
  });
  const [payloadRole] = Object.values(withPayloads.findResources('AWS::IAM::Role'));
  const [payloadPolicy] = Object.values(withPayloads.findResources('AWS::IAM::Policy'));

  it('reads objects of the bucket and decrypts them through S3 only, besides delivering', () => {
    expect(payloadPolicy.Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['sns:GetTopicAttributes', 'sns:Publish'], Resource: TOPIC },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: TOPIC_KEY },
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FUNCTION },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: PAYLOAD_KEY,
        Condition: { StringLike: { 'kms:ViaService': 's3.*.amazonaws.com' } },
      },
    ]);
  });

  it('lets the given consumer assume it, and no other role of the account', async () => {
    const trust = payloadRole.Properties.AssumeRolePolicyDocument;
    const assume = (principal: string) =>
      simulate({
        principal,
        action: 'sts:AssumeRole',
        resource: ROLE_ARN,
        resourceAccount: CUSTOMER,
        identityPolicies: [
          { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        ],
        resourcePolicy: trust,
      });

    await expect(assume(CONSUMER)).resolves.toBe('Allowed');
    await expect(assume(`arn:aws:iam::${CUSTOMER}:role/Developer`)).resolves.not.toBe('Allowed');
    expect(trust.Statement[0]).toEqual(trustPolicy.Statement[0]);
  });

  it('rejects a bucket without its key, a reader without a bucket, and malformed ARNs', () => {
    expect(() => synthRole({ payloadBucketArn: BUCKET })).toThrow(
      /payloadBucketArn and payloadKeyArn go together/,
    );
    expect(() =>
      synthRole({ payloadReaders: [iam.Role.fromRoleArn(new Stack(testApp(), 'X'), 'C', CONSUMER)] }),
    ).toThrow(/payloadReaders need payloadBucketArn/);
    expect(() => synthRole({ payloadBucketArn: 'platform-payloads', payloadKeyArn: 'key' })).toThrow(
      /payloadBucketArn must be an S3 bucket ARN, got "platform-payloads"; payloadKeyArn must be a KMS key ARN, got "key"/,
    );
  });
});

describe('DeliveryRole validation', () => {
  it('reports every bad prop at once', () => {
    expect(() =>
      synthRole({
        platformAccountId: '12345',
        dispatcherRoleArn: 'Dispatcher',
        externalId: 'x',
        topics: [],
        functions: [],
        topicKeys: [],
      }),
    ).toThrow(
      'DeliveryRole Customer/Delivery: platformAccountId must be a 12-digit account id, got "12345"; dispatcherRoleArn must be an IAM role ARN, got "Dispatcher"; externalId must be 2-1224 characters of letters, digits and +=,.@:/-_; give at least one topic or function',
    );
  });

  it('rejects a dispatcher role outside the platform account', () => {
    expect(() => synthRole({ dispatcherRoleArn: 'arn:aws:iam::444455556666:role/Dispatcher' })).toThrow(
      /dispatcherRoleArn must be a role of the platform account 999999999999/,
    );
  });
});
