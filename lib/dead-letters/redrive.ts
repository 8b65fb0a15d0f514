import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { toRedriveEntry } from '../../lambda/dispatcher/settle/redrive-entry';

export interface RedriveOptions {
  readonly deadLetterQueueUrl: string;
  readonly ingestQueueUrl: string;
  readonly errorCode?: string;
  readonly workspaceId?: string;
  /** A destination id, in any workspace; with `workspaceId`, of that workspace. */
  readonly destinationId?: string;
  readonly dryRun?: boolean;
  /** How long letters being looked at stay hidden from other readers. @default 120 s */
  readonly visibilityTimeoutSeconds?: number;
  readonly onProgress?: (looked: number) => void;
  /** Told of every letter looked at (with `dryRun`, the queue is read and left as it was). */
  readonly onLetter?: (letter: Message) => void;
}

export interface RedriveSummary {
  readonly looked: number;
  readonly selected: number;
  readonly moved: number;
  readonly failed: number;
  /** Selected letters by workspace, error code and destination. */
  readonly byReason: Record<string, number>;
}

const attribute = (message: Message, name: string) => message.MessageAttributes?.[name]?.StringValue;

/** A letter's workspace: its attribute, or (older letters) its body's `workspace_id`, if it has one. */
function workspaceOf(message: Message): string | undefined {
  const named = attribute(message, 'workspace_id');
  if (named) return named;
  try {
    const { workspace_id: workspace } = JSON.parse(message.Body ?? '') as { workspace_id?: unknown };
    return typeof workspace === 'string' ? workspace : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads the whole dead-letter queue once, sends the selected letters to the ingest queue and
 * deletes them only once sent; puts every other letter back at once.
 */
export async function redrive(sqs: SQSClient, options: RedriveOptions): Promise<RedriveSummary> {
  const fifo = options.ingestQueueUrl.endsWith('.fifo');
  const byReason: Record<string, number> = {};
  const keep: Message[] = [];
  let looked = 0;
  let selected = 0;
  let moved = 0;
  let failed = 0;
  // Letters written after the redrive began (perhaps by the redrive itself) are not looked at again.
  const startedAt = Date.now();

  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 120,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'SentTimestamp'],
      }),
    );
    if (Messages.length === 0) break;
    const fresh = Messages.filter((m) => Number(m.Attributes?.SentTimestamp ?? 0) >= startedAt);
    keep.push(...fresh);
    const earlier = Messages.filter((m) => !fresh.includes(m));
    looked += earlier.length;
    for (const letter of earlier) options.onLetter?.(letter);
    const chosen = earlier.filter(
      (m) =>
        (!options.errorCode || attribute(m, 'error_code') === options.errorCode) &&
        (!options.workspaceId || workspaceOf(m) === options.workspaceId) &&
        (!options.destinationId || attribute(m, 'destination_id') === options.destinationId),
    );
    keep.push(...earlier.filter((m) => !chosen.includes(m)));
    selected += chosen.length;
    for (const m of chosen) {
      const reason = `${workspaceOf(m) ?? '(no workspace)'}: ${attribute(m, 'error_code') ?? 'unknown'}${attribute(m, 'destination_id') ? ` (${attribute(m, 'destination_id')})` : ''}`;
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    }
    if (options.dryRun) {
      keep.push(...chosen);
    } else if (chosen.length > 0) {
      const sent = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: options.ingestQueueUrl,
          Entries: chosen.map((m, i) => toIngestEntry(m, String(i), fifo)),
        }),
      );
      const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
      const done = chosen.filter((_, i) => ok.has(String(i)));
      keep.push(...chosen.filter((_, i) => !ok.has(String(i))));
      failed += chosen.length - done.length;
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: options.deadLetterQueueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      moved += done.length;
    }
    options.onProgress?.(looked);
  }

  for (let i = 0; i < keep.length; i += 10) {
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: options.deadLetterQueueUrl,
        Entries: keep
          .slice(i, i + 10)
          .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
      }),
    );
  }
  return { looked, selected, moved, failed, byReason };
}

/** A queued letter as the redrive message builder reads it: the API's redrive builds the same message. */
function toIngestEntry(message: Message, id: string, fifo: boolean) {
  return toRedriveEntry(
    {
      messageId: message.MessageId ?? '',
      body: message.Body ?? '',
      attributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
      ),
      ...(message.Attributes?.MessageGroupId && { messageGroupId: message.Attributes.MessageGroupId }),
    },
    id,
    fifo,
  );
}
