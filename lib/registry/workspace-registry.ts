import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  type DestinationInput,
  type DestinationSpec,
  parseDestinations,
} from '../../lambda/shared/destination-config';
import { hmacKeySecretName, registryKeys, toWorkspaceRecord } from '../../lambda/shared/registry-table';
import {
  authorizationProblem,
  invokeAccountOwners,
  newExternalId,
  resolveWorkspace,
  type WorkspaceRecord,
  withoutStaticInvokeAccounts,
} from '../../lambda/shared/workspace';
import { WORKSPACE_ID_PATTERN, WORKSPACE_ID_RULE } from '../../lambda/shared/workspace-id';
import { type DestinationDiff, diffDestinations, isEmptyDiff } from './destination-diff';

/** A workspace as an operator or customer sees it. */
export interface WorkspaceSummary {
  readonly id: string;
  readonly externalId: string;
  readonly status: 'active' | 'disabled';
  readonly liveVersion: number;
  readonly invokeAccounts: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
}

/** One published version: immutable once written. */
export interface PublishedVersion {
  readonly version: number;
  readonly destinations: DestinationSpec[];
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly action: 'publish' | 'rollback';
  /** For a rollback: the version whose content it made live again. */
  readonly restoredVersion?: number;
  readonly changes: DestinationDiff;
  readonly note?: string;
}

/** A request the registry refuses: a bad value (naming the field), or a state that does not allow it. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'not-found' | 'conflict' = 'invalid',
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/**
 * The write side of the destination registry (the table layout is in
 * `lambda/shared/registry-table.ts`): workspaces, their drafts, publish and rollback. Every change
 * records who made it (the caller's identity) and when. Used by `npm run destinations` and by the
 * local runtime, so both go through the same rules.
 */
