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
