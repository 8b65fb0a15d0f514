import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type EncryptionType,
  IncreaseStreamRetentionPeriodCommand,
  StartStreamEncryptionCommand,
  type StreamMode,
} from '@aws-sdk/client-kinesis';
import { physicalName, type ResourceHandler, tagMap } from './handler';

/** A stream keeps records 24 hours unless told otherwise. */
const DEFAULT_RETENTION_HOURS = 24;

export const stream: ResourceHandler = {
  properties: [
    'Name',
    'ShardCount',
    'StreamModeDetails',
    'RetentionPeriodHours',
    'StreamEncryption',
    'Tags',
    // Enhanced shard-level CloudWatch metrics: CloudWatch is not emulated.
    'DesiredShardLevelMetrics',
  ],
  async create(properties, context) {
    const { kinesis } = context.clients;
    const StreamName =
      typeof properties.Name === 'string' ? properties.Name : physicalName(context, { maxLength: 128 });
    const mode = (properties.StreamModeDetails as { StreamMode: StreamMode } | undefined)?.StreamMode;
    // moto gives an on-demand stream 4 shards; a provisioned one without ShardCount gets 1, as CloudFormation does.
    await kinesis.send(
      new CreateStreamCommand({
        StreamName,
        ShardCount: mode === 'ON_DEMAND' ? undefined : Number(properties.ShardCount ?? 1),
        StreamModeDetails: mode && { StreamMode: mode },
        Tags: tagMap(properties.Tags),
      }),
    );
    const retention = Number(properties.RetentionPeriodHours ?? DEFAULT_RETENTION_HOURS);
    if (retention > DEFAULT_RETENTION_HOURS) {
      await kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName, RetentionPeriodHours: retention }),
      );
    }
    const encryption = properties.StreamEncryption as
      | { EncryptionType: EncryptionType; KeyId: string }
      | undefined;
    if (encryption) {
      await kinesis.send(
        new StartStreamEncryptionCommand({
          StreamName,
          EncryptionType: encryption.EncryptionType,
          KeyId: encryption.KeyId,
        }),
      );
    }
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName }));
    return { ref: StreamName, attributes: { Arn: StreamDescriptionSummary?.StreamARN } };
  },
};
