import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
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
 * transaction as the version, so the dispatcher loads a workspace with one `GetItem`.
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
