import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INGEST_MAX_MESSAGE_BYTES, SQS_MAX_MESSAGE_BYTES } from '../../lambda/shared/queue-limits';

export interface IngestQueueProps {
  /** Customer-managed key that encrypts the queue and its dead-letter queue. */
  readonly encryptionKey: kms.IKey;
  /**
   * FIFO queue: producers set `MessageGroupId` = visitor id and each visitor's events keep their
   * order end to end, at FIFO throughput (batches of at most 10, ordered per group).
   * @default false (standard queue: unlimited throughput, a visitor's events may be reordered)
   */
  readonly fifo?: boolean;
  /**
   * How long a received message stays hidden: at least 6× the consumer's timeout.
   * @default Duration.minutes(3)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message is moved to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long messages are kept, in both queues.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

/** The SQS queue upstream systems write events into, with its dead-letter queue. Encrypted and TLS-only. */
export class IngestQueue extends Construct {
  /** Defaults, shared with the local runtime so both run the same settings. */
  static readonly DEFAULTS = {
    maxReceiveCount: 5,
    retentionPeriod: Duration.days(14),
    // SQS's largest message (1 MiB) in the dead-letter queue, and 4 KiB less in the ingest queue:
    // every message the ingest queue takes can be dead-lettered with its reason, the whole body
    // kept (see lambda/shared/queue-limits.ts). Events too large for an SNS destination are still
    // ingested, then offloaded or dead-lettered with their reason.
    maxMessageSizeBytes: INGEST_MAX_MESSAGE_BYTES,
    deadLetterMaxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
  } as const;

  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly fifo: boolean;
  public readonly visibilityTimeout: Duration;
  public readonly maxReceiveCount: number;
  /** How long both queues keep a message: a dead letter is forgotten after this. */
  public readonly retentionPeriod: Duration;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    this.fifo = props.fifo ?? false;
    this.visibilityTimeout = props.visibilityTimeout ?? Duration.minutes(3);
    this.maxReceiveCount = props.maxReceiveCount ?? IngestQueue.DEFAULTS.maxReceiveCount;
    const retentionPeriod = props.retentionPeriod ?? IngestQueue.DEFAULTS.retentionPeriod;
    this.retentionPeriod = retentionPeriod;

    const problems: string[] = [];
    if (!Number.isInteger(this.maxReceiveCount) || this.maxReceiveCount < 1 || this.maxReceiveCount > 1000) {
      problems.push(`maxReceiveCount must be an integer from 1 to 1000, got ${this.maxReceiveCount}`);
    }
    if (this.visibilityTimeout.toSeconds() > Duration.hours(12).toSeconds()) {
      problems.push('visibilityTimeout must be at most 12 hours');
    }
    if (retentionPeriod.toSeconds() < 60 || retentionPeriod.toSeconds() > Duration.days(14).toSeconds()) {
      problems.push('retentionPeriod must be from 1 minute to 14 days');
    }
    if (problems.length > 0) throw new Error(`IngestQueue ${this.node.path}: ${problems.join('; ')}`);

    // High-throughput FIFO: ordering and deduplication per message group (visitor), not per queue.
    const fifoSettings: Partial<sqs.QueueProps> = this.fifo
      ? {
          fifo: true,
          contentBasedDeduplication: true,
          deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP,
          fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
        }
      : {};
    const common = {
      ...fifoSettings,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod,
    };
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...common,
      maxMessageSizeBytes: IngestQueue.DEFAULTS.deadLetterMaxMessageSizeBytes,
    });
    const isTheDeadLetterQueue =
      'This is the dead-letter queue of the ingest queue: its letters go back by npm run redrive, never to a further queue.';
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'Serverless::Serverless-SQSRedrivePolicy', reason: isTheDeadLetterQueue },
      {
        id: 'cdk-validator-cfnguard::sqs_dlq_check',
        reason: `${isTheDeadLetterQueue} A RedriveAllowPolicy naming the ingest queue would be a cycle (the ingest queue names this one).`,
      },
    );

    this.queue = new sqs.Queue(this, 'Queue', {
      ...common,
      maxMessageSizeBytes: IngestQueue.DEFAULTS.maxMessageSizeBytes,
      visibilityTimeout: this.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
  }
}
