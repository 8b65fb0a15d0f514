import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Destination } from '../../lambda/shared/destination-config';
import { DeliveryRole } from '../../lib/constructs/delivery-role';
import { offloadPrefix } from '../../lib/constructs/payload-bucket';
import { PlatformStack } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';
import {
  CUSTOMER_ROLE,
  fifoTopicDestination,
  lambdaDestination,
  standardTopicDestination,
  WORKSPACE_ID,
  workspacesOf,
} from '../support/fixtures';
import { simulate } from '../support/iam-simulation';

const PLATFORM = '999999999999';
const CUSTOMER = '111122223333';
const env = { account: PLATFORM, region: 'us-east-1' };
const OTHER_CUSTOMER_ROLE = 'arn:aws:iam::444455556666:role/EventDelivery';
/** A registry workspace's delivery role, onboarded as a payload reader. */
const REGISTRY_ROLE = 'arn:aws:iam::555566667777:role/event-delivery/EventDelivery';
/** Concrete names for the tokens of the synthesized templates. */
const BUCKET_ARN = 'arn:aws:s3:::platform-payloads';
const KEY_ARN = `arn:aws:kms:us-east-1:${PLATFORM}:key/00000000-1111-2222-3333-444444444444`;
const CONSUMER_ROLE = `arn:aws:iam::${CUSTOMER}:role/EventConsumer`;

const destinations: Destination[] = [
  lambdaDestination,
  { ...fifoTopicDestination, offloadOversize: true },
  { ...standardTopicDestination, id: 'other-customer', roleArn: OTHER_CUSTOMER_ROLE, offloadOversize: true },
];

const platform = Template.fromStack(
  new PlatformStack(testApp(), 'Platform', {
    env,
    staticWorkspaces: workspacesOf(destinations),
    payloadReaders: [{ workspaceId: 'ws-registry', roleArn: REGISTRY_ROLE }],
    // Its buckets are the console's, not payloads' (console-hosting.test.ts).
    console: false,
  }),
);
const logicalId = (type: string, pattern: RegExp) =>
  Object.keys(platform.findResources(type)).find((id) => pattern.test(id)) as string;
const bucketId = logicalId('AWS::S3::Bucket', /^PayloadsBucket/);
const payloadKeyId = logicalId('AWS::KMS::Key', /^Payloads/);

