import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  type DestinationInput,
  type DestinationSpec,
  InvalidDestinationConfigError,
  parseDestinations,
} from '../../shared/destination-config';
import { hmacKeySecretName, registryKeys, toWorkspaceRecord } from '../../shared/registry-table';
import {
  authorizationProblem,
  invokeAccountOwners,
  newExternalId,
  resolveWorkspace,
  type WorkspaceRecord,
  withoutStaticInvokeAccounts,
} from '../../shared/workspace';
import { WORKSPACE_ID_PATTERN, WORKSPACE_ID_RULE } from '../../shared/workspace-id';
import {
  type AuditedChange,
  actorLabel,
  type ChangeContext,
  iamChangeContext,
  writeAudited,
} from '../audit/audit-log';
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

/**
 * A workspace's destinations, as JSON, at most: the workspace item and each version item hold
 * them whole, next to the diff and the other fields, within DynamoDB's 400 KB item limit.
 */
export const MAX_DESTINATIONS_BYTES = 300_000;
/** Problems named in one refusal at most: the rest are counted. */
const MAX_PROBLEMS_TOLD = 20;

/** The draft: what the next publish makes live, and how many times it was written. */
export interface Draft {
  readonly destinations: DestinationSpec[];
  /** 0 before the first change; each change adds one. */
  readonly revision: number;
}

/**
 * A request the registry refuses: a bad value (naming the field), a state that does not allow
 * it, or a precondition the caller set (the live version it expected) that no longer holds.
 */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'not-found' | 'conflict' | 'precondition' = 'invalid',
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/**
 * The write side of the destination registry (the table layout is in
 * `lambda/shared/registry-table.ts`): workspaces, their drafts, publish and rollback. Every change
 * is written with its audit event (who, from where, versions before and after) in one
 * transaction. Used by the control-plane API, by the operator's bootstrap CLI and by the local
 * runtime, so all go through the same rules.
 */
export class WorkspaceRegistry {
  /** The static config's invoke accounts, by owning workspace: no registry workspace may claim one. */
  private readonly staticInvokeAccounts: ReadonlyMap<string, string>;
  private readonly context: ChangeContext;
  /** Who is making changes, as recorded on the items they change. */
  private readonly caller: string;

  constructor(
    private readonly dynamodb: DynamoDBClient,
    readonly tableName: string,
    /** Who is making changes, in which request: an IAM ARN alone for the operator's CLI. */
    change: ChangeContext | string,
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
    this.context = typeof change === 'string' ? iamChangeContext(change) : change;
    this.caller = actorLabel(this.context.actor);
  }

  /** Writes `items` and the change's audit event in one transaction, at `at`. */
  private async audited(
    workspaceId: string,
    change: AuditedChange,
    items: readonly TransactWriteItem[],
    at: string,
  ): Promise<void> {
    await writeAudited(this.dynamodb, this.tableName, workspaceId, this.context, change, items, at);
  }

