import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DeliveryRole } from '../../lib/constructs/delivery-role';
import { decideInvoke } from '../../local/policies/function-invoke';
import { type CustomerKey, decideKeyUse, type KeyUse } from '../../local/policies/key-use';
import { keyedResource } from '../../local/policies/keyed-calls';
import type { PolicyDocument, PolicyStatement } from '../../local/policies/policy-evaluation';
import { trustPolicyAllows } from '../../local/trust-policy';

const PLATFORM = '123456789012';
const CUSTOMER = '111122223333';
const DISPATCHER = `arn:aws:iam::${PLATFORM}:role/EventDeliveryPlatform-Dispatcher`;
const ROLE = `arn:aws:iam::${CUSTOMER}:role/event-delivery/EventDelivery`;
const SESSION = `arn:aws:sts::${CUSTOMER}:assumed-role/EventDelivery/event-delivery`;
const KEY = `arn:aws:kms:us-east-1:${CUSTOMER}:key/0b5bd9a5-3dce-4c8b-9a3b-0c53d2f8d4a1`;
const QUEUE = `arn:aws:sqs:us-east-1:${CUSTOMER}:orders`;
const TOPIC = `arn:aws:sns:us-east-1:${CUSTOMER}:orders`;
const BUS = `arn:aws:events:us-east-1:${CUSTOMER}:event-bus/orders`;
const FUNCTION = `arn:aws:lambda:us-east-1:${CUSTOMER}:function:orders`;
const EXTERNAL_ID = 'cdp-0123456789abcdef0123456789abcdef';

const role = { arn: ROLE, account: CUSTOMER, sessionArn: SESSION };

