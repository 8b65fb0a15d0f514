import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { REGION } from './accounts';

export interface QueueEventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Records per invocation, as the event source mapping's `batchSize`. */
  readonly batchSize: number;
  /** How long to gather records before invoking, as `maxBatchingWindow`. */
  readonly maxBatchingWindowMs: number;
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | unknown>;
  /** Pollers running at once, as the mapping's concurrency. @default 1 */
  readonly concurrency?: number;
  /** Longest pause after empty receives; pauses grow from 20 ms while the queue stays empty. @default 1 s */
  readonly maxIdleDelayMs?: number;
  readonly onError?: (error: Error) => void;
}

/**
 * Feeds a handler from an SQS queue the way Lambda's SQS event source mapping does: batches of
 * up to `batchSize` records, partial batch responses (only successful records are deleted),
 * failures left to reappear after the visibility timeout, and the queue's own redrive policy
 * moving records past `maxReceiveCount` to its dead-letter queue.
 */
export class QueueEventSource {
  private running = false;
  private workers: Promise<void>[] = [];
  private busy = 0;
  readonly counts = { invocations: 0, records: 0, failedRecords: 0, handlerErrors: 0 };

  constructor(private readonly options: QueueEventSourceOptions) {}

  /** True while a batch is being received or handled. */
  get active(): boolean {
    return this.busy > 0;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const concurrency = this.options.concurrency ?? 1;
    this.workers = Array.from({ length: concurrency }, () => this.poll());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async poll(): Promise<void> {
    let idleDelay = 20;
    while (this.running) {
      this.busy += 1;
      let received = 0;
      try {
        received = await this.pollOnce();
      } catch (error) {
        this.options.onError?.(error as Error);
      } finally {
        this.busy -= 1;
      }
      // Back off while idle: every empty receive costs the emulator a full queue scan.
      if (received === 0) {
        await sleep(idleDelay);
        idleDelay = Math.min(idleDelay * 2, this.options.maxIdleDelayMs ?? 1000);
      } else {
        idleDelay = 20;
      }
    }
  }

  /** One receive-invoke-delete cycle; returns the number of records handled. */
  async pollOnce(): Promise<number> {
    const messages = await this.receiveBatch();
    if (messages.length === 0) return 0;
    const records = messages.map((m) => this.toRecord(m));
    this.counts.invocations += 1;
    this.counts.records += records.length;
    let failed = new Set<string>();
    try {
      const response = (await this.options.handler({ Records: records })) as
        | Partial<SQSBatchResponse>
        | undefined;
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      // A thrown handler fails the whole batch, as in Lambda.
      this.counts.handlerErrors += 1;
      failed = new Set(records.map((r) => r.messageId));
      this.options.onError?.(error as Error);
    }
    this.counts.failedRecords += failed.size;
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    for (let i = 0; i < done.length; i += 10) {
      await this.options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return records.length;
  }

  private async receiveBatch(): Promise<Message[]> {
    const { batchSize, maxBatchingWindowMs } = this.options;
    const deadline = Date.now() + maxBatchingWindowMs;
    const messages: Message[] = [];
    while (messages.length < batchSize) {
      const reply = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: Math.min(10, batchSize - messages.length),
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const got = reply.Messages ?? [];
      messages.push(...got);
      if (got.length === 0 || Date.now() >= deadline) break;
    }
    return messages;
  }

  private toRecord(message: Message): SQSRecord {
    const attributes = message.Attributes ?? {};
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
      messageAttributes[name] = {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      };
    }
    return {
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      attributes: attributes as unknown as SQSRecord['attributes'],
      messageAttributes,
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.options.queueArn,
      awsRegion: REGION,
    };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
