import { createHash } from 'node:crypto';
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunkByCountAndSize, utf8Bytes } from '../lambda/dispatcher/batching';
import { fifoMessageGroupId, parseIngestMessage } from '../lambda/shared/ingest-message';

const SQS_BATCH_LIMITS = { maxCount: 10, maxBytes: 262_144 } as const;

export interface SendSummary {
  readonly sent: number;
  /** Bodies the queue refused (too large, characters SQS does not allow…), with its error code. */
  readonly rejected: { body: string; code: string }[];
  /** Time each body was first sent (ms), for latency. */
  readonly firstSentAt: Map<string, number>;
}

export interface SendOptions {
  /** Called after each batch with the number sent so far. */
  readonly onProgress?: (sent: number, total: number) => void;
  /** Waits before each batch, to keep the queue shallow (the local emulator slows with depth). */
  readonly pace?: () => Promise<void>;
}

/**
 * Sends message bodies exactly as given with SendMessageBatch, 10 per call. On a FIFO queue each
 * message is grouped by `workspace_id:visitor_id` (see `fifoMessageGroupId`) and deduplicated on
 * its content.
 */
export async function sendBodies(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  options: SendOptions = {},
): Promise<SendSummary> {
  const fifo = queueUrl.endsWith('.fifo');
  const firstSentAt = new Map<string, number>();
  const rejected: SendSummary['rejected'] = [];
  let sent = 0;
  let done = 0;
  const indexed = bodies.map((body, index) => ({ body, index }));
  for (const chunk of chunkByCountAndSize(indexed, ({ body }) => utf8Bytes(body), SQS_BATCH_LIMITS)) {
    await options.pace?.();
    const entries: SendMessageBatchRequestEntry[] = chunk.map(({ body, index }, i) => ({
      Id: String(i),
      MessageBody: body,
      ...(fifo && {
        MessageGroupId: messageGroupOf(body),
        // A re-sent duplicate gets its own id: FIFO deduplication would otherwise hide it.
        MessageDeduplicationId: createHash('sha256').update(`${index}\n${body}`).digest('hex'),
      }),
    }));
    const now = Date.now();
    try {
      const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      for (const failure of response.Failed ?? []) {
        rejected.push({ body: chunk[Number(failure.Id)].body, code: failure.Code ?? 'Failed' });
      }
      for (const success of response.Successful ?? []) {
        const { body } = chunk[Number(success.Id)];
        if (!firstSentAt.has(body)) firstSentAt.set(body, now);
        sent += 1;
      }
    } catch (error) {
      // The whole call was refused (a message too large for the queue, say): nothing of it was sent.
      for (const { body } of chunk) rejected.push({ body, code: (error as Error).name });
    }
    done += chunk.length;
    options.onProgress?.(done, bodies.length);
  }
  return { sent, rejected, firstSentAt };
}

/** `workspace_id:visitor_id`, as producers group on a FIFO ingest queue; a body without them gets a group all the same. */
function messageGroupOf(body: string): string {
  try {
    const { workspace_id: workspace, visitor } = JSON.parse(body) as {
      workspace_id?: unknown;
      visitor?: { visitor_id?: unknown };
    };
    const visitorId = typeof visitor?.visitor_id === 'string' ? visitor.visitor_id : 'no-visitor';
    return fifoMessageGroupId(typeof workspace === 'string' ? workspace : 'no-workspace', visitorId);
  } catch {
    return 'no-workspace:no-visitor';
  }
}

/** An event as the dispatcher's logs and `npm run trace` name it. */
export interface EventIds {
  readonly workspaceId: string;
  readonly distinctId: string;
  readonly visitorId: string;
}

/**
 * The events these bodies carry, once each, read as the dispatcher reads them: a body without a
 * `distinct_id` gets the one derived from its content; one the dispatcher would dead-letter as
 * invalid has none.
 */
export function eventIdsOf(bodies: Iterable<string>): EventIds[] {
  const events = new Map<string, EventIds>();
  for (const body of bodies) {
    const message = parseIngestMessage(body);
    if (!message.ok) continue;
    const { workspaceId, payload } = message;
    const ids = { workspaceId, distinctId: payload.event.distinct_id, visitorId: payload.visitor.visitor_id };
    const key = JSON.stringify([workspaceId, ids.distinctId]);
    if (!events.has(key)) events.set(key, ids);
  }
  return [...events.values()];
}

/** A one-line progress bar on stderr, for terminals only. */
export function progressBar(label: string): (done: number, total: number) => void {
  if (!process.stderr.isTTY) return () => {};
  return (done, total) => {
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    if (done >= total) process.stderr.write('\n');
  };
}
