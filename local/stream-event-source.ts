import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-kinesis';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { REGION } from './accounts';

export interface StreamEventSourceOptions {
  readonly kinesis: KinesisClient;
  readonly streamArn: string;
  /** Records per invocation, as the event source mapping's `batchSize`. */
  readonly batchSize: number;
  readonly handler: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | unknown>;
  /** Retries of a failing batch before it goes to the on-failure destination, as `retryAttempts`. */
  readonly retryAttempts: number;
  /** The on-failure destination: a record of each batch given up on. */
  readonly onFailure: { readonly sqs: SQSClient; readonly queueUrl: string };
  /** Longest pause after empty reads. @default 500 ms */
  readonly maxIdleDelayMs?: number;
  /** Told of a failed read; reading goes on from where it was. */
  readonly onError?: (error: Error) => void;
}

/**
 * Feeds a handler from a Kinesis stream the way Lambda's Kinesis event source mapping does, one
 * shard after another, from the oldest record: batches of up to `batchSize` records in order;
 * with a partial batch response, the batch is retried from its first failed record (records
 * before it are done); after `retryAttempts`, the failed batch's records are sent to the
 * on-failure queue and reading goes on. Locally a failed batch is not bisected.
 */
export class StreamEventSource {
  private running = false;
  private worker?: Promise<void>;
  private busy = false;
  /** Whether the last read of every shard found nothing new: the stream is drained. */
  private caughtUp = false;
  readonly counts = { invocations: 0, records: 0, retries: 0, recordsGivenUp: 0 };

  constructor(private readonly options: StreamEventSourceOptions) {}

  /** True while records are being read or handled, or the stream has records not yet handled. */
  get active(): boolean {
    return this.busy || !this.caughtUp;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.worker = this.poll();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.worker;
  }

  private async poll(): Promise<void> {
    const { kinesis, streamArn } = this.options;
    const iterators = await this.shardIterators();
    let idleDelay = 20;
    while (this.running) {
      let read = 0;
      for (const [shardId, iterator] of iterators) {
        if (!this.running || !iterator) continue;
        this.busy = true;
        try {
          const { Records = [], NextShardIterator } = await kinesis.send(
            new GetRecordsCommand({
              StreamARN: streamArn,
              ShardIterator: iterator,
              Limit: this.options.batchSize,
            }),
          );
          iterators.set(shardId, NextShardIterator);
          read += Records.length;
          if (Records.length > 0) await this.deliver(shardId, Records);
        } catch (error) {
          // The same iterator is read again next round, as the event source mapping would.
          this.options.onError?.(error as Error);
          read += 1;
        } finally {
          this.busy = false;
        }
      }
      this.caughtUp = read === 0;
      if (read > 0) {
        idleDelay = 20;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, idleDelay));
      idleDelay = Math.min(idleDelay * 2, this.options.maxIdleDelayMs ?? 500);
    }
  }

  /** Each shard's iterator from its oldest record, asked again until the stream answers. */
  private async shardIterators(): Promise<Map<string, string | undefined>> {
    const { kinesis, streamArn } = this.options;
    while (this.running) {
      try {
        const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamARN: streamArn }));
        const iterators = new Map<string, string | undefined>();
        for (const { ShardId = '' } of Shards) {
          const { ShardIterator } = await kinesis.send(
            new GetShardIteratorCommand({ StreamARN: streamArn, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
          );
          iterators.set(ShardId, ShardIterator);
        }
        return iterators;
      } catch (error) {
        this.options.onError?.(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    return new Map();
  }

  /** One batch, retried from its first failed record until it succeeds or the retries run out. */
  private async deliver(shardId: string, records: StreamRecord[]): Promise<void> {
    let remaining = records;
    for (let attempt = 0; remaining.length > 0; attempt++) {
      this.counts.invocations += 1;
      this.counts.records += remaining.length;
      let firstFailed: number;
      try {
        const response = (await this.options.handler(this.event(shardId, remaining))) as
          | Partial<KinesisStreamBatchResponse>
          | undefined;
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        firstFailed = remaining.findIndex((r) => failed.has(r.SequenceNumber ?? ''));
      } catch {
        firstFailed = 0;
      }
      if (firstFailed < 0) return;
      remaining = remaining.slice(firstFailed);
      if (attempt >= this.options.retryAttempts) {
        await this.giveUp(shardId, remaining);
        return;
      }
      this.counts.retries += 1;
    }
  }

  /**
   * Lambda sends the on-failure destination where the batch was, not its records. Locally each
   * record goes there itself, with that batch's place as attributes, so a run's report can
   * account for every event.
   */
  private async giveUp(shardId: string, records: StreamRecord[]): Promise<void> {
    this.counts.recordsGivenUp += records.length;
    const { sqs, queueUrl } = this.options.onFailure;
    for (const record of records) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'),
          MessageAttributes: {
            condition: { DataType: 'String', StringValue: 'RetryAttemptsExhausted' },
            shardId: { DataType: 'String', StringValue: shardId },
            sequenceNumber: { DataType: 'String', StringValue: record.SequenceNumber ?? '' },
          },
        }),
      );
    }
  }

  private event(shardId: string, records: StreamRecord[]): KinesisStreamEvent {
    return {
      Records: records.map((record) => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: record.PartitionKey ?? '',
          sequenceNumber: record.SequenceNumber ?? '',
          data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
          approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shardId}:${record.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::000000000000:role/local-consumer',
        awsRegion: REGION,
        eventSourceARN: this.options.streamArn,
      })),
    };
  }
}
