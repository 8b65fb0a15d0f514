import { createHash } from 'node:crypto';
import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { chunkByCountAndSize, utf8Bytes } from '../lambda/dispatcher/batching';
import { eventsOfBody, INGEST_BATCH_KEY, toBatchBodies } from '../lambda/shared/ingest-batch';
import { fifoMessageGroupId } from '../lambda/shared/ingest-message';
import { MAX_INGEST_BODY_BYTES, SQS_MAX_MESSAGE_BYTES } from '../lambda/shared/queue-limits';
import { WorkspaceIdSchema } from '../lambda/shared/workspace-id';

/** SendMessageBatch: at most 10 messages and 1 MiB (bodies and attributes together) per call. */
export const SQS_BATCH_LIMITS = { maxCount: 10, maxBytes: SQS_MAX_MESSAGE_BYTES } as const;

/**
 * The largest batched body producers build: the largest the dispatcher accepts (a larger one is
 * dead-lettered whole), which is within the ingest queue's own limit.
 */
export const MAX_BATCH_BODY_BYTES = MAX_INGEST_BODY_BYTES;

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
  /** Messages per SendMessageBatch call, at most 10: fewer keeps batched messages' events from arriving in bursts. @default 10 */
  readonly messagesPerCall?: number;
}

/**
 * Sends message bodies exactly as given with SendMessageBatch, 10 (and at most 1 MiB) per call.
 * On a FIFO queue each message is grouped by `workspace_id:visitor_id` (see `fifoMessageGroupId`),
 * a batched message by `workspace_id:batched` (see `batchMessageGroupId`), and deduplicated on its
 * content.
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
  for (const chunk of chunkByCountAndSize(indexed, ({ body }) => utf8Bytes(body), {
    ...SQS_BATCH_LIMITS,
    maxCount: Math.min(SQS_BATCH_LIMITS.maxCount, options.messagesPerCall ?? SQS_BATCH_LIMITS.maxCount),
  })) {
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

/**
 * The `MessageGroupId` of a producer's batched messages on a FIFO ingest queue: one group per
 * workspace, for the dispatcher orders a batch's events per visitor within its message's group,
 * so a visitor's events in two batches must share it. It names its workspace, as every group must.
 */
export const batchMessageGroupId = (workspaceId: string): string => `${workspaceId}:batched`;

/**
 * `workspace_id:visitor_id`, as producers group on a FIFO ingest queue (`workspace_id:batched` for
 * a batched message); a body without them gets a group all the same.
 */
export function messageGroupOf(body: string): string {
  try {
    const message = JSON.parse(body) as {
      workspace_id?: unknown;
      visitor?: { visitor_id?: unknown };
    } | null;
    const workspace = typeof message?.workspace_id === 'string' ? message.workspace_id : 'no-workspace';
    if (message !== null && typeof message === 'object' && Object.hasOwn(message, INGEST_BATCH_KEY)) {
      return batchMessageGroupId(workspace);
    }
    const visitorId =
      typeof message?.visitor?.visitor_id === 'string' ? message.visitor.visitor_id : 'no-visitor';
    return fifoMessageGroupId(workspace, visitorId);
  } catch {
    return 'no-workspace:no-visitor';
  }
}

/**
 * Packs single ingest messages into batched ones of up to `perMessage` events (one workspace
 * each, order kept within a workspace, each at most `MAX_BATCH_BODY_BYTES`). A body that cannot
 * share a batch goes as it is, where it was: a batch already, or one whose `workspace_id` is
 * missing or invalid (its neighbours would be dead-lettered with it), or not a JSON object. With
 * `perMessage` 1, the bodies unchanged.
 */
export function batchBodies(bodies: readonly string[], perMessage: number): string[] {
  if (perMessage <= 1) return [...bodies];
  const result: string[] = [];
  let run: Record<string, unknown>[] = [];
  const flush = () => {
    result.push(...toBatchBodies(run, perMessage, MAX_BATCH_BODY_BYTES));
    run = [];
  };
  for (const body of bodies) {
    const single = packable(body);
    if (single) {
      run.push(single);
      continue;
    }
    flush();
    result.push(body);
  }
  flush();
  return result;
}

/** A single ingest message that may share a batch: a JSON object naming a valid workspace. */
function packable(body: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  if (Object.hasOwn(value, INGEST_BATCH_KEY)) return undefined;
  const message = value as Record<string, unknown>;
  return WorkspaceIdSchema.safeParse(message.workspace_id).success ? message : undefined;
}

/** Events a body carries: one for a single message (valid or not), one per element of a batch. */
export const eventCountOf = (body: string): number => eventsOfBody(body).events.length;

/** An event as the dispatcher's logs and `npm run trace` name it. */
export interface EventIds {
  readonly workspaceId: string;
  readonly distinctId: string;
  readonly visitorId: string;
}

/**
 * The events these bodies carry, once each, read as the dispatcher reads them (each event of a
 * batched message apart): an event without a `distinct_id` gets the one derived from its content;
 * one the dispatcher would dead-letter as invalid has none.
 */
export function eventIdsOf(bodies: Iterable<string>): EventIds[] {
  const events = new Map<string, EventIds>();
  for (const body of bodies) {
    for (const { message } of eventsOfBody(body).events) {
      if (!message.ok) continue;
      const { workspaceId, payload } = message;
      const ids = {
        workspaceId,
        distinctId: payload.event.distinct_id,
        visitorId: payload.visitor.visitor_id,
      };
      const key = JSON.stringify([workspaceId, ids.distinctId]);
      if (!events.has(key)) events.set(key, ids);
    }
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