/** The delivery role's trust and permission policies as the `DeliveryRole` construct synthesizes them. */
function deliveryRolePolicies(externalId: string): {
  trustPolicy: PolicyDocument;
  permissionPolicy: PolicyDocument;
} {
  const stack = new Stack(
    new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } }),
    'Customer',
    {
      env: { account: CUSTOMER, region: 'us-east-1' },
    },
  );
  new DeliveryRole(stack, 'Delivery', {
    platformAccountId: PLATFORM,
    dispatcherRoleArn: DISPATCHER,
    externalId,
    topics: [sns.Topic.fromTopicArn(stack, 'Topic', TOPIC)],
    queues: [sqs.Queue.fromQueueAttributes(stack, 'Queue', { queueArn: QUEUE, keyArn: KEY })],
  });
  const template = Template.fromStack(stack);
  const [roleResource] = Object.values(template.findResources('AWS::IAM::Role'));
  const [policyResource] = Object.values(template.findResources('AWS::IAM::Policy'));
  return {
    trustPolicy: roleResource.Properties.AssumeRolePolicyDocument as PolicyDocument,
    permissionPolicy: policyResource.Properties.PolicyDocument as PolicyDocument,
  };
}
const policy = (...Statement: PolicyStatement[]): PolicyDocument => ({
  Version: '2012-10-17',
  Statement,
});
/** moto's default key policy, as the CDK's: the account's root, which defers to IAM policies. */
const ROOT_KEY_POLICY = policy({
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${CUSTOMER}:root` },
  Action: 'kms:*',
  Resource: '*',
});
const key = (keyPolicy: PolicyDocument, grants: CustomerKey['grants'] = []): CustomerKey => ({
  arn: KEY,
  policy: keyPolicy,
  grants,
});
/** SQS sending for the delivery role, as the gateway asks. */
const viaSqs = (overrides: Partial<KeyUse>): KeyUse => ({
  key: key(ROOT_KEY_POLICY),
  caller: role,
  identityPolicies: [],
  operation: 'GenerateDataKey',
  viaService: 'sqs.us-east-1.amazonaws.com',
  encryptionContext: { 'aws:sqs:arn': QUEUE },
  ...overrides,
});

describe('decideKeyUse', () => {
  let deliveryRolePolicy: PolicyDocument;

  beforeAll(() => {
    // The delivery role's policy as the DeliveryRole construct synthesizes it, with the queue's key.
    deliveryRolePolicy = deliveryRolePolicies(EXTERNAL_ID).permissionPolicy;
  });

  it("allows the delivery role through the account root's statement and the role's own IAM policy", () => {
    // Prepare
    const use = viaSqs({ identityPolicies: [deliveryRolePolicy] });

    // Act
    const generate = decideKeyUse(use);
    const decrypt = decideKeyUse({ ...use, operation: 'Decrypt' });

    // Assess
    expect(generate).toEqual({ allowed: true, by: 'key policy and IAM policy' });
    expect(decrypt).toEqual({ allowed: true, by: 'key policy and IAM policy' });
  });

  it("refuses the delivery role when the root defers to IAM and the role's policy names another key", () => {
    // Prepare
    const otherKey = { ...key(ROOT_KEY_POLICY), arn: KEY.replace('0c53d2f8d4a1', '000000000000') };

    // Act
    const decision = decideKeyUse(viaSqs({ key: otherKey, identityPolicies: [deliveryRolePolicy] }));

    // Assess
    expect(decision).toEqual({
      allowed: false,
      reason: `User: ${SESSION} is not authorized to perform: kms:GenerateDataKey on resource: ${otherKey.arn} because no identity-based policy allows the kms:GenerateDataKey action`,
    });
  });

  it('allows a role the key policy names, with no IAM policy, in the key account only', () => {
    // Prepare
    const keyPolicy = policy({
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: '*',
    });
    const foreignRole = { arn: `arn:aws:iam::444455556666:role/Delivery`, account: '444455556666' };
    const foreignPolicy = policy({
      Effect: 'Allow',
      Principal: { AWS: foreignRole.arn },
      Action: 'kms:*',
      Resource: '*',
    });

    // Act
    const own = decideKeyUse(viaSqs({ key: key(keyPolicy) }));
    const foreignWithoutIam = decideKeyUse(viaSqs({ key: key(foreignPolicy), caller: foreignRole }));
    const foreignWithIam = decideKeyUse(
      viaSqs({
        key: key(foreignPolicy),
        caller: foreignRole,
        identityPolicies: [policy({ Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: KEY })],
      }),
    );

    // Assess
    expect(own).toEqual({ allowed: true, by: 'key policy' });
    expect(foreignWithoutIam).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('no identity-based policy'),
    });
    expect(foreignWithIam).toEqual({ allowed: true, by: 'key policy and IAM policy' });
  });

  it('refuses a role the key policy does not admit, whatever its IAM policy says', () => {
    // Prepare
    const keyPolicy = policy({
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${CUSTOMER}:role/Admin` },
      Action: 'kms:*',
      Resource: '*',
    });

    // Act
    const decision = decideKeyUse(viaSqs({ key: key(keyPolicy), identityPolicies: [deliveryRolePolicy] }));

    // Assess
    expect(decision).toEqual({
      allowed: false,
      reason: `User: ${SESSION} is not authorized to perform: kms:GenerateDataKey on resource: ${KEY} because no resource-based policy allows the kms:GenerateDataKey action`,
    });
  });

  it('lets an explicit deny in the key policy win over the root statement and the IAM policy', () => {
    // Prepare
    const keyPolicy = policy(...[ROOT_KEY_POLICY.Statement].flat(), {
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:GenerateDataKey',
      Resource: '*',
      Condition: { StringNotEquals: { 'kms:CallerAccount': PLATFORM } },
    });

    // Act
    const decision = decideKeyUse(viaSqs({ key: key(keyPolicy), identityPolicies: [deliveryRolePolicy] }));

    // Assess
    expect(decision).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/with an explicit deny in a resource-based policy$/),
    });
  });

  it('allows a grant to the role for the operation when the encryption context meets its constraint', () => {
    // Prepare
    const grant = {
      GranteePrincipal: ROLE,
      Operations: ['GenerateDataKey', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { 'aws:sqs:arn': QUEUE } },
    };
    const granted = key(policy(), [grant]);

    // Act
    const matching = decideKeyUse(viaSqs({ key: granted }));
    const otherQueue = decideKeyUse(
      viaSqs({ key: granted, encryptionContext: { 'aws:sqs:arn': `${QUEUE}-2` } }),
    );
    const otherOperation = decideKeyUse(viaSqs({ key: granted, operation: 'Encrypt' }));

    // Assess
    expect(matching).toEqual({ allowed: true, by: 'grant' });
    expect(otherQueue).toMatchObject({ allowed: false });
    expect(otherOperation).toMatchObject({ allowed: false });
  });

  it('holds the role to kms:ViaService, kms:CallerAccount and encryption context conditions', () => {
    // Prepare
    const keyPolicy = policy({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': CUSTOMER, 'kms:ViaService': 'sns.us-east-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:aws:sns:us-east-1:${CUSTOMER}:*` },
      },
    });
    const viaSns = {
      key: key(keyPolicy),
      viaService: 'sns.us-east-1.amazonaws.com',
      encryptionContext: { 'aws:sns:topicArn': TOPIC },
    };

    // Act
    const throughSns = decideKeyUse(viaSqs(viaSns));
    const direct = decideKeyUse(viaSqs({ ...viaSns, viaService: undefined }));
    const throughSqs = decideKeyUse(viaSqs({ key: key(keyPolicy) }));
    const otherAccount = decideKeyUse(viaSqs({ ...viaSns, caller: { arn: DISPATCHER, account: PLATFORM } }));

    // Assess
    expect(throughSns).toEqual({ allowed: true, by: 'key policy' });
    expect([direct, throughSqs, otherAccount].map((d) => d.allowed)).toEqual([false, false, false]);
  });

  it('applies an Allow only when it understands every condition, and a Deny unless it understands one to fail', () => {
    // Prepare
    const unknown = { NumericLessThan: { 'kms:GrantConstraintType': '1' } };
    const allowIfUnderstood = policy({
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 'kms:*',
      Resource: '*',
      Condition: unknown,
    });
    const denyIfUnderstood = policy(...[ROOT_KEY_POLICY.Statement].flat(), {
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: unknown,
    });
    const ifExists = policy({
      Effect: 'Allow',
      Principal: { AWS: ROLE },
      Action: 'kms:*',
      Resource: '*',
      Condition: {
        StringEqualsIfExists: { 'kms:ViaService': 'sqs.us-east-1.amazonaws.com' },
        Null: { 'kms:CallerAccount': 'false' },
      },
    });

    // Act
    const decisions = [allowIfUnderstood, denyIfUnderstood, ifExists].map((p) =>
      decideKeyUse(viaSqs({ key: key(p), identityPolicies: [deliveryRolePolicy], viaService: undefined })),
    );

    // Assess
    expect(decisions.map((d) => d.allowed)).toEqual([false, false, true]);
  });

  it("lets EventBridge use a bus's key as the CDK's EventBus statement allows, and not with the root's alone", () => {
    // Prepare: the statement `new events.EventBus({ kmsKey })` adds to the key policy.
    const busStatement = {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'aws:SourceAccount': CUSTOMER,
          'aws:SourceArn': BUS,
          'kms:EncryptionContext:aws:events:event-bus:arn': BUS,
        },
      },
    };
    const byEventBridge = (keyPolicy: PolicyDocument): KeyUse => ({
      key: key(keyPolicy),
      caller: { service: 'events.amazonaws.com' },
      identityPolicies: [],
      operation: 'GenerateDataKey',
      viaService: 'events.us-east-1.amazonaws.com',
      encryptionContext: { 'aws:events:event-bus:arn': BUS },
      sourceArn: BUS,
    });

    // Act
    const withStatement = decideKeyUse(
      byEventBridge(policy(...[ROOT_KEY_POLICY.Statement].flat(), busStatement)),
    );
    const rootOnly = decideKeyUse(byEventBridge(ROOT_KEY_POLICY));

    // Assess
    expect(withStatement).toEqual({ allowed: true, by: 'key policy' });
    expect(rootOnly).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('no resource-based policy'),
    });
  });
});

describe('decideInvoke', () => {
  const dispatcher = {
    arn: DISPATCHER,
    account: PLATFORM,
    sessionArn: `arn:aws:sts::${PLATFORM}:assumed-role/EventDeliveryPlatform-Dispatcher/dispatch`,
  };

  it("refuses the dispatcher a role-less function without a resource policy, naming Lambda's reason", () => {
    // Act
    const decision = decideInvoke({ functionArn: FUNCTION, caller: dispatcher, identityPolicies: [] });

    // Assess
    expect(decision).toEqual({
      allowed: false,
      reason: `User: ${dispatcher.sessionArn} is not authorized to perform: lambda:InvokeFunction on resource: ${FUNCTION} because no resource-based policy allows the lambda:InvokeFunction action`,
    });
  });

  it('allows the dispatcher once the resource policy names its role or account, as moto stores AddPermission', () => {
    // Prepare: moto keeps the principal as given to AddPermission.
    const byRole = policy({
      Sid: 'a',
      Effect: 'Allow',
      Principal: DISPATCHER,
      Action: 'lambda:InvokeFunction',
      Resource: FUNCTION,
    });
    const byAccount = policy({
      Sid: 'b',
      Effect: 'Allow',
      Principal: PLATFORM,
      Action: 'lambda:InvokeFunction',
      Resource: FUNCTION,
    });
    const forAServiceOnly = policy({
      Sid: 'c',
      Effect: 'Allow',
      Principal: PLATFORM,
      Action: 'lambda:InvokeFunction',
      Resource: FUNCTION,
      Condition: { StringEquals: { 'AWS:SourceAccount': PLATFORM } },
    });
    const invoke = (resourcePolicy: PolicyDocument) =>
      decideInvoke({ functionArn: FUNCTION, resourcePolicy, caller: dispatcher, identityPolicies: [] })
        .allowed;

    // Act
    const outcomes = [byRole, byAccount, forAServiceOnly].map(invoke);

    // Assess: a direct caller carries no aws:SourceAccount.
    expect(outcomes).toEqual([true, true, false]);
  });

  it("allows a role of the function's account by its IAM policy alone, and refuses it without one", () => {
    // Prepare
    const iam = policy({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FUNCTION });

    // Act
    const withIam = decideInvoke({ functionArn: FUNCTION, caller: role, identityPolicies: [iam] });
    const without = decideInvoke({ functionArn: FUNCTION, caller: role, identityPolicies: [] });

    // Assess
    expect(withIam).toEqual({ allowed: true });
    expect(without).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/because no identity-based policy allows/),
    });
  });
});

describe('trustPolicyAllows', () => {
  const trust = () => deliveryRolePolicies(EXTERNAL_ID).trustPolicy;

  it("admits the dispatcher with the workspace's external id only", () => {
    // Prepare
    const policy = trust();
    const as = (externalId?: string) =>
      trustPolicyAllows(policy, { callerArn: DISPATCHER, callerAccount: PLATFORM, externalId });

    // Act
    const outcomes = [as(EXTERNAL_ID), as('cdp-another-workspace'), as(undefined)];

    // Assess
    expect(outcomes).toEqual([true, false, false]);
  });

  it('admits any external id, or none, when the trust policy lacks the condition', () => {
    // Prepare
    const policy = trust();
    const [statement] = [policy.Statement].flat() as {
      Condition: { StringEquals: Record<string, string> };
    }[];
    delete statement.Condition.StringEquals['sts:ExternalId'];

    // Act
    const withoutId = trustPolicyAllows(policy, { callerArn: DISPATCHER, callerAccount: PLATFORM });

    // Assess
    expect(withoutId).toBe(true);
  });
});

describe('keyedResource', () => {
  const params = (values: Record<string, unknown>) => ({ get: (name: string) => values[name] });

  it('names the resource of each delivery call, and none of any other call', () => {
    // Act
    const resources = [
      keyedResource('PublishBatch', params({ TopicArn: TOPIC }), role, 'us-east-1'),
      keyedResource(
        'SendMessageBatch',
        params({ QueueUrl: `https://sqs.us-east-1.amazonaws.com/${CUSTOMER}/orders` }),
        role,
        'eu-west-1',
      ),
      keyedResource(
        'SendMessage',
        params({ QueueUrl: `http://127.0.0.1:5000/${CUSTOMER}/orders` }),
        role,
        'us-east-1',
      ),
      keyedResource('PutRecords', params({ StreamName: 'clicks' }), role, 'us-east-1'),
      keyedResource('PutEvents', params({ Entries: [{ EventBusName: 'orders' }] }), role, 'us-east-1'),
      keyedResource(
        'ReceiveMessage',
        params({ QueueUrl: `http://127.0.0.1:5000/${CUSTOMER}/orders` }),
        role,
        'us-east-1',
      ),
    ];

    // Assess
    expect(resources).toEqual([
      { service: 'sns', arn: TOPIC },
      { service: 'sqs', arn: QUEUE },
      { service: 'sqs', arn: QUEUE },
      { service: 'kinesis', arn: `arn:aws:kinesis:us-east-1:${CUSTOMER}:stream/clicks` },
      { service: 'events', arn: BUS },
      undefined,
    ]);
  });
});
