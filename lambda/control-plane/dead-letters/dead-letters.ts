import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { toRedriveEntry } from '../../dispatcher/settle/redrive-entry';
import { sendMessages } from '../../dispatcher/settle/send-messages';
import { batchWrite } from '../../shared/batch-write';
import {
  deadLetterPartition,
  fromDeadLetterItem,
  LETTER_ID_PATTERN,
  letterIdBounds,
  queuedAttributes,
  type StoredDeadLetter,
  SUMMARY_ATTRIBUTES,
} from '../../shared/dead-letter-store';
import { type ChangeContext, InvalidCursorError, writeAudited } from '../audit/audit-log';

/** Letters one redrive or discard takes at most: the rest wait for the next request. */
export const MAX_LETTERS_PER_REQUEST = 500;

/** Query calls one page of the list makes at most: a selective filter answers a short page and a cursor. */
const MAX_LIST_QUERIES = 5;

/** Query calls (`Select: COUNT`) spent counting what a selection left: past them, `remaining` is a lower bound. */
const MAX_COUNT_QUERIES = 10;

/**
 * Letters read, sent and removed at a time: one chunk of bodies (up to 1 MiB each) in memory at
 * once, and 25 deletes make one BatchWriteItem call.
 */
const CHUNK = 25;

/** Bodies one redrive sends at most (past one letter): its SQS sends finish well within the API's 29 s. */
export const MAX_REDRIVE_BYTES = 16 * 1024 * 1024;

/** Which letters: a destination (its letters, and those of retries still going to it), a code, a time range. */
export interface DeadLetterFilter {
  readonly destination?: string;
  readonly code?: string;
  /** ISO 8601, included. */
  readonly from?: string;
  /** ISO 8601, included. */
  readonly to?: string;
}

/** The letters a redrive or discard takes: these ids, or all matching a filter (oldest first). */
export type DeadLetterSelection =
  | { readonly letters: readonly string[] }
  | { readonly filter: DeadLetterFilter };

/** A letter as the API shows it; the body only to those who may read it. */
export interface DeadLetterView {
  readonly id: string;
  readonly at: string;
  readonly errorCode: string;
  readonly reason: string;
  readonly attempts: number;
  readonly destinationId?: string;
  readonly targets?: readonly string[];
  readonly distinctId?: string;
  readonly mappingVersion?: number;
  /** When the store (and the dead-letter queue) forgets it. */
  readonly expiresAt: string;
  /** The original ingest body, unchanged. */
  readonly body?: string;
}

export interface DeadLetterPage {
  readonly letters: DeadLetterView[];
  /** Give it back as `cursor` for the next (older) page; absent on the last. */
  readonly nextCursor?: string;
}

/** What a redrive or discard took and left. */
export interface SelectionOutcome {
  /** Letters this request took: found among the ids given, or matching the filter (at most `MAX_LETTERS_PER_REQUEST`). */
  readonly matched: number;
  /** Ids given that name no letter of this workspace (never were, expired, or already redriven or discarded). */
  readonly notFound: readonly string[];
  /**
   * Letters left for the next request, past this one's bounds: those still matching the filter
   * (counted), or the ids given that it did not get to (`left`).
   */
  readonly remaining: number;
  /** False when counting stopped early: there are at least `remaining`. */
  readonly remainingExact: boolean;
  /** Ids given that this request did not get to (past its bounds): give them again. */
  readonly left: readonly string[];
}

export interface RedriveOutcome extends SelectionOutcome {
  /** Sent to the ingest queue, each as `npm run redrive` sends it, and removed from the store. */
  readonly redriven: number;
  /** Not sent: they stay in the store, to redrive again. */
  readonly failed: number;
  /** Sent, but still in the store (its delete failed): a second redrive sends them again, and consumers deduplicate. */
  readonly notRemoved: number;
}

export interface DiscardOutcome extends SelectionOutcome {
  readonly discarded: number;
  /** Still in the store: their delete failed. */
  readonly failed: number;
}

