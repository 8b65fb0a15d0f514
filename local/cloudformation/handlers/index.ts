import { table } from './dynamodb';
import { eventBus, rule } from './events';
import { physicalName, type ResourceContext, type ResourceHandler } from './handler';
import { policy, role } from './iam';
import { stream } from './kinesis';
import { alias, key } from './kms';
import { eventSourceMapping, lambdaFunction, permission } from './lambda';
import { bucket, bucketPolicy } from './s3';
import { secret } from './secrets-manager';
import { subscription, topic, topicPolicy } from './sns';
import { queue, queuePolicy } from './sqs';

/** One handler per resource type the local platform creates in the emulator. */
export const HANDLERS: Readonly<Record<string, ResourceHandler>> = {
  'AWS::SQS::Queue': queue,
  'AWS::SQS::QueuePolicy': queuePolicy,
  'AWS::SNS::Topic': topic,
  'AWS::SNS::Subscription': subscription,
  'AWS::SNS::TopicPolicy': topicPolicy,
  'AWS::DynamoDB::Table': table,
  'AWS::KMS::Key': key,
  'AWS::KMS::Alias': alias,
  'AWS::Kinesis::Stream': stream,
  'AWS::Events::EventBus': eventBus,
  'AWS::Events::Rule': rule,
  'AWS::IAM::Role': role,
  'AWS::IAM::Policy': policy,
  'AWS::S3::Bucket': bucket,
  'AWS::S3::BucketPolicy': bucketPolicy,
  'AWS::SecretsManager::Secret': secret,
  'AWS::Lambda::Function': lambdaFunction,
  'AWS::Lambda::Permission': permission,
  'AWS::Lambda::EventSourceMapping': eventSourceMapping,
};

type Naming = Pick<ResourceContext, 'stackName' | 'logicalId' | 'account' | 'region'>;

export interface NotEmulated {
  readonly reason: string;
  /** What `Ref` and `Fn::GetAtt` give, so that what refers to it still resolves. */
  reference(
    properties: Readonly<Record<string, unknown>>,
    naming: Naming,
  ): {
    ref: string;
    attributes: Record<string, string>;
  };
}

const named = (properties: Readonly<Record<string, unknown>>, property: string, naming: Naming): string =>
  typeof properties[property] === 'string'
    ? String(properties[property])
    : physicalName(naming, { maxLength: 255 });

/** Resource types deliberately not created locally, each with its reason. */
export const NOT_EMULATED: Readonly<Record<string, NotEmulated>> = {
  'AWS::CDK::Metadata': {
    reason: "CDK's version reporting: it creates nothing",
    reference: (_, { logicalId }) => ({ ref: logicalId, attributes: {} }),
  },
  'AWS::CloudWatch::Alarm': {
    reason:
      'no CloudWatch metrics are published locally for an alarm to watch; the infrastructure tests check the alarms',
    reference: (properties, naming) => {
      const name = named(properties, 'AlarmName', naming);
      return {
        ref: name,
        attributes: { Arn: `arn:aws:cloudwatch:${naming.region}:${naming.account}:alarm:${name}` },
      };
    },
  },
  'AWS::CloudWatch::Dashboard': {
    reason: 'it graphs CloudWatch metrics, which are not published locally',
    reference: (properties, naming) => ({ ref: named(properties, 'DashboardName', naming), attributes: {} }),
  },
  'AWS::Logs::LogGroup': {
    reason: 'local handlers log to the local runtime (stdout, its log files), not to CloudWatch Logs',
    reference: (properties, naming) => {
      const name = named(properties, 'LogGroupName', naming);
      return {
        ref: name,
        attributes: { Arn: `arn:aws:logs:${naming.region}:${naming.account}:log-group:${name}:*` },
      };
    },
  },
};
