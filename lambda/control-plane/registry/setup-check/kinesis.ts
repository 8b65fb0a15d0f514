import {
  DescribeStreamSummaryCommand,
  KinesisClient,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import type { KinesisDestination } from '../../../shared/destination-config';
import { type CheckStep, encryptionStep, keyUseSteps, probeFailed, type TargetCheck } from './common';

/** A stream: active, encrypted with a KMS key, and its key usable by the role. */
export const checkStream: TargetCheck<KinesisDestination> = async (destination, clients, options) => {
  let summary: StreamDescriptionSummary | undefined;
  try {
    ({ StreamDescriptionSummary: summary } = await clients
      .client(KinesisClient, destination)
      .send(new DescribeStreamSummaryCommand({ StreamARN: destination.streamArn })));
  } catch (error) {
    return probeFailed('stream', error, 'stream', 'kinesis:DescribeStreamSummary and kinesis:PutRecords');
  }
  const status = summary?.StreamStatus ?? 'UNKNOWN';
  const key = summary?.EncryptionType === 'KMS' ? summary.KeyId : undefined;
  const steps: CheckStep[] = [
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
    encryptionStep('stream', key, 'the role needs kms:GenerateDataKey on it'),
  ];
  return [
    ...steps,
    ...(await keyUseSteps(destination, clients, {
      noun: 'stream',
      service: 'Kinesis',
      key,
      encryptionContext: { 'aws:kinesis:arn': destination.streamArn },
      sendTestEvent: options.sendTestEvent,
    })),
  ];
};
