import { createHash } from 'node:crypto';
import { userPool, userPoolClient, userPoolGroup } from './cognito';
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
  'AWS::Cognito::UserPool': userPool,
  'AWS::Cognito::UserPoolClient': userPoolClient,
  'AWS::Cognito::UserPoolGroup': userPoolGroup,
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

/**
 * An id as AWS generates one (`a1b2c3d4e5`): lowercase letters and digits, stable for the stack's
 * account, name and logical id.
 */
const generatedId = (naming: Naming, length = 10): string =>
  createHash('sha256')
    .update(`${naming.account}/${naming.stackName}/${naming.logicalId}`)
    .digest('hex')
    .slice(0, length);

const NO_API_GATEWAY =
  'moto cannot invoke API Gateway; the local platform serves the same API handler and authorizer on a loopback port through a node:http adapter, from the same route table';
const NO_WAF = 'no WAF locally; the local adapter applies the same per-caller rate limit';

/** An API Gateway resource known by its generated id: `Ref` gives it, as does the attribute named. */
const apiGatewayId = (attribute?: string): NotEmulated => ({
  reason: NO_API_GATEWAY,
  reference: (_, naming) => {
    const id = generatedId(naming);
    return { ref: id, attributes: attribute ? { [attribute]: id } : {} };
  },
});

const NO_CLOUDFRONT =
  "no CloudFront locally: the console's built files are served from console/dist by a local node server, with config.json naming the local API and user pool";
const NO_CONSOLE_DEPLOYMENT =
  "CDK's bucket deployment copies the built console into its bucket at deploy; locally the console is served from console/dist, so nothing is copied (the deployment function itself is created, never invoked)";

/** An id as CloudFront generates one for a distribution or an origin access control (`E2QWRUHAPOMQZL`). */
const cloudFrontId = (naming: Naming): string => `E${generatedId(naming, 13).toUpperCase()}`;

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
  'AWS::Logs::SubscriptionFilter': {
    reason:
      "log groups are not emulated: the local runtime follows the dispatcher's log file with the same filter and feeds the subscribed function (local/log-subscription.ts)",
    reference: (properties, naming) => ({ ref: named(properties, 'FilterName', naming), attributes: {} }),
  },
  'AWS::ApiGateway::RestApi': {
    reason: NO_API_GATEWAY,
    reference: (_, naming) => {
      const id = generatedId(naming);
      return {
        ref: id,
        attributes: {
          RestApiId: id,
          RootResourceId: generatedId({ ...naming, logicalId: `${naming.logicalId}/` }),
        },
      };
    },
  },
  'AWS::ApiGateway::Resource': apiGatewayId('ResourceId'),
  'AWS::ApiGateway::Method': apiGatewayId(),
  'AWS::ApiGateway::Authorizer': apiGatewayId('AuthorizerId'),
  'AWS::ApiGateway::Deployment': apiGatewayId('DeploymentId'),
  'AWS::ApiGateway::GatewayResponse': apiGatewayId(),
  'AWS::ApiGateway::Account': apiGatewayId(),
  'AWS::ApiGateway::Stage': {
    reason: NO_API_GATEWAY,
    reference: (properties, naming) => ({ ref: named(properties, 'StageName', naming), attributes: {} }),
  },
  'AWS::WAFv2::WebACL': {
    reason: NO_WAF,
    reference: (properties, naming) => {
      const name = named(properties, 'Name', naming);
      const id = generatedId(naming, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      const scope = String(properties.Scope ?? 'REGIONAL');
      const where = scope === 'CLOUDFRONT' ? 'global' : 'regional';
      return {
        ref: `${name}|${id}|${scope}`,
        attributes: {
          Arn: `arn:aws:wafv2:${naming.region}:${naming.account}:${where}/webacl/${name}/${id}`,
          Id: id,
          LabelNamespace: `awswaf:${naming.account}:webacl:${name}:`,
        },
      };
    },
  },
  'AWS::WAFv2::WebACLAssociation': {
    reason: NO_WAF,
    reference: (_, naming) => ({ ref: generatedId(naming), attributes: {} }),
  },
  'AWS::WAFv2::LoggingConfiguration': {
    reason: NO_WAF,
    reference: (properties) => ({ ref: String(properties.ResourceArn), attributes: {} }),
  },
  'AWS::CloudFront::Distribution': {
    reason: NO_CLOUDFRONT,
    // A domain name of CloudFront's form that resolves nowhere: the API function's ALLOWED_ORIGINS
    // names it; the local control plane allows the local console's origin instead.
    reference: (_, naming) => {
      const id = cloudFrontId(naming);
      return { ref: id, attributes: { Id: id, DomainName: `d${generatedId(naming, 13)}.cloudfront.net` } };
    },
  },
  'AWS::CloudFront::OriginAccessControl': {
    reason: NO_CLOUDFRONT,
    reference: (_, naming) => {
      const id = cloudFrontId(naming);
      return { ref: id, attributes: { Id: id } };
    },
  },
  'AWS::CloudFront::ResponseHeadersPolicy': {
    reason: NO_CLOUDFRONT,
    reference: (_, naming) => {
      const id = generatedId(naming, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
      return { ref: id, attributes: { Id: id } };
    },
  },
  'Custom::CDKBucketDeployment': {
    reason: NO_CONSOLE_DEPLOYMENT,
    reference: (_, naming) => ({ ref: `${naming.stackName}-${naming.logicalId}`, attributes: {} }),
  },
  'AWS::Lambda::LayerVersion': {
    reason: `the one layer is the AWS CLI of CDK's bucket deployment function, which runs only at deploy: ${NO_CONSOLE_DEPLOYMENT}`,
    reference: (_, naming) => {
      const arn = `arn:aws:lambda:${naming.region}:${naming.account}:layer:${naming.logicalId}:1`;
      return { ref: arn, attributes: { LayerVersionArn: arn } };
    },
  },
};
