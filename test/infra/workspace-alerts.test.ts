import { Match, Template } from 'aws-cdk-lib/assertions';
import { ALERTING_MESSAGES } from '../../lambda/alerts/alert-rules';
import { PlatformStack } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';

const env = { account: '999999999999', region: 'us-east-1' };

describe('WorkspaceAlerts in the platform stack', () => {
  const template = Template.fromStack(new PlatformStack(testApp(), 'Platform', { env }));
  const [[filterId, filter]] = Object.entries(template.findResources('AWS::Logs::SubscriptionFilter'));
  const [[roleId]] = Object.entries(
    template.findResources('AWS::IAM::Role', {
      Properties: { Description: Match.stringLikeRegexp('^Workspace alerts') },
    }),
  );
  const [dispatcherRoleId] = Object.keys(
    template.findResources('AWS::IAM::Role', { Properties: { Path: Match.absent() } }),
  ).filter((id) => id.startsWith('DispatcherRole'));

  it("subscribes the alerts function to the dispatcher's log group, passing only the lines that may alert", () => {
    expect(filterId).toMatch(/^AlertsSubscription/);
    expect(filter.Properties.LogGroupName).toEqual({ Ref: expect.stringMatching(/^DispatcherLogGroup/) });
    expect(filter.Properties.DestinationArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^AlertsFunction/), 'Arn'],
    });
    for (const message of Object.values(ALERTING_MESSAGES))
      expect(filter.Properties.FilterPattern).toContain(`$.message = "${message}"`);
    // Exactly these, and no other line (a delivery line would cost an invocation per batch).
    expect(filter.Properties.FilterPattern.match(/\$\.message = /g)).toHaveLength(
      Object.keys(ALERTING_MESSAGES).length,
    );
    expect(filter.Properties.FilterPattern).not.toContain('"deliveries"');
  });

  it('reads and writes only workspace items of the registry, and assumes only the dispatcher role', () => {
    const [policy] = Object.values(
      template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    );
    const statements = policy.Properties.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
      Condition?: unknown;
    }[];
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['workspace#*'] } },
        }),
        expect.objectContaining({
          Action: 'sts:AssumeRole',
          Resource: { 'Fn::GetAtt': [dispatcherRoleId, 'Arn'] },
        }),
      ]),
    );
    const assumable = statements.filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assumable).toHaveLength(1);
    // Its own log group, which no managed policy grants a role made by hand.
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^AlertsLogGroup/), 'Arn'] },
        }),
      ]),
    );
  });

  it("is trusted by the dispatcher's role, which customers' trust policies admit", () => {
    const dispatcherRole = template.toJSON().Resources[dispatcherRoleId];
    expect(JSON.stringify(dispatcherRole.Properties.AssumeRolePolicyDocument)).toContain(roleId);
  });
});
