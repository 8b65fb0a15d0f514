import { Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { REGISTRY_KEY } from '../../lambda/shared/registry-table';

export interface RegistryTableProps {
  /** Customer-managed key the table is encrypted with. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The live destination registry: per workspace, its external id, a draft, immutable published
 * versions and the live one (layout in `lambda/shared/registry-table.ts`). Encrypted with a
 * customer-managed key, point-in-time recovery on, deletion protected: it is the platform's
 * record of who may receive what.
 */
export class RegistryTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: RegistryTableProps) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: REGISTRY_KEY.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: REGISTRY_KEY.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      deletionProtection: true,
    });
    Validations.of(this.table).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-DynamoDBInBackupPlan',
      reason:
        'Holds destination settings and external ids, no event or personal data; point-in-time recovery (35 days) and deletion protection cover mistakes, and every published version is kept in the table itself.',
    });
  }

  /**
   * What the dispatcher needs: read workspaces' items, a batch's uncached ones together
   * (`BatchGetItem`). No scan, no query, no write.
   */
  grantRouting(grantee: iam.IGrantable): void {
    this.table.grant(grantee, 'dynamodb:BatchGetItem', 'dynamodb:GetItem');
  }
}