export interface DeadLettersOptions {
  readonly dynamodb: DynamoDBClient;
  /** The dead-letter store. */
  readonly tableName: string;
  /** Where audit events go: the registry. */
  readonly auditTableName: string;
  /** The ingest queue, where redriven letters go. @default none: redrive is not available */
  readonly ingest?: { readonly sqs: SQSClient; readonly queueUrl: string };
}

/**
 * A workspace's dead letters in the dead-letter store, as the API reads and acts on them. Every
 * key is built from the workspace given (the path's), and a cursor is only ever one of its keys:
 * another workspace's letters cannot be named, read or touched.
 */
export class DeadLetters {
  constructor(private readonly options: DeadLettersOptions) {}

  /** Whether letters can be redriven here: the API knows the ingest queue. */
  get canRedrive(): boolean {
    return this.options.ingest !== undefined;
  }

  /** The workspace's letters, newest first, without their bodies. */
  async list(
    workspaceId: string,
    page: { readonly filter: DeadLetterFilter; readonly limit: number; readonly cursor?: string },
  ): Promise<DeadLetterPage> {
    const letters: DeadLetterView[] = [];
    let startKey = page.cursor ? decodeCursor(workspaceId, page.cursor) : undefined;
    let nextKey: string | undefined;
    for (let call = 0; call < MAX_LIST_QUERIES && letters.length < page.limit; call++) {
      const { Items = [], LastEvaluatedKey } = await this.options.dynamodb.send(
        new QueryCommand({
          ...this.query(workspaceId, page.filter, { newestFirst: true, projection: SUMMARY_ATTRIBUTES }),
          Limit: page.limit,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      const room = page.limit - letters.length;
      const taken = Items.slice(0, room);
      letters.push(...taken.map((item) => view(fromDeadLetterItem(workspaceId, item), false)));
      // Cut short: the next page starts after the last letter shown, not after the last one read.
      nextKey = Items.length > room ? taken[taken.length - 1]?.sk?.S : LastEvaluatedKey?.sk?.S;
      if (!nextKey) break;
      startKey = { pk: { S: deadLetterPartition(workspaceId) }, sk: { S: nextKey } };
    }
    return {
      letters,
      ...(nextKey && { nextCursor: Buffer.from(nextKey).toString('base64url') }),
    };
  }

  /** One letter of the workspace, with its body when asked for; undefined when it has none by this id. */
  async get(
    workspaceId: string,
    id: string,
    options: { readonly withBody: boolean },
  ): Promise<DeadLetterView | undefined> {
    if (!LETTER_ID_PATTERN.test(id)) return undefined;
    const projection = options.withBody ? [...SUMMARY_ATTRIBUTES, 'body'] : SUMMARY_ATTRIBUTES;
    const { Item } = await this.options.dynamodb.send(
      new GetItemCommand({
        TableName: this.options.tableName,
        Key: { pk: { S: deadLetterPartition(workspaceId) }, sk: { S: id } },
        ...projectionOf(projection),
      }),
    );
    return Item ? view(fromDeadLetterItem(workspaceId, Item), options.withBody) : undefined;
  }

  /**
   * Sends the selected letters back to the ingest queue, each exactly as `npm run redrive` would
   * (same targets, mapping version and pin, deduplication id, redrive marker), in SendMessageBatch
   * calls; removes those sent from the store; then writes the audit event. Works through the
   * selection a chunk at a time (read, send, remove), within `MAX_LETTERS_PER_REQUEST` letters and
   * `MAX_REDRIVE_BYTES` of bodies.
   */
  async redrive(
    workspaceId: string,
    selection: DeadLetterSelection,
    change: ChangeContext,
  ): Promise<RedriveOutcome> {
    const { ingest } = this.options;
    if (!ingest) throw new Error('redrive needs the ingest queue: INGEST_QUEUE_URL is not set');
    const fifo = ingest.queueUrl.endsWith('.fifo');
    const now = Date.now();
    let failed = 0;
    let notRemoved = 0;
    const selected = await this.process(workspaceId, selection, { withBody: true }, async (letters) => {
      const unsent = await sendMessages(
        ingest.sqs,
        ingest.queueUrl,
        letters.map((letter, index) =>
          toRedriveEntry(
            {
              messageId: letter.messageId,
              body: letter.body ?? '',
              attributes: queuedAttributes(letter),
              ...(letter.messageGroupId && { messageGroupId: letter.messageGroupId }),
            },
            String(index),
            fifo,
            now,
          ),
        ),
      );
      failed += unsent.size;
      const { failed: stayed } = await this.remove(
        workspaceId,
        letters.filter((_, index) => !unsent.has(index)),
      );
      notRemoved += stayed.size;
    });
    const outcome: RedriveOutcome = {
      ...selected,
      redriven: selected.matched - failed,
      failed,
      notRemoved,
    };
    await this.audit(workspaceId, change, 'dead-letters.redrive', selection, outcome);
    return outcome;
  }

  /** Deletes the selected letters from the store (the operator's queue keeps its copies), audited. */
  async discard(
    workspaceId: string,
    selection: DeadLetterSelection,
    change: ChangeContext,
  ): Promise<DiscardOutcome> {
    let failed = 0;
    const selected = await this.process(workspaceId, selection, { withBody: false }, async (letters) => {
      failed += (await this.remove(workspaceId, letters)).failed.size;
    });
    const outcome: DiscardOutcome = { ...selected, discarded: selected.matched - failed, failed };
    await this.audit(workspaceId, change, 'dead-letters.discard', selection, outcome);
    return outcome;
  }

  /**
   * The audit event, written on its own after the letters moved. Not in a transaction with the
   * change: a redrive's effects are SQS sends and up to 500 deletes, which no DynamoDB transaction
   * holds (SQS is outside it; 100 items at most), so a transaction could only tie the event to a
   * summary item that proves nothing more. Written after, it holds what actually happened.
   */
  private async audit(
    workspaceId: string,
    change: ChangeContext,
    action: string,
    selection: DeadLetterSelection,
    outcome: RedriveOutcome | DiscardOutcome,
  ): Promise<void> {
    const { notFound, left, ...counts } = outcome;
    await writeAudited(
      this.options.dynamodb,
      this.options.auditTableName,
      workspaceId,
      change,
      {
        action,
        target: 'dead-letters',
        after: {
          selection:
            'letters' in selection ? { letters: selection.letters.length } : { filter: selection.filter },
          ...counts,
          notFound: notFound.length,
          left: left.length,
        },
      },
      [],
      new Date().toISOString(),
    );
  }

  /** Deletes letters of the workspace, 25 a call, unprocessed ones retried a few times. */
  private remove(workspaceId: string, letters: readonly StoredDeadLetter[]) {
    return batchWrite(
      this.options.dynamodb,
      this.options.tableName,
      letters.map((letter) => ({ delete: { pk: deadLetterPartition(workspaceId), sk: letter.id } })),
    );
  }

  /**
   * Hands the selected letters to `act` a chunk at a time (only what one chunk holds is in memory),
   * up to `MAX_LETTERS_PER_REQUEST` letters and, with their bodies, `MAX_REDRIVE_BYTES` of them
   * (one letter at least); says what it took and what it left.
   */
  private async process(
    workspaceId: string,
    selection: DeadLetterSelection,
    options: { readonly withBody: boolean },
    act: (letters: StoredDeadLetter[]) => Promise<void>,
  ): Promise<SelectionOutcome> {
    let matched = 0;
    let bytes = 0;
    /** How many of these letters fit what is left of the request's bounds. */
    const fitting = (letters: readonly StoredDeadLetter[]): number => {
      let n = 0;
      for (const letter of letters) {
        const size = options.withBody ? Buffer.byteLength(letter.body ?? '') : 0;
        if (matched + n >= MAX_LETTERS_PER_REQUEST) break;
        if (matched + n > 0 && bytes + size > MAX_REDRIVE_BYTES) break;
        bytes += size;
        n += 1;
      }
      return n;
    };
    if ('letters' in selection) {
      const ids = [...new Set(selection.letters)];
      const notFound: string[] = [];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        const letters = await this.byIds(workspaceId, chunk, options.withBody);
        const found = new Set(letters.map((l) => l.id));
        const taken = letters.slice(0, fitting(letters));
        if (taken.length > 0) await act(taken);
        matched += taken.length;
        if (taken.length < letters.length) {
          // Past the bounds: the rest of this chunk (found) and every id after it wait.
          const done = new Set(taken.map((l) => l.id));
          const left = [...chunk.filter((id) => found.has(id) && !done.has(id)), ...ids.slice(i + CHUNK)];
          notFound.push(...chunk.filter((id) => !found.has(id)));
          return { matched, notFound, remaining: left.length, remainingExact: true, left };
        }
        notFound.push(...chunk.filter((id) => !found.has(id)));
      }
      return { matched, notFound, remaining: 0, remainingExact: true, left: [] };
    }
    const base = this.query(workspaceId, selection.filter, {
      newestFirst: false,
      projection: options.withBody ? [...SUMMARY_ATTRIBUTES, 'body'] : SUMMARY_ATTRIBUTES,
    });
    let startKey: Record<string, AttributeValue> | undefined;
    for (;;) {
      const page: QueryCommandOutput = await this.options.dynamodb.send(
        new QueryCommand({
          ...base,
          // Bodies up to 1 MiB each: a chunk of them at a time.
          Limit: options.withBody ? CHUNK : 4 * CHUNK,
          ...(startKey && { ExclusiveStartKey: startKey }),
        }),
      );
      const letters = (page.Items ?? []).map((found) => fromDeadLetterItem(workspaceId, found));
      const taken = letters.slice(0, fitting(letters));
      if (taken.length > 0) await act(taken);
      matched += taken.length;
      if (taken.length < letters.length) {
        // Cut short: what is left starts after the last letter taken, not after the page.
        // None taken: it starts where this page did.
        const last = taken[taken.length - 1];
        if (last) startKey = keyOf(workspaceId, last.id);
        break;
      }
      startKey = page.LastEvaluatedKey;
      if (!startKey || matched >= MAX_LETTERS_PER_REQUEST) break;
    }
    const counted = startKey
      ? await this.count(workspaceId, selection.filter, startKey)
      : { n: 0, exact: true };
    return { matched, notFound: [], remaining: counted.n, remainingExact: counted.exact, left: [] };
  }

  private async byIds(workspaceId: string, ids: readonly string[], withBody: boolean) {
    const letters: StoredDeadLetter[] = [];
    const projection = projectionOf(withBody ? [...SUMMARY_ATTRIBUTES, 'body'] : SUMMARY_ATTRIBUTES);
    let keys: Record<string, AttributeValue>[] = ids
      .filter((id) => LETTER_ID_PATTERN.test(id))
      .map((id) => ({ pk: { S: deadLetterPartition(workspaceId) }, sk: { S: id } }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      const { Responses, UnprocessedKeys } = await this.options.dynamodb.send(
        new BatchGetItemCommand({
          RequestItems: { [this.options.tableName]: { Keys: keys, ...projection } },
        }),
      );
      for (const item of Responses?.[this.options.tableName] ?? [])
        letters.push(fromDeadLetterItem(workspaceId, item));
      keys = UnprocessedKeys?.[this.options.tableName]?.Keys ?? [];
      if (keys.length === 0) break;
      if (attempt >= 4) throw new Error('the dead-letter store left keys unprocessed: try again');
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** (attempt - 1)));
    }
    // As given, whatever order the store answered in.
    const order = new Map(ids.map((id, index) => [id, index]));
    return letters.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  }

  /** Letters matching the filter after `startKey`, counted with a bounded number of queries. */
  private async count(
    workspaceId: string,
    filter: DeadLetterFilter,
    from: Record<string, AttributeValue>,
  ): Promise<{ n: number; exact: boolean }> {
    const base = this.query(workspaceId, filter, { newestFirst: false });
    let n = 0;
    let startKey: Record<string, AttributeValue> | undefined = from;
    for (let call = 0; call < MAX_COUNT_QUERIES && startKey; call++) {
      const page: QueryCommandOutput = await this.options.dynamodb.send(
        new QueryCommand({ ...base, Select: 'COUNT', ExclusiveStartKey: startKey }),
      );
      n += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    }
    return { n, exact: startKey === undefined };
  }

  /** The query of the workspace's letters matching a filter: its partition only, a time range on the key. */
  private query(
    workspaceId: string,
    filter: DeadLetterFilter,
    options: { readonly newestFirst: boolean; readonly projection?: readonly string[] },
  ): QueryCommandInput {
    const names: Record<string, string> = {};
    const values: Record<string, AttributeValue> = { ':pk': { S: deadLetterPartition(workspaceId) } };
    let keyCondition = 'pk = :pk';
    if (filter.from || filter.to) {
      const bounds = letterIdBounds(
        filter.from ? Date.parse(filter.from) : 0,
        filter.to ? Date.parse(filter.to) : 9_999_999_999_999,
      );
      values[':from'] = { S: bounds.from };
      values[':to'] = { S: bounds.to };
      keyCondition += ' AND sk BETWEEN :from AND :to';
    }
    const conditions: string[] = [];
    if (filter.destination) {
      values[':destination'] = { S: filter.destination };
      conditions.push('(destination_id = :destination OR contains(target_destinations, :destination))');
    }
    if (filter.code) {
      values[':code'] = { S: filter.code };
      conditions.push('error_code = :code');
    }
    const projection = options.projection ? projectionOf(options.projection) : undefined;
    Object.assign(names, projection?.ExpressionAttributeNames);
    return {
      TableName: this.options.tableName,
      KeyConditionExpression: keyCondition,
      ...(conditions.length > 0 && { FilterExpression: conditions.join(' AND ') }),
      ExpressionAttributeValues: values,
      ...(projection && { ProjectionExpression: projection.ProjectionExpression }),
      ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
      ScanIndexForward: !options.newestFirst,
    };
  }
}

/** A projection, every name through a placeholder: no attribute name can collide with a reserved word. */
function projectionOf(attributes: readonly string[]): {
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
} {
  const names = Object.fromEntries(attributes.map((name, index) => [`#p${index}`, name]));
  return { ProjectionExpression: Object.keys(names).join(', '), ExpressionAttributeNames: names };
}

/** The key a query resumes after: this letter's. */
function keyOf(workspaceId: string, id: string): Record<string, AttributeValue> {
  return { pk: { S: deadLetterPartition(workspaceId) }, sk: { S: id } };
}

/** A cursor is the sort key it stops at: only ever one of this workspace's letter ids. */
function decodeCursor(workspaceId: string, cursor: string): Record<string, AttributeValue> {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!LETTER_ID_PATTERN.test(sk)) throw new InvalidCursorError();
  return { pk: { S: deadLetterPartition(workspaceId) }, sk: { S: sk } };
}

function view(letter: StoredDeadLetter, withBody: boolean): DeadLetterView {
  return {
    id: letter.id,
    at: letter.at,
    errorCode: letter.errorCode,
    reason: letter.reason,
    attempts: letter.attempts,
    ...(letter.destinationId && { destinationId: letter.destinationId }),
    ...(letter.targets && { targets: letter.targets }),
    ...(letter.distinctId && { distinctId: letter.distinctId }),
    ...(letter.mappingVersion !== undefined && { mappingVersion: letter.mappingVersion }),
    expiresAt: new Date(letter.expiresAt * 1000).toISOString(),
    ...(withBody && letter.body !== undefined && { body: letter.body }),
  };
}
