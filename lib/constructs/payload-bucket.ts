import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Destination } from '../../lambda/shared/destination-config';
import { EncryptionKey } from './encryption-key';

export interface PayloadBucketProps {
  /**
   * Destinations whose oversize events are offloaded here: each one's delivery role may read
   * its own prefix (`<role account>/<workspace id>/<destination id>/`), and nothing else.
   */
  readonly destinations: readonly Destination[];
  /**
   * Delivery roles of registry workspaces whose destinations offload: each may read its
   * workspace's prefix in its own account (`<role account>/<workspace id>/`). A bucket policy
   * can grant only fixed principals (S3 Block Public Access refuses patterns), so each is
   * listed here when the operator onboards it.
   * @default none
   */
  readonly workspaceReaders?: readonly { readonly workspaceId: string; readonly roleArn: string }[];
  /**
   * How long a payload is kept. At least as long as any queue may hold its pointer: SQS keeps
   * messages (and the customer's dead letters) for up to 14 days.
   * @default Duration.days(14)
   */
  readonly retention?: Duration;
}

/** A role that may read the payloads under one prefix. */
interface PayloadReader {
  readonly roleArn: string;
  readonly prefix: string;
}

/** The props as the bucket applies them: defaults applied, checked. */
interface PayloadBucketSettings {
  readonly retention: Duration;
  /** Each offloading destination's role with its destination's prefix, each listed workspace role with its workspace's. */
  readonly readers: readonly PayloadReader[];
}

/**
 * Where the dispatcher stores events too large for their destination. Encrypted with its own
 * KMS key, TLS only, private, objects expire; the dispatcher may only write, and each
 * destination's delivery role may only read the payloads sent to that destination.
 */
export class PayloadBucket extends Construct {
  /** Defaults, shared with the local runtime. */
  static readonly DEFAULTS = { retention: Duration.days(14) } as const;

