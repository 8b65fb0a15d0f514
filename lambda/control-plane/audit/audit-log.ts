import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { registryKeys } from '../../shared/registry-table';

/** Who made a change: a signed-in person, a workspace API key, or an operator's IAM identity (bootstrap CLI). */
export interface Actor {
  readonly type: 'user' | 'api-key' | 'iam';
  /** The user's Cognito `sub`, the key's id, or the IAM ARN. */
  readonly id: string;
  /** Shown next to the id: the user's email. Never a secret. */
  readonly name?: string;
}

/** The request a change belongs to: every audit event and version records it. */
export interface ChangeContext {
  readonly actor: Actor;
  readonly requestId: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

/** A change as the audit log tells it. */
export interface AuditEvent {
  readonly id: string;
  readonly workspace: string;
  readonly at: string;
  /** `destination.create`, `workspace.publish`, `member.invite`, `api-key.revoke`, … */
  readonly action: string;
  /** What changed: `destination/orders`, `member/<user id>`, `api-key/<key id>`, `workspace`. */
  readonly target: string;
  readonly actor: Actor;
  readonly requestId: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** Versions (or other state) before and after: `{ liveVersion: 3 }`, `{ draftRevision: 7 }`, `{ role: 'viewer' }`. */
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
}

export interface AuditedChange {
  readonly action: string;
  readonly target: string;
  readonly before?: Record<string, unknown>;
  readonly after?: Record<string, unknown>;
}

/** The actor as one string, for the fields that hold one (a version's `publishedBy`). */
export const actorLabel = (actor: Actor): string => `${actor.type}:${actor.id}`;

/** A change made outside any HTTP request: an operator's bootstrap CLI or the local runtime. */
export function iamChangeContext(arn: string): ChangeContext {
  return { actor: { type: 'iam', id: arn }, requestId: randomUUID() };
}

const USER_AGENT_MAX = 256;

/**
 * The audit event of one change, as an item to write in the same transaction as the change
 * itself: a change is never recorded without happening, nor happens unrecorded. Sorted by time
 * within the workspace's item collection (`audit#<ISO time>#<id>`).
 */
export function auditItem(
  tableName: string,
  workspaceId: string,
  context: ChangeContext,
  change: AuditedChange,
  at: string,
): TransactWriteItem {
  const id = randomUUID();
  return {
    Put: {
      TableName: tableName,
      Item: {
        ...registryKeys.audit(workspaceId, at, id),
        at: { S: at },
        action: { S: change.action },
        target: { S: change.target },
        actor_type: { S: context.actor.type },
        actor_id: { S: context.actor.id },
        ...(context.actor.name && { actor_name: { S: context.actor.name } }),
        request_id: { S: context.requestId },
        ...(context.sourceIp && { source_ip: { S: context.sourceIp } }),
        ...(context.userAgent && { user_agent: { S: context.userAgent.slice(0, USER_AGENT_MAX) } }),
        ...(change.before && { before: { S: JSON.stringify(change.before) } }),
        ...(change.after && { after: { S: JSON.stringify(change.after) } }),
      },
    },
  };
}

/**
 * Writes a change and its audit event in one transaction. Throws DynamoDB's
 * `TransactionCanceledException` when a condition of the change fails: the caller says what that means.
 */
export async function writeAudited(
  dynamodb: DynamoDBClient,
  tableName: string,
  workspaceId: string,
  context: ChangeContext,
  change: AuditedChange,
  items: readonly TransactWriteItem[],
  at: string,
): Promise<void> {
  await dynamodb.send(
    new TransactWriteItemsCommand({
      TransactItems: [...items, auditItem(tableName, workspaceId, context, change, at)],
    }),
  );
}

export interface AuditPage {
  readonly events: AuditEvent[];
  /** Give it back as `cursor` for the next (older) page; absent on the last. */
  readonly nextCursor?: string;
}

/** A workspace's audit events, newest first. */
export async function listAuditEvents(
  dynamodb: DynamoDBClient,
  tableName: string,
  workspaceId: string,
  page: { readonly limit: number; readonly cursor?: string },
): Promise<AuditPage> {
  const { Items = [], LastEvaluatedKey } = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': { S: `workspace#${workspaceId}` }, ':audit': { S: 'audit#' } },
      ScanIndexForward: false,
      Limit: page.limit,
      ...(page.cursor && { ExclusiveStartKey: decodeCursor(workspaceId, page.cursor) }),
    }),
  );
  return {
    events: Items.map((item) => toAuditEvent(workspaceId, item)),
    ...(LastEvaluatedKey?.sk?.S && { nextCursor: Buffer.from(LastEvaluatedKey.sk.S).toString('base64url') }),
  };
}

/** A cursor is the sort key it stops at: only ever one of this workspace's audit keys. */
function decodeCursor(workspaceId: string, cursor: string): Record<string, AttributeValue> {
  const sk = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^audit#[0-9TZ:.-]+#[0-9a-f-]{36}$/.test(sk)) throw new InvalidCursorError();
  return { pk: { S: `workspace#${workspaceId}` }, sk: { S: sk } };
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this API gave');
    this.name = 'InvalidCursorError';
  }
}

function toAuditEvent(workspaceId: string, item: Record<string, AttributeValue>): AuditEvent {
  const parse = (value?: AttributeValue) =>
    value?.S ? (JSON.parse(value.S) as Record<string, unknown>) : undefined;
  const before = parse(item.before);
  const after = parse(item.after);
  return {
    id: (item.sk?.S ?? '').split('#').pop() ?? '',
    workspace: workspaceId,
    at: item.at?.S ?? '',
    action: item.action?.S ?? '',
    target: item.target?.S ?? '',
    actor: {
      type: (item.actor_type?.S ?? 'iam') as Actor['type'],
      id: item.actor_id?.S ?? '',
      ...(item.actor_name?.S && { name: item.actor_name.S }),
    },
    requestId: item.request_id?.S ?? '',
    ...(item.source_ip?.S && { sourceIp: item.source_ip.S }),
    ...(item.user_agent?.S && { userAgent: item.user_agent.S }),
    ...(before && { before }),
    ...(after && { after }),
  };
}
