import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsEvent } from 'aws-lambda';

export interface LogFileSubscriptionOptions {
  /** The log file a local handler writes its lines to, one JSON object per line. */
  readonly file: string;
  /** The subscription filter's test: which lines are passed on. */
  readonly matches: (fields: Record<string, unknown>) => boolean;
  /** The subscribed function, as deployed. */
  readonly handler: (event: CloudWatchLogsEvent) => Promise<void>;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
  readonly logGroup?: string;
  readonly onError?: (error: Error) => void;
}

/**
 * A CloudWatch Logs subscription filter over a local log file: new lines that match are handed
 * to the subscribed function in the payload CloudWatch Logs sends (gzipped, base64, `logEvents`),
 * so the function runs as deployed. Lines written before it started are skipped, as a new
 * subscription skips what came before it.
 */
export class LogFileSubscription {
  private offset = 0;
  private partial = '';
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: LogFileSubscriptionOptions) {}

  start(): void {
    this.offset = existsSync(this.options.file) ? statSync(this.options.file).size : 0;
    this.timer = setInterval(() => {
      this.running ??= this.poll()
        .catch((error: Error) => this.options.onError?.(error))
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.pollIntervalMs ?? 1_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.poll();
  }

  /** Reads what was appended since the last poll and delivers the matching lines. */
  async poll(): Promise<void> {
    if (!existsSync(this.options.file)) return;
    const size = statSync(this.options.file).size;
    if (size <= this.offset) return;
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.options.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + buffer.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const logEvents = lines.flatMap((message, index) => {
      try {
        const fields = JSON.parse(message) as Record<string, unknown>;
        return this.options.matches(fields)
          ? [{ id: `${this.offset}-${index}`, timestamp: Date.now(), message }]
          : [];
      } catch {
        return [];
      }
    });
    if (logEvents.length === 0) return;
    const data = {
      messageType: 'DATA_MESSAGE',
      owner: 'local',
      logGroup: this.options.logGroup ?? 'local',
      logStream: 'local',
      subscriptionFilters: ['local'],
      logEvents,
    };
    await this.options.handler({ awslogs: { data: gzipSync(JSON.stringify(data)).toString('base64') } });
  }
}
