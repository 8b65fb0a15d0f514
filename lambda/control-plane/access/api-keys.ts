import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { registryKeys } from '../../shared/registry-table';
import { actorLabel, type ChangeContext, writeAudited } from '../audit/audit-log';
import type { Role } from './roles';

/**
 * A workspace API key as written: `edk_<key id>_<secret>`. The key id is the visible prefix (in
 * lists, audit events and logs); the secret is 32 random bytes, shown once and stored only as its
 * SHA-256 (a random 256-bit secret needs no slow hash: there is nothing to guess from the hash).
 */
const KEY_PATTERN = /^edk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const isApiKey = (token: string): boolean => token.startsWith('edk_');

/** A key as its workspace's admins see it: never the secret, never its hash. */
export interface ApiKeySummary {
  readonly id: string;
  /** What a person sees of the key to recognise it: `edk_<id>`. */
  readonly prefix: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly expiresAt?: string;
  readonly lastUsedAt?: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}

/** What the authorizer learns of a presented key, in the workspace of the request's path. */
export type KeyVerdict =
  | { readonly outcome: 'valid'; readonly keyId: string; readonly role: Role }
  /** Not a key of this workspace (another's, none at all, or a wrong secret): the API answers 404, as for a non-member. */
  | { readonly outcome: 'elsewhere'; readonly keyId: string }
  /** Malformed, revoked or expired: 401. */
  | { readonly outcome: 'invalid'; readonly reason: 'malformed' | 'revoked' | 'expired' };

/** How often a key's last-used time is written at most: one write a minute, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const hash = (secret: string): Buffer => createHash('sha256').update(secret).digest();

export class ApiKeys {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A new key for the workspace: the returned `key` is the only time anyone sees it. */
  async create(
    workspaceId: string,
    request: { readonly name: string; readonly role: Role; readonly expiresAt?: string },
    context: ChangeContext,
  ): Promise<{ key: string; summary: ApiKeySummary }> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const at = this.now().toISOString();
    const summary: ApiKeySummary = {
      id,
      prefix: `edk_${id}`,
      name: request.name,
      role: request.role,
      createdAt: at,
      createdBy: actorLabel(context.actor),
      ...(request.expiresAt && { expiresAt: request.expiresAt }),
    };
    try {
      await writeAudited(
        this.dynamodb,
        this.tableName,
        workspaceId,
        context,
        {
          action: 'api-key.create',
          target: `api-key/${id}`,
          after: { role: request.role, ...(request.expiresAt && { expiresAt: request.expiresAt }) },
        },
        [
          workspaceExists(this.tableName, workspaceId),
          {
            Put: {
              TableName: this.tableName,
              Item: {
                ...registryKeys.apiKey(workspaceId, id),
                key_name: { S: request.name },
                role: { S: request.role },
                secret_hash: { B: hash(secret) },
                created_at: { S: at },
                created_by: { S: summary.createdBy },
                ...(request.expiresAt && { expires_at: { S: request.expiresAt } }),
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
        at,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new WorkspaceGoneError(workspaceId);
      throw error;
    }
    return { key: `edk_${id}_${secret}`, summary };
  }

  async list(workspaceId: string): Promise<ApiKeySummary[]> {
    const keys: ApiKeySummary[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
          ExpressionAttributeValues: { ':pk': { S: `workspace#${workspaceId}` }, ':key': { S: 'api-key#' } },
          ExclusiveStartKey,
        }),
      );
      keys.push(...(page.Items ?? []).map(toSummary));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** Revokes a key at once: the next request with it gets 401. Undefined when the workspace has no such key. */
  async revoke(
    workspaceId: string,
    keyId: string,
    context: ChangeContext,
  ): Promise<ApiKeySummary | undefined> {
    const at = this.now().toISOString();
    try {
      await writeAudited(
        this.dynamodb,
        this.tableName,
        workspaceId,
        context,
        { action: 'api-key.revoke', target: `api-key/${keyId}` },
        [
          {
            Update: {
              TableName: this.tableName,
              Key: registryKeys.apiKey(workspaceId, keyId),
              UpdateExpression: 'SET revoked_at = :at, revoked_by = :by',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revoked_at)',
              ExpressionAttributeValues: { ':at': { S: at }, ':by': { S: actorLabel(context.actor) } },
            },
          },
        ],
        at,
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Already revoked: revoking again changes nothing and records nothing.
    }
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.apiKey(workspaceId, keyId),
        ConsistentRead: true,
      }),
    );
    return Item ? toSummary(Item) : undefined;
  }

  /** Checks a presented key against the workspace in the request's path. */
  async verify(workspaceId: string | undefined, token: string): Promise<KeyVerdict> {
    const match = KEY_PATTERN.exec(token);
    if (!match) return { outcome: 'invalid', reason: 'malformed' };
    const [, keyId, secret] = match;
    if (!workspaceId) return { outcome: 'elsewhere', keyId };
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.apiKey(workspaceId, keyId),
        ConsistentRead: true,
      }),
    );
    if (!Item) return { outcome: 'elsewhere', keyId };
    const stored = Item.secret_hash?.B;
    // A wrong secret is no key of this workspace: the same 404 as an unknown id, so that
    // nobody learns which key ids exist.
    if (stored?.length !== 32 || !timingSafeEqual(Buffer.from(stored), hash(secret)))
      return { outcome: 'elsewhere', keyId };
    if (Item.revoked_at?.S) return { outcome: 'invalid', reason: 'revoked' };
    if (Item.expires_at?.S && Date.parse(Item.expires_at.S) <= this.now().getTime())
      return { outcome: 'invalid', reason: 'expired' };
    await this.touch(workspaceId, keyId);
    return { outcome: 'valid', keyId, role: toSummary(Item).role };
  }

  /** Records the key's use, at most once a minute. */
  private async touch(workspaceId: string, keyId: string): Promise<void> {
    const now = this.now();
    try {
      await this.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: registryKeys.apiKey(workspaceId, keyId),
          UpdateExpression: 'SET last_used_at = :now',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :stale)',
          ExpressionAttributeValues: {
            ':now': { S: now.toISOString() },
            ':stale': { S: new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString() },
          },
        }),
      );
    } catch (error) {
      // Used within the last minute (the condition), or the write failed: the key is still valid,
      // and its last-used time is a hint, not worth refusing a request over.
      if (!(error instanceof ConditionalCheckFailedException)) return;
    }
  }
}

/** A change to a workspace that no longer exists (or never did). */
export class WorkspaceGoneError extends Error {
  constructor(readonly workspaceId: string) {
    super(`no workspace "${workspaceId}"`);
    this.name = 'WorkspaceGoneError';
  }
}

/** A transaction's guard: the workspace exists. */
export function workspaceExists(tableName: string, workspaceId: string) {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: registryKeys.workspace(workspaceId),
      ConditionExpression: 'attribute_exists(pk)',
    },
  };
}

function toSummary(item: Record<string, AttributeValue>): ApiKeySummary {
  const id = (item.sk?.S ?? '').replace(/^api-key#/, '');
  return {
    id,
    prefix: `edk_${id}`,
    name: item.key_name?.S ?? '',
    role: (item.role?.S ?? 'viewer') as Role,
    createdAt: item.created_at?.S ?? '',
    createdBy: item.created_by?.S ?? '',
    ...(item.expires_at?.S && { expiresAt: item.expires_at.S }),
    ...(item.last_used_at?.S && { lastUsedAt: item.last_used_at.S }),
    ...(item.revoked_at?.S && { revokedAt: item.revoked_at.S }),
    ...(item.revoked_by?.S && { revokedBy: item.revoked_by.S }),
  };
}
