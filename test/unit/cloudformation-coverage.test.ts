import { applyTemplate, coverage, coverageProblems } from '../../local/cloudformation/apply';
import { customerTemplate, platformTemplate } from '../../local/cloudformation/synthesize';
import type { Template } from '../../local/cloudformation/template';

jest.setTimeout(60_000);

const PLATFORM = { account: '123456789012', region: 'us-east-1' };
const CUSTOMER = {
  account: '111122223333',
  region: 'us-east-1',
  platformAccountId: '123456789012',
  dispatcherRoleArn: 'arn:aws:iam::123456789012:role/EventDeliveryPlatform-DispatcherRole',
  externalId: 'cdp-0123456789abcdef0123456789abcdef',
};
const PAYLOAD_READERS = [
  { workspaceId: 'workspace-1', roleArn: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery' },
];

/**
 * What the platform stack holds that the emulator does not: alarms, logs, the control plane's API
 * Gateway and WAF, and the console's CloudFront distribution and deployment.
 */
const PLATFORM_NOT_EMULATED = [
  'AWS::ApiGateway::Account',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Stage',
  'AWS::CloudFront::Distribution',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::Lambda::LayerVersion',
  'AWS::Logs::LogGroup',
  'AWS::Logs::SubscriptionFilter',
  'AWS::WAFv2::LoggingConfiguration',
  'AWS::WAFv2::WebACL',
  'AWS::WAFv2::WebACLAssociation',
  'Custom::CDKBucketDeployment',
];

/** The template's resource types listed as deliberately not emulated. */
const notEmulatedTypes = (template: Template) =>
  [...new Set(Object.values(template.Resources).map(({ Type }) => Type))]
    .filter((type) => coverage(type)?.handled === false)
    .sort();

describe('the local engine covers every resource of the synthesized stacks', () => {
  const variants: [string, () => Template, string[]][] = [
    [
      'platform, standard ingest queue, no payload bucket',
      () => platformTemplate(PLATFORM),
      PLATFORM_NOT_EMULATED,
    ],
    [
      'platform, FIFO ingest queue, payload bucket',
      () =>
        platformTemplate({
          ...PLATFORM,
          context: { fifoIngestQueue: 'true', payloadReaders: PAYLOAD_READERS },
        }),
      PLATFORM_NOT_EMULATED,
    ],
    ['customer, no payload bucket', () => customerTemplate(CUSTOMER), ['AWS::Logs::LogGroup']],
    [
      'customer, payload bucket',
      () =>
        customerTemplate({
          ...CUSTOMER,
          payloadBucketArn: 'arn:aws:s3:::eventdeliveryplatform-payloadsbucket',
          payloadKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
        }),
      ['AWS::Logs::LogGroup'],
    ],
  ];

  it.each(variants)(
    '%s: every resource type handled or listed, every property applied',
    (_, synthesize, listed) => {
      // Prepare
      const template = synthesize();

      // Act
      const problems = coverageProblems(template);

      // Assess
      expect(problems).toEqual([]);
      expect(notEmulatedTypes(template)).toEqual(listed);
    },
  );
});

describe('coverageProblems', () => {
  it('names each resource type nothing handles and each property its handler does not apply', () => {
    // Prepare
    const template: Template = {
      Resources: {
        Database: { Type: 'AWS::RDS::DBInstance', Properties: { Engine: 'postgres' } },
        Queue: {
          Type: 'AWS::SQS::Queue',
          Properties: { VisibilityTimeout: 30, DelaySecondz: 5, Colour: 'red' },
        },
        Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { AnythingAtAll: true } },
      },
    };

    // Act
    const problems = coverageProblems(template);

    // Assess
    expect(problems).toEqual([
      'Database: no local handler for resource type AWS::RDS::DBInstance',
      'Queue (AWS::SQS::Queue): properties not applied locally: DelaySecondz, Colour',
    ]);
  });
});

describe('applyTemplate', () => {
  it('fails on a type nothing handles before it creates anything', async () => {
    // Prepare: nothing listens on the endpoint, so any call would fail differently.
    const template: Template = {
      Resources: {
        Queue: { Type: 'AWS::SQS::Queue' },
        Database: { Type: 'AWS::RDS::DBInstance' },
      },
    };

    // Act
    const applying = applyTemplate(template, {
      stackName: 'Probe',
      account: '123456789012',
      endpoint: 'http://127.0.0.1:9',
    });

    // Assess
    await expect(applying).rejects.toThrow(
      'template cannot be applied locally:\n  Database: no local handler for resource type AWS::RDS::DBInstance',
    );
  });
});
