import { Template } from 'aws-cdk-lib/assertions';
import { PlatformStack } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';
import { simulate } from '../support/iam-simulation';

const PLATFORM = '999999999999';
const CUSTOMER = '111122223333';
const DISPATCHER = `arn:aws:iam::${PLATFORM}:role/Dispatcher`;

// The registry-only platform: every workspace and delivery role comes at run time.
const template = Template.fromStack(
  new PlatformStack(testApp(), 'Platform', { env: { account: PLATFORM, region: 'us-east-1' } }),
);
const dispatcherStatements = Object.values(template.findResources('AWS::IAM::Policy'))
  .filter((p) => JSON.stringify(p.Properties.Roles).includes('DispatcherRole'))
  .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]);
// The simulator reads literal ARNs: the statements on this stack's own resources (tokens) grant
// nothing on roles or functions, and are checked by template tests.
const dispatcherPolicies = [
  {
    Version: '2012-10-17',
    Statement: dispatcherStatements.filter((s) => [s.Resource].flat().every((r) => typeof r === 'string')),
  },
];

const asDispatcher = (action: string, resource: string, context: Record<string, string> = {}) =>
  simulate({
    principal: DISPATCHER,
    action,
    resource,
    resourceAccount: resource.split(':')[4] || CUSTOMER,
    context,
    identityPolicies: dispatcherPolicies,
    // A customer's side allows the call: what is left to decide is the dispatcher's own policy.
    // (In its own account, a resource policy naming it would be enough on its own: none is given.)
    ...(!resource.includes(`:${PLATFORM}:`) && {
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: DISPATCHER }, Action: action, Resource: resource }],
      },
    }),
  });

describe('the dispatcher role with the live registry, under the policy simulator', () => {
  const withExternalId = { 'sts:ExternalId': 'cdp-0123456789abcdef0123456789abcdef' };

  it('may assume a delivery role on the delivery-role path, with an external id', async () => {
    await expect(
      asDispatcher(
        'sts:AssumeRole',
        `arn:aws:iam::${CUSTOMER}:role/event-delivery/EventDelivery`,
        withExternalId,
      ),
    ).resolves.toBe('Allowed');
  });

  it.each([
    [
      'a delivery role without an external id',
      `arn:aws:iam::${CUSTOMER}:role/event-delivery/EventDelivery`,
      {},
    ],
    ['a role off the delivery path', `arn:aws:iam::${CUSTOMER}:role/Admin`, withExternalId],
    [
      'a role on a path that only starts alike',
      `arn:aws:iam::${CUSTOMER}:role/event-delivery-admin/Admin`,
      withExternalId,
    ],
    ['a role of the platform account off the path', `arn:aws:iam::${PLATFORM}:role/Admin`, withExternalId],
  ])('may not assume %s', async (_case, role, context) => {
    await expect(asDispatcher('sts:AssumeRole', role, context)).resolves.not.toBe('Allowed');
  });

  it("may invoke another account's function (its resource policy decides), never one of the platform account", async () => {
    await expect(
      asDispatcher('lambda:InvokeFunction', `arn:aws:lambda:us-east-1:${CUSTOMER}:function:orders`, {
        'aws:ResourceAccount': CUSTOMER,
      }),
    ).resolves.toBe('Allowed');
    await expect(
      asDispatcher('lambda:InvokeFunction', `arn:aws:lambda:us-east-1:${PLATFORM}:function:internal`, {
        'aws:ResourceAccount': PLATFORM,
      }),
    ).resolves.not.toBe('Allowed');
  });

  it('reads the registry with GetItem and BatchGetItem only: no scan, no query, no write', () => {
    const registry = dispatcherStatements.filter((s) => JSON.stringify(s.Resource).includes('RegistryTable'));
    expect(registry.map((s) => s.Action)).toEqual([['dynamodb:BatchGetItem', 'dynamodb:GetItem']]);
  });
});