  public readonly bucket: s3.Bucket;
  public readonly encryptionKey: kms.Key;
  /** The payload bucket's server access logs. */
  public readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: PayloadBucketProps) {
    super(scope, id);
    const { retention, readers } = this.checkedSettings(props);
    this.encryptionKey = new EncryptionKey(this, 'Key', {
      description: 'Event delivery platform: offloaded oversize event payloads',
    });
    this.accessLogs = this.createAccessLogs();
    this.bucket = this.createBucket(retention);
    for (const reader of readers) this.grantRead(reader);
    if (readers.length > 0) this.denyOtherReaders(readers);
  }

  /** Props with their defaults, checked together: every problem reported at once. */
  private checkedSettings(props: PayloadBucketProps): PayloadBucketSettings {
    const retention = props.retention ?? PayloadBucket.DEFAULTS.retention;
    const offloading = props.destinations.filter((d) => d.offloadOversize);
    const problems: string[] = [];
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1)
      problems.push('retention must be a whole number of days, at least 1');
    for (const d of offloading) {
      if (!d.roleArn) problems.push(`destination "${d.id}" offloads oversize events but has no roleArn`);
    }
    for (const r of props.workspaceReaders ?? []) {
      if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(r.roleArn))
        problems.push(`workspace reader of "${r.workspaceId}": roleArn must be an IAM role ARN`);
    }
    const readers = [
      ...offloading.map((d) => ({ roleArn: d.roleArn as string, prefix: offloadPrefix(d) })),
      ...(props.workspaceReaders ?? []).map((r) => ({
        roleArn: r.roleArn,
        prefix: `${r.roleArn.split(':')[4]}/${r.workspaceId}/`,
      })),
    ];
    if (problems.length > 0) throw new Error(`PayloadBucket ${this.node.path}: ${problems.join('; ')}`);
    return { retention, readers };
  }

  /**
   * Server access logs of the payload bucket: who read or wrote which payload, kept a year.
   * They hold requesters, object keys (ids and hashes, never event content) and status codes.
   */
  private createAccessLogs(): s3.Bucket {
    const accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // S3 delivers server access logs only to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    });
    const logsOnly = 'This is the access-log bucket of the payload bucket';
    Validations.of(accessLogs).acknowledge(
      { id: 'AwsSolutions::AwsSolutions-S1', reason: `${logsOnly}: logging it into itself would loop.` },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketLoggingEnabled',
        reason: `${logsOnly}: logging it into itself would loop.`,
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3DefaultEncryptionKMS',
        reason: `${logsOnly}: S3 delivers server access logs only to buckets with S3-managed encryption (SSE-S3), not SSE-KMS.`,
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
        reason: `${logsOnly}: audit records of transient objects, kept a year in three Availability Zones; no recovery need for a replica.`,
      },
      {
        id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
        reason: `${logsOnly}: logging it into itself would loop.`,
      },
      {
        id: 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check',
        reason: `${logsOnly}: S3 delivers server access logs only to buckets with S3-managed encryption (SSE-S3), not SSE-KMS.`,
      },
      {
        id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
        reason: `${logsOnly}: its one-year lifecycle expiry is the retention; S3 Object Lock on a log bucket would keep records past it.`,
      },
    );
    sendObjectEventsToEventBridge(accessLogs);
    return accessLogs;
  }

  /** The payloads: KMS per object (readers are scoped by key policy), TLS only, private, expiring. */
  private createBucket(retention: Duration): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Bucket', {
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'payloads/',
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // One KMS call per object, with the object's ARN as encryption context: the key policy
      // can then scope each reader to its own prefix.
      bucketKeyEnabled: false,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      lifecycleRules: [
        {
          expiration: retention,
          // A retry overwrites the same key: earlier versions are of no use.
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    sendObjectEventsToEventBridge(bucket);
    const transient =
      'Each object is one event for one destination, kept only until its lifecycle rule expires it';
    Validations.of(bucket).acknowledge(
      {
        id: 'cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check',
        reason:
          'Payloads are personal data kept only for the retention period and deleted by lifecycle then, or sooner on an erasure request: S3 Object Lock would forbid both. Versioning and access logs cover tampering.',
      },
      {
        id: 'HIPAA.Security::HIPAA.Security-S3BucketReplicationEnabled',
        reason: `${transient}; S3 already keeps it in three Availability Zones, and a replica would be a second copy of personal data for no recovery need.`,
      },
    );
    return bucket;
  }

  /**
   * The reader's role may get objects under its prefix and decrypt them through S3. The role is
   * named in a condition, not as the principal: the policy can be deployed before the customer
   * creates the role, and keeps working if they ever recreate it. A fixed aws:PrincipalArn keeps
   * the policy non-public for S3's Block Public Access.
   */
  private grantRead(reader: PayloadReader): void {
    const { partition, region } = Stack.of(this);
    const prefix = `${reader.prefix}*`;
    const onlyTheDeliveryRole = { 'aws:PrincipalArn': reader.roleArn };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(prefix)],
        conditions: { ArnEquals: onlyTheDeliveryRole },
      }),
    );
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          ArnEquals: onlyTheDeliveryRole,
          StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
          // The key serves this bucket alone; naming the bucket here would make key and bucket a cycle.
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': `arn:${partition}:s3:::*/${prefix}` },
        },
      }),
    );
  }

  /** Readable only by the delivery roles: not even this account's own principals, whatever their IAM policies say. */
  private denyOtherReaders(readers: readonly PayloadReader[]): void {
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          ArnNotEquals: {
            'aws:PrincipalArn': [...new Set(readers.map((r) => r.roleArn))].sort(),
          },
        },
      }),
    );
  }

  /** What the dispatcher needs: write objects, encrypted with this bucket's key. Nothing else. */
  grantOffload(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects('*')] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [this.encryptionKey.keyArn] }),
    );
  }
}

/** Where a destination's offloaded payloads go (`offloadKey` in the dispatcher writes under it). */
export function offloadPrefix(destination: Destination): string {
  const [, , , , account] = (destination.roleArn ?? '').split(':');
  return `${account}/${destination.workspaceId}/${destination.id}/`;
}

/**
 * Object events (created, deleted) go to the account's default EventBridge bus, for operators to
 * match (AWS Control Tower CT.S3.PR.4); set on the bucket itself, with no custom resource.
 */
function sendObjectEventsToEventBridge(bucket: s3.Bucket): void {
  (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride(
    'NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled',
    true,
  );
}
