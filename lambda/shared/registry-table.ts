import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import type { DestinationSpec } from './destination-config';
import type { WorkspaceRecord } from './workspace';

/**
 * The destination registry's DynamoDB table, one item collection per workspace:
 *
 * | pk                    | sk                   | holds                                                   |
 * |-----------------------|----------------------|---------------------------------------------------------|
 * | `workspace#<id>`      | `workspace`          | external id, status, live version and its destinations  |
 * | `workspace#<id>`      | `draft`              | the draft destinations, who changed them and when       |
 * | `workspace#<id>`      | `version#<000000N>`  | published version N: content, when, who, what changed   |
 * | `account#<12 digits>` | `invoke-account`     | the one workspace that may invoke this account's functions without a role |
 * | `workspace#<id>`      | `audit#<time>#<id>`  | one change: who, what, when, from where (control plane)  |
 * | `workspace#<id>`      | `member#<user id>`   | a person's role in the workspace (control plane)        |
 * | `user#<user id>`      | `member#<workspace>` | the same membership, to list a person's workspaces      |
 * | `workspace#<id>`      | `api-key#<key id>`   | a workspace API key: its hash, role, expiry, revocation |
 *
 * The workspace item carries a copy of the live version's destinations, written in the same
 * transaction as the version, so the dispatcher loads a workspace with one read: the workspaces
 * of a batch that it has not cached with one `BatchGetItem` per 100.
 */
export const REGISTRY_KEY = { partition: 'pk', sort: 'sk' } as const;

export const registryKeys = {
  workspace: (id: string) => ({ pk: { S: `workspace#${id}` }, sk: { S: 'workspace' } }),
  draft: (id: string) => ({ pk: { S: `workspace#${id}` }, sk: { S: 'draft' } }),
  version: (id: string, version: number) => ({
    pk: { S: `workspace#${id}` },
    sk: { S: `version#${String(version).padStart(10, '0')}` },
  }),
  invokeAccount: (account: string) => ({ pk: { S: `account#${account}` }, sk: { S: 'invoke-account' } }),
  audit: (id: string, at: string, eventId: string) => ({
    pk: { S: `workspace#${id}` },
    sk: { S: `audit#${at}#${eventId}` },
  }),
  member: (id: string, userId: string) => ({ pk: { S: `workspace#${id}` }, sk: { S: `member#${userId}` } }),
  userMembership: (userId: string, id: string) => ({
    pk: { S: `user#${userId}` },
    sk: { S: `member#${id}` },
  }),
  apiKey: (id: string, keyId: string) => ({ pk: { S: `workspace#${id}` }, sk: { S: `api-key#${keyId}` } }),
} satisfies Record<string, (...args: never[]) => Record<string, AttributeValue>>;

/**
 * A workspace's key for `hmac` mappings: a Secrets Manager secret (32 random bytes, base64) the
 * registry creates with the workspace. Only the dispatcher reads it; nobody needs to see it.
 */
export const hmacKeySecretName = (workspaceId: string): string =>
  `event-delivery/workspaces/${workspaceId}/hmac-key`;
export const HMAC_KEY_SECRET_PREFIX = 'event-delivery/workspaces/';

/** The attributes the dispatcher reads: never the draft, never the history. */
const ROUTING_ATTRIBUTES = 'external_id, workspace_status, live_version, live_destinations, invoke_accounts';

/**
 * Reads what routing needs of one workspace: undefined when it does not exist. Errors (throttling,
 * network, access) are thrown for the caller to fall back on what it has.
 */
export async function readWorkspaceRecord(
  dynamodb: DynamoDBClient,
  tableName: string,
  workspaceId: string,
  abortSignal?: AbortSignal,
): Promise<WorkspaceRecord | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: registryKeys.workspace(workspaceId),
      ProjectionExpression: ROUTING_ATTRIBUTES,
    }),
    { abortSignal },
  );
  return Item ? toWorkspaceRecord(workspaceId, Item) : undefined;
}

/** Keys per `BatchGetItem`: DynamoDB's limit. */
export const BATCH_GET_MAX_KEYS = 100;
const UNPROCESSED_BACKOFF = { baseMs: 20, maxMs: 400 } as const;