/** Replaces the template's references to the payload bucket and key with concrete ARNs. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const getAtt = object['Fn::GetAtt'] as [string, string] | undefined;
  if (getAtt?.[0] === bucketId) return BUCKET_ARN;
  if (getAtt?.[0] === payloadKeyId) return KEY_ARN;
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return (resolve(join[1]) as string[]).join(join[0]);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
}

const bucketPolicy = resolve(
  Object.values(
    platform.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: bucketId } } }),
  )[0].Properties.PolicyDocument,
) as { Statement: unknown[] };
const keyPolicy = resolve(platform.findResources('AWS::KMS::Key')[payloadKeyId].Properties.KeyPolicy) as {
  Statement: unknown[];
};
/** The dispatcher's statements on concrete resources: the payload bucket and key among them. */
const dispatcherPolicy = {
  Version: '2012-10-17',
  Statement: (
    resolve(Object.values(platform.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument) as {
      Statement: { Resource: unknown }[];
    }
  ).Statement.filter((s) => [s.Resource].flat().every((r) => typeof r === 'string')),
};

/** The customer's delivery role, as the customer kit builds it with the platform's outputs. */
function customerDeliveryPolicy(): { Statement: unknown[] } {
  const stack = new Stack(testApp(), 'Customer', { env: { account: CUSTOMER, region: 'us-east-1' } });
  new DeliveryRole(stack, 'Delivery', {
    platformAccountId: PLATFORM,
    dispatcherRoleArn: `arn:aws:iam::${PLATFORM}:role/Dispatcher`,
    externalId: 'ext-id-1234',
    topics: [sns.Topic.fromTopicArn(stack, 'Topic', fifoTopicDestination.topicArn)],
    payloadBucketArn: BUCKET_ARN,
    payloadKeyArn: KEY_ARN,
    payloadReaders: [iam.Role.fromRoleArn(stack, 'Consumer', CONSUMER_ROLE)],
  });
  const template = Template.fromStack(stack);
  return Object.values(template.findResources('AWS::IAM::Policy'))[0].Properties.PolicyDocument;
}
const deliveryPolicy = customerDeliveryPolicy();

/** An object of a destination's prefix; `workspaceId` another workspace's destination with the same id. */
const objectArn = (destinationId: string, workspaceId = WORKSPACE_ID) => {
  const destination = destinations.find((d) => d.id === destinationId) as Destination;
  return `${BUCKET_ARN}/${offloadPrefix({ ...destination, workspaceId })}0123abcd.json`;
};
const readObject = (
  principal: string,
  identityPolicy: { Statement: unknown[] },
  destinationId: string,
  workspaceId?: string,
) =>
  simulate({
    principal,
    action: 's3:GetObject',
    resource: objectArn(destinationId, workspaceId),
    resourceAccount: PLATFORM,
    identityPolicies: [identityPolicy],
    resourcePolicy: bucketPolicy,
  });
const everything = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

describe('PayloadBucket', () => {
  it('keeps payloads private, encrypted with its own rotating key, versioned and expiring', () => {
    platform.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: false,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [payloadKeyId, 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            ExpirationInDays: 14,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            Status: 'Enabled',
          }),
        ],
      },
    });
    platform.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('offloaded'),
      EnableKeyRotation: true,
    });
  });

  it('logs every request to its own access-log bucket (S3-managed encryption, TLS-only, kept a year)', () => {
    platform.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^PayloadsAccessLogs') },
        LogFilePrefix: 'payloads/',
      },
    });
    platform.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365 })] },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true }),
    });
  });

  it("sends both buckets' object events to EventBridge, with no custom resource (Control Tower CT.S3.PR.4)", () => {
    const buckets = platform.findResources('AWS::S3::Bucket');

    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.NotificationConfiguration).toEqual({
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
    }
    platform.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('denies requests without TLS 1.2', () => {
    expect(bucketPolicy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]),
    );
  });

  it("lets a delivery role read its own destinations' payloads", async () => {
    await expect(readObject(CUSTOMER_ROLE, deliveryPolicy, fifoTopicDestination.id)).resolves.toBe('Allowed');
  });

  it.each([
    ['the delivery role, another destination', CUSTOMER_ROLE, deliveryPolicy, 'other-customer'],
    [
      'the delivery role, a destination that does not offload',
      CUSTOMER_ROLE,
      deliveryPolicy,
      lambdaDestination.id,
    ],
    ['another customer’s delivery role', OTHER_CUSTOMER_ROLE, everything, fifoTopicDestination.id],
    ['another role of the customer account', CONSUMER_ROLE, everything, fifoTopicDestination.id],
    [
      'an administrator of the platform account',
      `arn:aws:iam::${PLATFORM}:role/Admin`,
      everything,
      'orders-fifo',
    ],
    ['the dispatcher', `arn:aws:iam::${PLATFORM}:role/Dispatcher`, dispatcherPolicy, fifoTopicDestination.id],
  ])('keeps out %s', async (_case, principal, policy, destinationId) => {
    await expect(readObject(principal, policy, destinationId)).resolves.not.toBe('Allowed');
  });

  it("lets a registry workspace's onboarded role read its workspace prefix in its own account, and nothing else", async () => {
    const read = (key: string) =>
      simulate({
        principal: REGISTRY_ROLE,
        action: 's3:GetObject',
        resource: `${BUCKET_ARN}/${key}`,
        resourceAccount: PLATFORM,
        identityPolicies: [everything],
        resourcePolicy: bucketPolicy,
      });

    await expect(read('555566667777/ws-registry/orders/0123abcd.json')).resolves.toBe('Allowed');
    await expect(read('555566667777/ws-other/orders/0123abcd.json')).resolves.not.toBe('Allowed');
    await expect(read('111122223333/ws-acme/orders-fifo/0123abcd.json')).resolves.not.toBe('Allowed');
  });

  it("keeps a delivery role out of another workspace's destination with the same id", async () => {
    await expect(
      readObject(CUSTOMER_ROLE, deliveryPolicy, fifoTopicDestination.id, 'ws-other'),
    ).resolves.toBe('ImplicitlyDenied');
  });

  it('lets the dispatcher write payloads and generate data keys with the payload key only', async () => {
    const asDispatcher = (action: string, resource: string) =>
      simulate({
        principal: `arn:aws:iam::${PLATFORM}:role/Dispatcher`,
        action,
        resource,
        resourceAccount: PLATFORM,
        identityPolicies: [dispatcherPolicy],
        ...(action.startsWith('s3:') ? { resourcePolicy: bucketPolicy } : { resourcePolicy: keyPolicy }),
      });

    await expect(asDispatcher('s3:PutObject', objectArn('orders-fifo'))).resolves.toBe('Allowed');
    await expect(asDispatcher('kms:GenerateDataKey', KEY_ARN)).resolves.toBe('Allowed');
    await expect(asDispatcher('s3:DeleteObject', objectArn('orders-fifo'))).resolves.not.toBe('Allowed');
    await expect(asDispatcher('kms:Decrypt', KEY_ARN)).resolves.not.toBe('Allowed');
  });

  // The policy simulator cannot evaluate kms:EncryptionContext keys, so the key policy is read as written.
  it("lets a delivery role decrypt through S3 only, for its own destinations' objects only", () => {
    const decrypts = keyPolicy.Statement.filter((s) => (s as { Action: string }).Action === 'kms:Decrypt');

    expect(decrypts).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          ArnEquals: { 'aws:PrincipalArn': CUSTOMER_ROLE },
          StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
          StringLike: {
            'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::*/111122223333/ws-acme/orders-fifo/*',
          },
        },
      },
      expect.objectContaining({
        Condition: expect.objectContaining({
          ArnEquals: { 'aws:PrincipalArn': OTHER_CUSTOMER_ROLE },
          StringLike: {
            'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::*/444455556666/ws-acme/other-customer/*',
          },
        }),
      }),
      expect.objectContaining({
        Condition: expect.objectContaining({
          ArnEquals: { 'aws:PrincipalArn': REGISTRY_ROLE },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::*/555566667777/ws-registry/*' },
        }),
      }),
    ]);
  });

  it('is created only when a destination offloads, and the dispatcher is told its name', () => {
    const without = Template.fromStack(
      new PlatformStack(testApp(), 'NoOffload', {
        env,
        staticWorkspaces: workspacesOf([lambdaDestination]),
        console: false,
      }),
    );

    without.resourceCountIs('AWS::S3::Bucket', 0);
    platform.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PAYLOAD_BUCKET: { Ref: bucketId } }) },
    });
    platform.hasOutput('PayloadBucketArn', Match.anyValue());
    platform.hasOutput('PayloadKeyArn', Match.anyValue());
  });

  it('keeps payloads as long as asked, in whole days', () => {
    const week = Template.fromStack(
      new PlatformStack(testApp(), 'Week', {
        env,
        staticWorkspaces: workspacesOf(destinations),
        payloadRetention: Duration.days(7),
      }),
    );

    week.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 7 })] },
    });
    expect(
      () =>
        new PlatformStack(testApp(), 'Hours', {
          env,
          staticWorkspaces: workspacesOf(destinations),
          payloadRetention: Duration.hours(5),
        }),
    ).toThrow('PayloadBucket Hours/Payloads: retention must be a whole number of days, at least 1');
  });
});
