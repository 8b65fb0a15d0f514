import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DeadLetterStore } from '../../lib/constructs/dead-letter-store';
import { PlatformStack } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';

const env = { account: '999999999999', region: 'us-east-1' };

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The statements of the policy of the role whose logical id starts with `rolePrefix`. */
function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${rolePrefix}`) }] },
    }),
  );
  expect(policies).toHaveLength(1);
  return (policies[0].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
}

describe('DeadLetterStore in the platform stack', () => {
  const template = Template.fromStack(new PlatformStack(testApp(), 'Platform', { env }));
  const tables = template.findResources('AWS::DynamoDB::Table', {
    Properties: { TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true } },
  });
  const [tableId] = Object.keys(tables);
  const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };

  it('is one on-demand table keyed by workspace and letter id, expiring letters, encrypted with the stack key, recoverable and deletion protected', () => {
    expect(Object.keys(tables)).toHaveLength(1);
    expect(tableId).toMatch(/^DeadLettersTable/);
    expect(tables[tableId].Properties).toMatchObject({
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
      },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('tells the dispatcher the table, and keeps letters as long as the dead-letter queue (the default: no variable)', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'event-dispatcher',
          DEAD_LETTER_TABLE: { Ref: tableId },
          DEAD_LETTER_RETENTION_SECONDS: Match.absent(),
        }),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: Duration.days(14).toSeconds(),
      RedrivePolicy: Match.absent(),
    });
  });

  it('lets the dispatcher put letters only: no read, no delete', () => {
    const onTable = statementsOf(template, 'DispatcherRole').filter(
      (s) => JSON.stringify(s.Resource) === JSON.stringify(tableArn),
    );
    expect(onTable).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], Resource: tableArn },
    ]);
  });

  it('lets nothing else but the dispatcher and the API function reach it', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(tableId))
      .map((p) => JSON.stringify(p.Properties.Roles));
    expect(roles).toHaveLength(2);
    expect(roles.join(' ')).toMatch(/DispatcherRole/);
    expect(roles.join(' ')).toMatch(/ControlPlaneApiRole/);
  });

  it('outputs the table', () => {
    template.hasOutput('DeadLetterTable', { Value: { Ref: tableId } });
  });
});

describe('DeadLetterStore props', () => {
  const stackWith = (retention?: Duration) => {
    const stack = new Stack(new App(), 'Test', { env });
    const store = new DeadLetterStore(stack, 'DeadLetters', {
      encryptionKey: new kms.Key(stack, 'Key'),
      ...(retention && { retention }),
    });
    return { stack, store };
  };

  it('expires letters after the retention given', () => {
    const { store } = stackWith(Duration.days(4));
    expect(store.retention.toSeconds()).toBe(4 * 86_400);
  });

  it('defaults to 14 days, the dead-letter queue’s retention', () => {
    expect(stackWith().store.retention.toSeconds()).toBe(1_209_600);
  });

  it('rejects a retention SQS could not match, naming it', () => {
    expect(() => stackWith(Duration.days(15))).toThrow(
      /DeadLetterStore Test\/DeadLetters: retention must be whole seconds from 60 to 1209600 .*got 1296000/,
    );
    expect(() => stackWith(Duration.seconds(30))).toThrow(/got 30/);
  });
});
