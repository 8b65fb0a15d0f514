import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface EncryptionKeyProps {
  readonly description: string;
}

/**
 * A customer managed KMS key as this project's data needs it: rotated yearly, and grants on it
 * only for AWS resources (the AWS Control Tower control CT.KMS.PR.3): services that use it for
 * this account's resources (Lambda, DynamoDB, SQS) create their grants, nobody else can.
 */
export class EncryptionKey extends kms.Key {
  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id, { description: props.description, enableKeyRotation: true });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }
}

/** What reading and writing a table or queue encrypted with a key needs of it. */
export const DATA_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'];

/**
 * Lets `grantee` use `key` only through one service of this region (DynamoDB for a table, SQS for
 * a queue): whoever holds the grant cannot use the key for anything else.
 */
export function grantKeyThrough(
  service: 'dynamodb' | 'sqs',
  key: kms.IKey,
  grantee: iam.IGrantable,
  actions: readonly string[] = DATA_KEY_ACTIONS,
): void {
  const { region, urlSuffix } = Stack.of(key);
  grantee.grantPrincipal.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...actions],
      resources: [key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `${service}.${region}.${urlSuffix}` } },
    }),
  );
}