export class WorkspaceRegistry {
  /** The static config's invoke accounts, by owning workspace: no registry workspace may claim one. */
  private readonly staticInvokeAccounts: ReadonlyMap<string, string>;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    readonly tableName: string,
    /** Who is making changes: an IAM ARN, recorded on every change. */
    private readonly caller: string,
    /** Where workspaces' HMAC keys are created. @default none: `hmac` mappings cannot be used */
    private readonly secrets?: SecretsManagerClient,
    private readonly now: () => Date = () => new Date(),
    /**
     * The deployed static config's workspaces (`parseStaticWorkspaces`): their invoke accounts
     * are theirs, which the table cannot tell. @default none known (the dispatcher still refuses
     * a registry workspace in a static workspace's account)
     */
    staticWorkspaces: readonly WorkspaceRecord[] = [],
  ) {
    this.staticInvokeAccounts = invokeAccountOwners(staticWorkspaces).owners;
  }

  /** Creates a workspace with a new platform-assigned external id. */
  async createWorkspace(workspaceId: string): Promise<WorkspaceSummary> {
    if (!WORKSPACE_ID_PATTERN.test(workspaceId)) throw new RegistryError(`workspace id ${WORKSPACE_ID_RULE}`);
    const at = this.now().toISOString();
    const externalId = newExternalId();
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...registryKeys.workspace(workspaceId),
            external_id: { S: externalId },
            workspace_status: { S: 'active' },
            live_version: { N: '0' },
            live_destinations: { S: '[]' },
            created_at: { S: at },
            created_by: { S: this.caller },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new RegistryError(`workspace "${workspaceId}" already exists`, 'conflict');
      throw error;
    }
    await this.createHmacKey(workspaceId);
    return {
      id: workspaceId,
      externalId,
      status: 'active',
      liveVersion: 0,
      invokeAccounts: [],
      createdAt: at,
      createdBy: this.caller,
    };
  }

  /** The workspace's key for `hmac` mappings: 32 random bytes, readable by the dispatcher only. */
  private async createHmacKey(workspaceId: string): Promise<void> {
    if (!this.secrets) return;
    try {
      await this.secrets.send(
        new CreateSecretCommand({
          Name: hmacKeySecretName(workspaceId),
          Description: `Event delivery: HMAC key of workspace ${workspaceId}, for hmac data mappings`,
          SecretString: randomBytes(32).toString('base64'),
        }),
      );
    } catch (error) {
      // A workspace created again keeps its key: earlier pseudonyms stay comparable.
      if (!(error instanceof ResourceExistsException)) throw error;
    }
  }

  async listWorkspaces(): Promise<WorkspaceSummary[]> {
    const workspaces: WorkspaceSummary[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamodb.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :workspace',
          ExpressionAttributeValues: { ':workspace': { S: 'workspace' } },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) workspaces.push(toSummary(item));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return workspaces.sort((a, b) => a.id.localeCompare(b.id));
  }

  async workspace(workspaceId: string): Promise<WorkspaceSummary> {
    return toSummary(await this.workspaceItem(workspaceId));
  }

  /** The workspace's live version as the dispatcher routes with it. */
  async liveRecord(workspaceId: string): Promise<WorkspaceRecord> {
    return toWorkspaceRecord(workspaceId, await this.workspaceItem(workspaceId));
  }

  /** A disabled workspace's events are dead-lettered with `WorkspaceNotFound` (within the cache TTL). */
  async setWorkspaceStatus(workspaceId: string, status: 'active' | 'disabled'): Promise<void> {
    await this.workspaceItem(workspaceId);
    await this.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: registryKeys.workspace(workspaceId),
        UpdateExpression: 'SET workspace_status = :status, status_changed_at = :at, status_changed_by = :by',
        ExpressionAttributeValues: {
          ':status': { S: status },
          ':at': { S: this.now().toISOString() },
          ':by': { S: this.caller },
        },
      }),
    );
  }

  /**
   * Lets the workspace invoke functions of `account` with the dispatcher's own identity (the
   * customer granted the platform on the function, naming no workspace). An account belongs to one
   * workspace at most: the claim fails if another workspace holds it, in the table or in the
   * static config given to this registry. Operators grant it once they have verified the
   * customer owns the account.
   */
  async addInvokeAccount(workspaceId: string, account: string): Promise<void> {
    if (!/^\d{12}$/.test(account)) throw new RegistryError('account must be a 12-digit account id');
    const staticOwner = this.staticInvokeAccounts.get(account);
    if (staticOwner !== undefined && staticOwner !== workspaceId)
      throw new RegistryError(
        `account ${account} belongs to workspace "${staticOwner}" of the static config`,
        'conflict',
      );
    await this.workspaceItem(workspaceId);
    const at = { S: this.now().toISOString() };
    try {
      await this.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...registryKeys.invokeAccount(account),
                  workspace_id: { S: workspaceId },
                  claimed_at: at,
                  claimed_by: { S: this.caller },
                },
                ConditionExpression: 'attribute_not_exists(pk) OR workspace_id = :workspace',
                ExpressionAttributeValues: { ':workspace': { S: workspaceId } },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: registryKeys.workspace(workspaceId),
                UpdateExpression: 'ADD invoke_accounts :account',
                ExpressionAttributeValues: { ':account': { SS: [account] } },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new RegistryError(`account ${account} belongs to another workspace`, 'conflict');
      throw error;
    }
  }

  /** The draft: what the next publish makes live. Starts as a copy of the live version. */
  async draft(workspaceId: string): Promise<DestinationSpec[]> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.draft(workspaceId),
        ConsistentRead: true,
      }),
    );
    if (Item) return JSON.parse(Item.destinations?.S ?? '[]') as DestinationSpec[];
    return [...(await this.liveRecord(workspaceId)).destinations];
  }

  async addDestination(workspaceId: string, input: DestinationInput): Promise<DestinationSpec> {
    const draft = await this.draft(workspaceId);
    if (draft.some((d) => d.id === input.id))
      throw new RegistryError(
        `destination "${input.id}" already exists in workspace "${workspaceId}"`,
        'conflict',
      );
    const saved = await this.saveDraft(workspaceId, [...draft, input]);
    return saved.find((d) => d.id === input.id) as DestinationSpec;
  }

  /** Replaces fields of a draft destination; `undefined` values remove optional fields. */
  async updateDestination(
    workspaceId: string,
    destinationId: string,
    changes: Partial<Record<string, unknown>>,
  ): Promise<DestinationSpec> {
    const draft = await this.draft(workspaceId);
    const index = draft.findIndex((d) => d.id === destinationId);
    if (index < 0) throw new RegistryError(`no destination "${destinationId}" in the draft`, 'not-found');
    const updated = { ...draft[index], ...changes } as Record<string, unknown>;
    for (const [key, value] of Object.entries(updated)) if (value === undefined) delete updated[key];
    draft[index] = updated as DestinationSpec;
    const saved = await this.saveDraft(workspaceId, draft);
    return saved[index];
  }

  async removeDestination(workspaceId: string, destinationId: string): Promise<void> {
    const draft = await this.draft(workspaceId);
    if (!draft.some((d) => d.id === destinationId))
      throw new RegistryError(`no destination "${destinationId}" in the draft`, 'not-found');
    await this.saveDraft(
      workspaceId,
      draft.filter((d) => d.id !== destinationId),
    );
  }

  /** The draft against the live version. */
  async diff(workspaceId: string): Promise<DestinationDiff> {
    const [draft, live] = await Promise.all([this.draft(workspaceId), this.liveRecord(workspaceId)]);
    return diffDestinations(live.destinations, draft);
  }

  /** Makes the draft live as version N+1. */
  async publish(workspaceId: string, note?: string): Promise<PublishedVersion> {
    const draft = await this.draft(workspaceId);
    return this.makeLive(workspaceId, draft, { action: 'publish', note });
  }

  /** Makes an earlier version's content live again, as a new version (the previous one by default). */
  async rollback(workspaceId: string, toVersion?: number, note?: string): Promise<PublishedVersion> {
    const live = await this.liveRecord(workspaceId);
    const target = toVersion ?? live.liveVersion - 1;
    if (live.liveVersion <= 1)
      throw new RegistryError(
        `workspace "${workspaceId}" has no earlier version to roll back to`,
        'conflict',
      );
    if (!Number.isInteger(target) || target < 1 || target >= live.liveVersion)
      throw new RegistryError(
        `version must be an earlier published version, from 1 to ${live.liveVersion - 1}`,
      );
    const restored = await this.version(workspaceId, target);
    const published = await this.makeLive(workspaceId, restored.destinations, {
      action: 'rollback',
      restoredVersion: target,
      note,
    });
    // The draft follows the rollback, so the next publish starts from what is live.
    await this.writeDraft(workspaceId, restored.destinations);
    return published;
  }

  async version(workspaceId: string, version: number): Promise<PublishedVersion> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({ TableName: this.tableName, Key: registryKeys.version(workspaceId, version) }),
    );
    if (!Item) throw new RegistryError(`workspace "${workspaceId}" has no version ${version}`, 'not-found');
    return toVersion(Item);
  }

  /** Every published version, oldest first. */
  async versions(workspaceId: string): Promise<PublishedVersion[]> {
    await this.workspaceItem(workspaceId);
    const versions: PublishedVersion[] = [];
    let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
          ExpressionAttributeValues: {
            ':pk': { S: `workspace#${workspaceId}` },
            ':version': { S: 'version#' },
          },
          ExclusiveStartKey,
        }),
      );
      versions.push(...(page.Items ?? []).map(toVersion));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return versions;
  }

  private async makeLive(
    workspaceId: string,
    destinations: readonly DestinationSpec[],
    how: { action: 'publish' | 'rollback'; restoredVersion?: number; note?: string },
  ): Promise<PublishedVersion> {
    const live = await this.liveRecord(workspaceId);
    const checked = this.validate(live, destinations);
    const changes = diffDestinations(live.destinations, checked);
    if (how.action === 'publish' && isEmptyDiff(changes) && live.liveVersion > 0)
      throw new RegistryError('the draft is the live version: nothing to publish', 'conflict');
    const version = live.liveVersion + 1;
    const at = this.now().toISOString();
    const content = JSON.stringify(checked);
    const published: PublishedVersion = {
      version,
      destinations: checked,
      publishedAt: at,
      publishedBy: this.caller,
      action: how.action,
      ...(how.restoredVersion !== undefined && { restoredVersion: how.restoredVersion }),
      changes,
      ...(how.note && { note: how.note }),
    };
    try {
      await this.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...registryKeys.version(workspaceId, version),
                  version: { N: String(version) },
                  destinations: { S: content },
                  published_at: { S: at },
                  published_by: { S: this.caller },
                  action: { S: how.action },
                  ...(how.restoredVersion !== undefined && {
                    restored_version: { N: String(how.restoredVersion) },
                  }),
                  changes: { S: JSON.stringify(changes) },
                  ...(how.note && { note: { S: how.note } }),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: registryKeys.workspace(workspaceId),
                UpdateExpression:
                  'SET live_version = :version, live_destinations = :content, published_at = :at',
                ConditionExpression: 'live_version = :previous',
                ExpressionAttributeValues: {
                  ':version': { N: String(version) },
                  ':previous': { N: String(live.liveVersion) },
                  ':content': { S: content },
                  ':at': { S: at },
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new RegistryError(
          'another publish got there first: check `versions` and try again',
          'conflict',
        );
      throw error;
    }
    return published;
  }

  /** Validates a destination list for this workspace: schema, unique ids, and authorised accounts. */
  private validate(live: WorkspaceRecord, destinations: readonly unknown[]): DestinationSpec[] {
    let specs: DestinationSpec[];
    try {
      specs = parseDestinations(destinations);
    } catch (error) {
      throw new RegistryError((error as Error).message);
    }
    // Compiled as the dispatcher will compile it (a placeholder key stands in for the secret),
    // and authorised as it will authorise it, next to the static config.
    const workspace = withoutStaticInvokeAccounts(
      resolveWorkspace({ ...live, destinations: specs, hmacKey: Buffer.alloc(32) }),
      this.staticInvokeAccounts,
    );
    const problems = workspace.destinations.flatMap((d) => {
      const problem = authorizationProblem(workspace, d);
      return problem ? [`destination "${d.id}": ${problem}`] : [];
    });
    if (problems.length > 0) throw new RegistryError(problems.join('; '));
    return specs;
  }

  private async saveDraft(workspaceId: string, destinations: readonly unknown[]): Promise<DestinationSpec[]> {
    const specs = this.validate(await this.liveRecord(workspaceId), destinations);
    await this.writeDraft(workspaceId, specs);
    return specs;
  }

  private async writeDraft(workspaceId: string, specs: readonly DestinationSpec[]): Promise<void> {
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...registryKeys.draft(workspaceId),
          destinations: { S: JSON.stringify(specs) },
          updated_at: { S: this.now().toISOString() },
          updated_by: { S: this.caller },
        },
      }),
    );
  }

  private async workspaceItem(workspaceId: string): Promise<Record<string, AttributeValue>> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.workspace(workspaceId),
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new RegistryError(`no workspace "${workspaceId}"`, 'not-found');
    return Item;
  }
}

function toSummary(item: Record<string, AttributeValue>): WorkspaceSummary {
  return {
    id: (item.pk?.S ?? '').replace(/^workspace#/, ''),
    externalId: item.external_id?.S ?? '',
    status: item.workspace_status?.S === 'disabled' ? 'disabled' : 'active',
    liveVersion: Number(item.live_version?.N ?? 0),
    invokeAccounts: item.invoke_accounts?.SS ?? [],
    createdAt: item.created_at?.S ?? '',
    createdBy: item.created_by?.S ?? '',
  };
}

function toVersion(item: Record<string, AttributeValue>): PublishedVersion {
  return {
    version: Number(item.version?.N),
    destinations: JSON.parse(item.destinations?.S ?? '[]') as DestinationSpec[],
    publishedAt: item.published_at?.S ?? '',
    publishedBy: item.published_by?.S ?? '',
    action: item.action?.S === 'rollback' ? 'rollback' : 'publish',
    ...(item.restored_version?.N && { restoredVersion: Number(item.restored_version.N) }),
    changes: JSON.parse(item.changes?.S ?? '{"added":[],"removed":[],"changed":[]}') as DestinationDiff,
    ...(item.note?.S && { note: item.note.S }),
  };
}
