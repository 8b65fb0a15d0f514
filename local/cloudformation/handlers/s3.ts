import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  type LifecycleRule,
  type NotificationConfiguration,
  type OwnershipControls,
  type PublicAccessBlockConfiguration,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketLoggingCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type ServerSideEncryptionConfiguration,
} from '@aws-sdk/client-s3';
import { json, physicalName, type ResourceHandler } from './handler';

export const bucket: ResourceHandler = {
  properties: [
    'BucketName',
    'BucketEncryption',
    'LifecycleConfiguration',
    'VersioningConfiguration',
    'PublicAccessBlockConfiguration',
    'OwnershipControls',
    'LoggingConfiguration',
    'NotificationConfiguration',
    'Tags',
  ],
  async create(properties, context) {
    const { s3 } = context.clients;
    // Bucket names are global: the hash keeps one account's from taking another's.
    const Bucket =
      typeof properties.BucketName === 'string'
        ? properties.BucketName
        : physicalName(context, { maxLength: 63, lowercase: true, unique: true });
    await s3.send(
      new CreateBucketCommand({
        Bucket,
        CreateBucketConfiguration:
          context.region === 'us-east-1'
            ? undefined
            : { LocationConstraint: context.region as BucketLocationConstraint },
      }),
    );
    const encryption = properties.BucketEncryption as
      | {
          ServerSideEncryptionConfiguration: {
            ServerSideEncryptionByDefault?: object;
            BucketKeyEnabled?: boolean;
          }[];
        }
      | undefined;
    if (encryption) {
      // The template's `ServerSideEncryptionByDefault` is the API's `ApplyServerSideEncryptionByDefault`.
      const Rules = encryption.ServerSideEncryptionConfiguration.map((rule) => ({
        ApplyServerSideEncryptionByDefault: rule.ServerSideEncryptionByDefault,
        BucketKeyEnabled: rule.BucketKeyEnabled,
      })) as ServerSideEncryptionConfiguration['Rules'];
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules } }));
    }
    const versioning = properties.VersioningConfiguration as { Status: 'Enabled' | 'Suspended' } | undefined;
    if (versioning) {
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: versioning }));
    }
    const lifecycle = properties.LifecycleConfiguration as { Rules: Record<string, unknown>[] } | undefined;
    if (lifecycle) {
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket,
          LifecycleConfiguration: { Rules: lifecycle.Rules.map(lifecycleRule) },
        }),
      );
    }
    if (properties.PublicAccessBlockConfiguration) {
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration:
            properties.PublicAccessBlockConfiguration as PublicAccessBlockConfiguration,
        }),
      );
    }
    if (properties.OwnershipControls) {
      await s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket,
          OwnershipControls: properties.OwnershipControls as OwnershipControls,
        }),
      );
    }
    if (properties.NotificationConfiguration) {
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket,
          NotificationConfiguration: notificationConfiguration(properties.NotificationConfiguration),
        }),
      );
    }
    if (Array.isArray(properties.Tags)) {
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: properties.Tags } }));
    }
    const logging = properties.LoggingConfiguration as
      | { DestinationBucketName?: string; LogFilePrefix?: string }
      | undefined;
    if (logging) {
      // S3 takes a bucket's logging before the target's policy lets it log; moto checks that policy at
      // once, and the template sets it after this bucket (it names it), so logging comes last.
      context.later(async () => {
        await s3.send(
          new PutBucketLoggingCommand({
            Bucket,
            BucketLoggingStatus: {
              LoggingEnabled: {
                TargetBucket: logging.DestinationBucketName ?? Bucket,
                TargetPrefix: logging.LogFilePrefix ?? '',
              },
            },
          }),
        );
      });
    }
    return {
      ref: Bucket,
      attributes: {
        Arn: `arn:aws:s3:::${Bucket}`,
        DomainName: `${Bucket}.s3.amazonaws.com`,
        RegionalDomainName: `${Bucket}.s3.${context.region}.amazonaws.com`,
        DualStackDomainName: `${Bucket}.s3.dualstack.${context.region}.amazonaws.com`,
        WebsiteURL: `http://${Bucket}.s3-website-${context.region}.amazonaws.com`,
      },
    };
  },
};

/**
 * A template's lifecycle rule in the API's shape (`ExpirationInDays: 14` is `Expiration: { Days: 14 }`);
 * a rule property not converted here fails, naming it.
 */
export function lifecycleRule(rule: Record<string, unknown>): LifecycleRule {
  const {
    Id,
    Status,
    Prefix,
    ExpirationInDays,
    NoncurrentVersionExpiration,
    NoncurrentVersionExpirationInDays,
    AbortIncompleteMultipartUpload,
    ...rest
  } = rule;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new Error(`lifecycle rule property not applied locally: ${unknown.join(', ')}`);
  }
  const noncurrentDays = NoncurrentVersionExpirationInDays as number | undefined;
  return {
    ID: Id as string | undefined,
    Status: Status as 'Enabled' | 'Disabled',
    Filter: { Prefix: (Prefix as string | undefined) ?? '' },
    Expiration: ExpirationInDays === undefined ? undefined : { Days: Number(ExpirationInDays) },
    NoncurrentVersionExpiration: (NoncurrentVersionExpiration ??
      (noncurrentDays === undefined ? undefined : { NoncurrentDays: noncurrentDays })) as
      | LifecycleRule['NoncurrentVersionExpiration']
      | undefined,
    AbortIncompleteMultipartUpload:
      AbortIncompleteMultipartUpload as LifecycleRule['AbortIncompleteMultipartUpload'],
  };
}

/** The EventBridge notifications the templates turn on; other notifications fail, naming them. */
function notificationConfiguration(value: unknown): NotificationConfiguration {
  const { EventBridgeConfiguration, ...rest } = value as {
    EventBridgeConfiguration?: { EventBridgeEnabled?: boolean };
  };
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new Error(`notifications not applied locally: ${unknown.join(', ')}`);
  return { EventBridgeConfiguration: EventBridgeConfiguration?.EventBridgeEnabled ? {} : undefined };
}

export const bucketPolicy: ResourceHandler = {
  properties: ['Bucket', 'PolicyDocument'],
  async create(properties, context) {
    const Bucket = String(properties.Bucket);
    await context.clients.s3.send(
      new PutBucketPolicyCommand({ Bucket, Policy: json(properties.PolicyDocument) }),
    );
    return { ref: `${context.stackName}-${context.logicalId}`, attributes: {} };
  },
};