/** DynamoDB left these keys unread (throttling, response size) until the read's time was up. */
export class UnprocessedKeysError extends Error {
  constructor(count: number) {
    super(`${count} registry keys left unprocessed until the read timed out`);
    this.name = 'UnprocessedKeysError';
  }
}

/**
 * Reads what routing needs of many workspaces: one `BatchGetItem` per 100 (chunks read at once),
 * the keys DynamoDB leaves unprocessed asked again with exponential backoff (full jitter) until
 * each chunk's `timeoutMs`. Each workspace gets its own outcome: its record, undefined when it
 * does not exist, or the error that kept it unread; a chunk that fails fails only its own keys.
 */
export async function readWorkspaceRecords(
  dynamodb: DynamoDBClient,
  tableName: string,
  workspaceIds: Iterable<string>,
  timeoutMs: number,
): Promise<Map<string, PromiseSettledResult<WorkspaceRecord | undefined>>> {
  const ids = [...new Set(workspaceIds)];
  const outcomes = new Map<string, PromiseSettledResult<WorkspaceRecord | undefined>>();
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += BATCH_GET_MAX_KEYS) chunks.push(ids.slice(i, i + BATCH_GET_MAX_KEYS));
  await Promise.all(
    chunks.map(async (chunk) => {
      const found = new Map<string, WorkspaceRecord>();
      let request: KeysAndAttributes | undefined = {
        Keys: chunk.map(registryKeys.workspace),
        // The partition key names each answer's workspace: answers come in no particular order.
        ProjectionExpression: `${REGISTRY_KEY.partition}, ${ROUTING_ATTRIBUTES}`,
      };
      const signal = AbortSignal.timeout(timeoutMs);
      let error: unknown;
      for (let attempt = 0; request?.Keys?.length; attempt++) {
        if (attempt > 0) {
          const ceiling = Math.min(
            UNPROCESSED_BACKOFF.maxMs,
            UNPROCESSED_BACKOFF.baseMs * 2 ** (attempt - 1),
          );
          try {
            await sleep(Math.random() * ceiling, undefined, { signal });
          } catch {
            error = new UnprocessedKeysError(request.Keys.length);
            break;
          }
        }
        try {
          const { Responses, UnprocessedKeys }: BatchGetItemCommandOutput = await dynamodb.send(
            new BatchGetItemCommand({ RequestItems: { [tableName]: request } }),
            { abortSignal: signal },
          );
          for (const item of Responses?.[tableName] ?? []) {
            const id = workspaceIdOf(item);
            if (id !== undefined) found.set(id, toWorkspaceRecord(id, item));
          }
          request = UnprocessedKeys?.[tableName];
        } catch (failure) {
          error = failure;
          break;
        }
      }
      const unread = new Set(error ? (request?.Keys ?? []).map(workspaceIdOf) : []);
      for (const id of chunk) {
        outcomes.set(
          id,
          unread.has(id)
            ? { status: 'rejected', reason: error }
            : { status: 'fulfilled', value: found.get(id) },
        );
      }
    }),
  );
  return outcomes;
}

const workspaceIdOf = (item: Record<string, AttributeValue>): string | undefined =>
  item[REGISTRY_KEY.partition]?.S?.slice('workspace#'.length);

/** The destinations of one published version: undefined when there is no such version. */
export async function readVersionDestinations(
  dynamodb: DynamoDBClient,
  tableName: string,
  workspaceId: string,
  version: number,
  abortSignal?: AbortSignal,
): Promise<DestinationSpec[] | undefined> {
  const { Item } = await dynamodb.send(
    new GetItemCommand({
      TableName: tableName,
      Key: registryKeys.version(workspaceId, version),
      ProjectionExpression: 'destinations',
    }),
    { abortSignal },
  );
  return Item ? (JSON.parse(Item.destinations?.S ?? '[]') as DestinationSpec[]) : undefined;
}

export function toWorkspaceRecord(
  workspaceId: string,
  item: Record<string, AttributeValue>,
): WorkspaceRecord {
  return {
    id: workspaceId,
    externalId: item.external_id?.S ?? '',
    status: item.workspace_status?.S === 'disabled' ? 'disabled' : 'active',
    liveVersion: Number(item.live_version?.N ?? 0),
    destinations: JSON.parse(item.live_destinations?.S ?? '[]') as DestinationSpec[],
    invokeAccounts: item.invoke_accounts?.SS ?? [],
  };
}
