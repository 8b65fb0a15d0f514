import { Match, Template } from 'aws-cdk-lib/assertions';
import { PlatformStack } from '../../lib/stacks/platform-stack';
import { testApp } from '../support/app';

const template = Template.fromStack(
  new PlatformStack(testApp(), 'Platform', { env: { account: '999999999999', region: 'us-east-1' } }),
);
const toOperator = [{ Ref: Match.stringLikeRegexp('^OperatorTopic') }];
const toOperatorTopic = [{ Ref: expect.stringMatching(/^OperatorTopic/) }];

describe('alarms and dashboard', () => {
  it.each([
    [
      'the dead-letter queue is not empty',
      'AWS/SQS',
      'ApproximateNumberOfMessagesVisible',
      1,
      'Maximum',
      /DeadLetterQueue/,
    ],
    [
      'the oldest ingest message is 5 minutes old',
      'AWS/SQS',
      'ApproximateAgeOfOldestMessage',
      300,
      'Maximum',
      /"IngestQueue[0-9A-F]{8}"/,
    ],
    ['the dispatcher fails invocations', 'AWS/Lambda', 'Errors', 1, 'Sum', /DispatcherFunction/],
    ['the dispatcher is throttled', 'AWS/Lambda', 'Throttles', 1, 'Sum', /DispatcherFunction/],
    [
      'events are re-sent because their workspace cannot be looked up',
      'EventDelivery',
      'RegistryResends',
      1,
      'Sum',
      /event-dispatcher/,
    ],
  ])(
    'alarms when %s, to the operator topic and back',
    (_case, namespace, metricName, threshold, statistic, resource) => {
      const alarms = template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { Namespace: namespace, MetricName: metricName },
      });
      const [alarm] = Object.values(alarms);
      expect(Object.keys(alarms)).toHaveLength(1);
      expect(alarm.Properties).toMatchObject({
        Threshold: threshold,
        Statistic: statistic,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: toOperatorTopic,
        OKActions: toOperatorTopic,
      });
      expect(JSON.stringify(alarm.Properties.Dimensions)).toMatch(resource);
    },
  );

  it("alarms when more than 5% of deliveries fail for 15 minutes, from the dispatcher's own metrics", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 5,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: toOperator,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('^100 \\* \\(FILL\\(failed_lambda, 0\\)') }),
        ...['lambda', 'sns', 'kinesis', 'eventbridge', 'sqs'].map((type) =>
          Match.objectLike({
            Id: `failed_${type}`,
            MetricStat: Match.objectLike({
              Metric: {
                Namespace: 'EventDelivery',
                MetricName: 'DeliveryFailures',
                Dimensions: Match.arrayWith([{ Name: 'DestinationType', Value: type }]),
              },
              Stat: 'Sum',
            }),
          }),
        ),
      ]),
    });
  });

  it('has a dashboard, and lets CloudWatch encrypt alarm notifications with the stack key for this account only', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': '999999999999' } },
          }),
        ]),
      },
    });
  });
});
