import { Duration, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  DEAD_LETTER_EXPIRY_ATTRIBUTE,
  DEAD_LETTER_STORE_KEY,
  DEFAULT_DEAD_LETTER_RETENTION_SECONDS,
} from '../../lambda/shared/dead-letter-store';
import { grantKeyThrough } from './encryption-key';

export interface DeadLetterStoreProps {
  /** Customer-managed key the table is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /**
   * How long a letter is kept (its `expires_at`): the dead-letter queue's retention, so that the
   * store and the queue forget a letter together. Whole seconds, 1 minute to 14 days.
   * @default Duration.days(14)
   */
  readonly retention?: Duration;
}

/**
 * Each workspace's own dead letters, for its customer to list, read, redrive and discard through
 * the control plane (layout in `lambda/shared/dead-letter-store.ts`): the dispatcher writes one
 * item per letter of a known workspace, besides the operator's dead-letter queue, which still gets
 * every letter first. On-demand, encrypted with a customer-managed key, point-in-time recovery
 * on, items expiring with the queue's retention.
 */
export class DeadLetterStore extends Construct {
  public readonly table: dynamodb.Table;
  /** How long letters are kept. */
  public readonly retention: Duration;

  constructor(scope: Construct, id: string, props: DeadLetterStoreProps) {
    super(scope, id);
    this.retention = props.retention ?? Duration.seconds(DEFAULT_DEAD_LETTER_RETENTION_SECONDS);
    const seconds = this.retention.toSeconds({ integral: false });
    const problems: string[] = [];
    if (!Number.isInteger(seconds) || seconds < 60 || seconds > DEFAULT_DEAD_LETTER_RETENTION_SECONDS) {
      problems.push(
        `retention must be whole seconds from 60 to ${DEFAULT_DEAD_LETTER_RETENTION_SECONDS} (14 days, the longest SQS keeps a message), got ${seconds}`,
      );
    }
    if (problems.length > 0) throw new Error(`DeadLetterStore ${this.node.path}: ${problems.join('; ')}`);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: DEAD_LETTER_STORE_KEY.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DEAD_LETTER_STORE_KEY.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: DEAD_LETTER_EXPIRY_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      deletionProtection: true,
    });
    Validations.of(this.table).acknowledge({
      id: 'HIPAA.Security::HIPAA.Security-DynamoDBInBackupPlan',
      reason:
        "Copies of what the dead-letter queue holds, kept at most as long (TTL): the queue is the record, this is customers' view of it. Point-in-time recovery (35 days) and deletion protection cover mistakes.",
    });
  }

  /** The dispatcher's: put letters, one item or a batch at a time. No read, no delete. */
  grantWriteLetters(grantee: iam.IGrantable): void {
    this.table.grant(grantee, 'dynamodb:BatchWriteItem', 'dynamodb:PutItem');
    this.grantKeyThroughDynamoDb(grantee);
  }

  /**
   * The control plane's: read letters (a workspace's partition, one letter or a selection) and
   * delete the ones redriven or discarded, with the table's key only through DynamoDB.
   */
  grantManageLetters(grantee: iam.IGrantable): void {
    this.table.grant(
      grantee,
      'dynamodb:Query',
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
    );
    this.grantKeyThroughDynamoDb(grantee);
  }

  /** The table's key, only through DynamoDB: the grantee cannot use it for anything else. */
  private grantKeyThroughDynamoDb(grantee: iam.IGrantable): void {
    if (this.table.encryptionKey) grantKeyThrough('dynamodb', this.table.encryptionKey, grantee);
  }
}
