import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import type { KinesisDestination } from '../../../lambda/shared/destination-config';
import { encryptionStep, probeFailed, type TargetCheck } from './common';

/** A stream: active, and encrypted with a KMS key. */
export const checkStream: TargetCheck<KinesisDestination> = async (destination, clients) => {
  let summary: StreamDescriptionSummary | undefined;
  try {
    ({ StreamDescriptionSummary: summary } = await clients
      .client(KinesisClient, destination)
      .send(new DescribeStreamSummaryCommand({ StreamARN: destination.streamArn })));
  } catch (error) {
    return probeFailed('stream', error, 'stream', 'kinesis:DescribeStreamSummary and kinesis:PutRecords');
  }
  const status = summary?.StreamStatus ?? 'UNKNOWN';
  return [
    status === 'ACTIVE' || status === 'UPDATING'
      ? {
          step: 'stream',
          verdict: 'ok',
          detail: `the stream is ${status}; records keep each visitor's order in its shard`,
        }
      : {
          step: 'stream',
          verdict: 'fail',
          detail: `the stream is ${status}: it takes no records`,
          fix: 'wait for the stream to become ACTIVE, or point the destination at an active one',
        },
    encryptionStep(
      'stream',
      summary?.EncryptionType === 'KMS' ? summary.KeyId : undefined,
      'the role needs kms:GenerateDataKey on it (verified by --send-test-event)',
    ),
  ];
};
