import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DeliveryRole } from '../lib/constructs/delivery-role';
import { REGION } from './accounts';

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/**
 * The delivery role's trust and permission policies, synthesized by the same `DeliveryRole`
 * construct customers deploy, so the emulator runs the real policies, not a second copy.
 */
export function deliveryRolePolicies(props: {
  customerAccount: string;
  platformAccountId: string;
  dispatcherRoleArn: string;
  externalId: string;
  topicArns: string[];
  functionArns: string[];
  topicKeyArns?: string[];
  /** Kinesis streams, with the KMS key that encrypts each. */
  streams?: { arn: string; keyArn?: string }[];
  eventBusArns?: string[];
  /** SQS queues, with the KMS key that encrypts each. */
  queues?: { arn: string; keyArn?: string }[];
  /** The platform's payload bucket and key, and the consumer roles that read offloaded payloads. */
  payloads?: { bucketArn: string; keyArn: string; readerRoleArns: string[] };
}): { trustPolicy: PolicyDocument; permissionPolicy: PolicyDocument } {
  const stack = new Stack(new App({ context: { '@aws-cdk/core:enablePartitionLiterals': true } }), 'Local', {
    env: { account: props.customerAccount, region: REGION },
  });
  new DeliveryRole(stack, 'Delivery', {
    platformAccountId: props.platformAccountId,
    dispatcherRoleArn: props.dispatcherRoleArn,
    externalId: props.externalId,
    topics: props.topicArns.map((arn, i) => sns.Topic.fromTopicArn(stack, `Topic${i}`, arn)),
    functions: props.functionArns.map((arn, i) =>
      lambda.Function.fromFunctionArn(stack, `Function${i}`, arn),
    ),
    topicKeys: (props.topicKeyArns ?? []).map((arn, i) => kms.Key.fromKeyArn(stack, `Key${i}`, arn)),
    streams: (props.streams ?? []).map(({ arn, keyArn }, i) =>
      kinesis.Stream.fromStreamAttributes(stack, `Stream${i}`, {
        streamArn: arn,
        ...(keyArn && { encryptionKey: kms.Key.fromKeyArn(stack, `StreamKey${i}`, keyArn) }),
      }),
    ),
    eventBuses: (props.eventBusArns ?? []).map((arn, i) =>
      events.EventBus.fromEventBusArn(stack, `Bus${i}`, arn),
    ),
    queues: (props.queues ?? []).map(({ arn, keyArn }, i) =>
      sqs.Queue.fromQueueAttributes(stack, `Queue${i}`, { queueArn: arn, ...(keyArn && { keyArn }) }),
    ),
    payloadBucketArn: props.payloads?.bucketArn,
    payloadKeyArn: props.payloads?.keyArn,
    payloadReaders: (props.payloads?.readerRoleArns ?? []).map((arn, i) =>
      iam.Role.fromRoleArn(stack, `Reader${i}`, arn),
    ),
  });
  const template = Template.fromStack(stack);
  const [role] = Object.values(template.findResources('AWS::IAM::Role'));
  const [policy] = Object.values(template.findResources('AWS::IAM::Policy'));
  return {
    trustPolicy: role.Properties.AssumeRolePolicyDocument as PolicyDocument,
    permissionPolicy: policy.Properties.PolicyDocument as PolicyDocument,
  };
}