  /** Creates a workspace with a new platform-assigned external id. */
  async createWorkspace(workspaceId: string): Promise<WorkspaceSummary> {
    if (!WORKSPACE_ID_PATTERN.test(workspaceId)) throw new RegistryError(`workspace id ${WORKSPACE_ID_RULE}`);
    const at = this.now().toISOString();
    const externalId = newExternalId();
    try {
      await this.audited(
        workspaceId,
        { action: 'workspace.create', target: 'workspace', after: { status: 'active', liveVersion: 0 } },
        [
          {
            Put: {
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
            },
          },
        ],
        at,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
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
    const before = await this.workspace(workspaceId);
    const at = this.now().toISOString();
    await this.audited(
      workspaceId,
      {
        action: status === 'disabled' ? 'workspace.disable' : 'workspace.enable',
        target: 'workspace',
        before: { status: before.status },
        after: { status },
      },
      [
        {
          Update: {
            TableName: this.tableName,
            Key: registryKeys.workspace(workspaceId),
            UpdateExpression:
              'SET workspace_status = :status, status_changed_at = :at, status_changed_by = :by',
            ExpressionAttributeValues: {
              ':status': { S: status },
              ':at': { S: at },
              ':by': { S: this.caller },
            },
          },
        },
      ],
      at,
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
    const when = this.now().toISOString();
    const at = { S: when };
    try {
      await this.audited(
        workspaceId,
        { action: 'workspace.add-invoke-account', target: `account/${account}` },
        [
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
        when,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new RegistryError(`account ${account} belongs to another workspace`, 'conflict');
      throw error;
    }
  }

  /** The draft's destinations: what the next publish makes live. Starts as a copy of the live version. */
  async draft(workspaceId: string): Promise<DestinationSpec[]> {
    return (await this.draftState(workspaceId)).destinations;
  }

  /** The draft with its revision, which each change to it checks and advances (no lost updates). */
  async draftState(workspaceId: string): Promise<Draft> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.draft(workspaceId),
        ConsistentRead: true,
      }),
    );
    if (Item)
      return {
        destinations: JSON.parse(Item.destinations?.S ?? '[]') as DestinationSpec[],
        revision: Number(Item.revision?.N ?? 0),
      };
    return { destinations: [...(await this.liveRecord(workspaceId)).destinations], revision: 0 };
  }

  async addDestination(workspaceId: string, input: DestinationInput): Promise<DestinationSpec> {
    const draft = await this.draftState(workspaceId);
    if (draft.destinations.some((d) => d.id === input.id))
      throw new RegistryError(
        `destination "${input.id}" already exists in workspace "${workspaceId}"`,
        'conflict',
      );
    const saved = await this.saveDraft(workspaceId, draft, [...draft.destinations, input], {
      action: 'destination.create',
      target: `destination/${input.id}`,
    });
    return saved.find((d) => d.id === input.id) as DestinationSpec;
  }

  /** Replaces fields of a draft destination; `undefined` values remove optional fields. */
  async updateDestination(
    workspaceId: string,
    destinationId: string,
    changes: Partial<Record<string, unknown>>,
  ): Promise<DestinationSpec> {
    const draft = await this.draftState(workspaceId);
    const index = draft.destinations.findIndex((d) => d.id === destinationId);
    if (index < 0) throw new RegistryError(`no destination "${destinationId}" in the draft`, 'not-found');
    const updated = { ...draft.destinations[index], ...changes } as Record<string, unknown>;
    for (const [key, value] of Object.entries(updated)) if (value === undefined) delete updated[key];
    const destinations = [...draft.destinations];
    destinations[index] = updated as DestinationSpec;
    const saved = await this.saveDraft(workspaceId, draft, destinations, {
      action: 'destination.update',
      target: `destination/${destinationId}`,
    });
    return saved[index];
  }

  async removeDestination(workspaceId: string, destinationId: string): Promise<void> {
    const draft = await this.draftState(workspaceId);
    if (!draft.destinations.some((d) => d.id === destinationId))
      throw new RegistryError(`no destination "${destinationId}" in the draft`, 'not-found');
    await this.saveDraft(
      workspaceId,
      draft,
      draft.destinations.filter((d) => d.id !== destinationId),
      { action: 'destination.delete', target: `destination/${destinationId}` },
    );
  }

  /** The draft against the live version. */
  async diff(workspaceId: string): Promise<DestinationDiff> {
    const [draft, live] = await Promise.all([this.draft(workspaceId), this.liveRecord(workspaceId)]);
    return diffDestinations(live.destinations, draft);
  }

  /**
   * Makes the draft live as version N+1. With `expectedLiveVersion`, only if that is still the
   * live version (someone else's publish in between fails it with kind `precondition`).
   */
  async publish(workspaceId: string, note?: string, expectedLiveVersion?: number): Promise<PublishedVersion> {
    const draft = await this.draft(workspaceId);
    return this.makeLive(workspaceId, draft, { action: 'publish', note, expectedLiveVersion });
  }

  /** Makes an earlier version's content live again, as a new version (the previous one by default). */
  async rollback(
    workspaceId: string,
    toVersion?: number,
    note?: string,
    expectedLiveVersion?: number,
  ): Promise<PublishedVersion> {
    const live = await this.liveRecord(workspaceId);
    this.expectLive(live.liveVersion, expectedLiveVersion);
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
    return this.makeLive(workspaceId, restored.destinations, {
      action: 'rollback',
      restoredVersion: target,
      note,
      expectedLiveVersion,
    });
  }

  private expectLive(liveVersion: number, expected: number | undefined): void {
    if (expected !== undefined && expected !== liveVersion)
      throw new RegistryError(
        `the live version is ${liveVersion}, not ${expected}: someone published in between`,
        'precondition',
      );
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
    how: {
      action: 'publish' | 'rollback';
      restoredVersion?: number;
      note?: string;
      expectedLiveVersion?: number;
    },
  ): Promise<PublishedVersion> {
    const live = await this.liveRecord(workspaceId);
    this.expectLive(live.liveVersion, how.expectedLiveVersion);
    const draft = how.action === 'rollback' ? await this.draftState(workspaceId) : undefined;
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
    const change: AuditedChange = {
      action: `workspace.${how.action}`,
      target: 'workspace',
      before: { liveVersion: live.liveVersion },
      after: {
        liveVersion: version,
        ...(how.restoredVersion !== undefined && { restoredVersion: how.restoredVersion }),
      },
    };
    try {
      await this.audited(
        workspaceId,
        change,
        [
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
          // The draft follows a rollback, so the next publish starts from what is live.
          ...(draft ? [this.draftWrite(workspaceId, checked, draft.revision, at)] : []),
        ],
        at,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new RegistryError(
          'another publish got there first: check `versions` and try again',
          how.expectedLiveVersion === undefined ? 'conflict' : 'precondition',
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
      if (error instanceof InvalidDestinationConfigError && error.problems.length > MAX_PROBLEMS_TOLD)
        throw new RegistryError(
          `${error.problems.slice(0, MAX_PROBLEMS_TOLD).join('; ')}; and ${error.problems.length - MAX_PROBLEMS_TOLD} more problems`,
        );
      throw new RegistryError((error as Error).message);
    }
    const bytes = Buffer.byteLength(JSON.stringify(specs));
    if (bytes > MAX_DESTINATIONS_BYTES)
      throw new RegistryError(
        `the workspace's destinations are ${bytes} bytes of JSON, mappings included; at most ${MAX_DESTINATIONS_BYTES} fit in a registry item (DynamoDB's 400 KB, with the version's other fields)`,
      );
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

  /** Validates and writes a new draft over `previous`, failing if another change got there first. */
  private async saveDraft(
    workspaceId: string,
    previous: Draft,
    destinations: readonly unknown[],
    change: Omit<AuditedChange, 'before' | 'after'>,
  ): Promise<DestinationSpec[]> {
    const specs = this.validate(await this.liveRecord(workspaceId), destinations);
    const at = this.now().toISOString();
    try {
      await this.audited(
        workspaceId,
        {
          ...change,
          before: { draftRevision: previous.revision },
          after: { draftRevision: previous.revision + 1 },
        },
        [this.draftWrite(workspaceId, specs, previous.revision, at)],
        at,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException)
        throw new RegistryError('the draft changed in the meantime: read it again and retry', 'conflict');
      throw error;
    }
    return specs;
  }

  /** The draft's next revision, written only over the one it was made from. */
  private draftWrite(
    workspaceId: string,
    specs: readonly DestinationSpec[],
    previousRevision: number,
    at: string,
  ): TransactWriteItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...registryKeys.draft(workspaceId),
          destinations: { S: JSON.stringify(specs) },
          revision: { N: String(previousRevision + 1) },
          updated_at: { S: at },
          updated_by: { S: this.caller },
        },
        ConditionExpression:
          previousRevision === 0
            ? 'attribute_not_exists(pk) OR attribute_not_exists(revision) OR revision = :zero'
            : 'revision = :previous',
        ExpressionAttributeValues:
          previousRevision === 0 ? { ':zero': { N: '0' } } : { ':previous': { N: String(previousRevision) } },
      },
    };
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
