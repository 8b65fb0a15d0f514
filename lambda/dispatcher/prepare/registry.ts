import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MappingKeyMissingError, usesHmac } from '../../shared/data-mapping';
import { type Destination, InvalidDestinationConfigError } from '../../shared/destination-config';
import { readVersionDestinations, readWorkspaceRecord } from '../../shared/registry-table';
import {
  invokeAccountOwners,
  type LiveWorkspace,
  parseStaticWorkspaces,
  resolveWorkspace,
  type WorkspaceRecord,
  withoutStaticInvokeAccounts,
} from '../../shared/workspace';
import type { HmacKeys } from './hmac-keys';

/**
 * Where the dispatcher looks a workspace's live destinations up. Async and behind an interface:
 * the static config and the live DynamoDB registry both serve it, and routing does not care which.
 */
export interface Registry {
  /**
   * The workspace's live version: undefined when no such workspace exists or it is disabled.
   * @throws RegistryUnavailableError when the registry cannot be read and nothing is cached
   */
  workspace(workspaceId: string): Promise<LiveWorkspace | undefined>;
  /**
   * An earlier published version of the workspace, for the mapping a retry started with:
   * undefined when there is no such version (or the workspace is gone).
   * @throws RegistryUnavailableError when the registry cannot be read
   */
  version(workspaceId: string, version: number): Promise<LiveWorkspace | undefined>;
}

/** The registry could not be read: the record is retried, never dead-lettered or dropped. */
export class RegistryUnavailableError extends Error {
  constructor(
    readonly workspaceId: string,
    cause: unknown,
  ) {
    super(`destination registry unavailable (${(cause as Error)?.name ?? 'Error'})`, { cause });
    this.name = 'RegistryUnavailableError';
  }
}

/** Workspaces fixed at deploy time, from the `DESTINATIONS` environment variable (validated at synth). */
export class StaticRegistry implements Registry {
  private readonly workspaces: ReadonlyMap<string, LiveWorkspace>;
  /** The workspace owning each of the static config's invoke accounts. */
  readonly invokeAccountOwners: ReadonlyMap<string, string>;

  /** @throws InvalidDestinationConfigError when two workspaces claim one invoke account */
  constructor(records: readonly WorkspaceRecord[]) {
    const { owners, problems } = invokeAccountOwners(records);
    if (problems.length > 0) throw new InvalidDestinationConfigError(problems);
    this.invokeAccountOwners = owners;
    this.workspaces = new Map(records.map((r) => [r.id, resolveWorkspace(r)]));
  }

  static fromJson(json: string): StaticRegistry {
    return new StaticRegistry(parseStaticWorkspaces(JSON.parse(json)));
  }

  /** Every destination of every static workspace. */
  get destinations(): Destination[] {
    return [...this.workspaces.values()].flatMap((w) => w.destinations);
  }

  has(workspaceId: string): boolean {
    return this.workspaces.has(workspaceId);
  }

  async workspace(workspaceId: string): Promise<LiveWorkspace | undefined> {
    return this.workspaces.get(workspaceId);
  }

  /** A static workspace has one version, 0. */
  async version(workspaceId: string, version: number): Promise<LiveWorkspace | undefined> {
    return version === 0 ? this.workspaces.get(workspaceId) : undefined;
  }
}

export interface CachedRegistryOptions {
  /** How long a loaded workspace is served before it is read again. @default 30 s */
  readonly ttlMs?: number;
  /** Workspaces kept at once, least recently used dropped first: memory stays bounded. @default 2,000 */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export const DEFAULT_REGISTRY_CACHE = { ttlMs: 30_000, maxEntries: 2_000 } as const;
/** After a failed read, how long the stale entry is served before the registry is tried again. */
const STALE_RETRY_MS = 5_000;

interface CacheEntry {
  readonly workspace: LiveWorkspace | undefined;
  /** What it was resolved from: an earlier version is resolved with the same external id and keys. */
  readonly record?: WorkspaceRecord;
  readonly loadedAt: number;
}

/** Published versions are immutable: this many are kept, least recently used dropped first. */
const MAX_CACHED_VERSIONS = 500;

/**
 * The live registry, cached per execution environment: a workspace is read on demand (one
 * `GetItem`), served for the TTL, and read again after; a publish takes effect within the TTL.
 * Unknown workspaces are cached too, so a flood of them costs one read per TTL. When a read
 * fails, what is cached is served however old; with nothing cached the error is thrown.
 * Concurrent lookups of one workspace share one read.
 */
export class CachedRegistry implements Registry {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<LiveWorkspace | undefined>>();
  private readonly versions = new Map<string, Promise<LiveWorkspace | undefined>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly load: (workspaceId: string) => Promise<WorkspaceRecord | undefined>,
    options: CachedRegistryOptions = {},
    /** Told when a stale entry is served because the registry could not be read. */
    private readonly onStale?: (workspaceId: string, error: unknown) => void,
    /** An earlier version of a workspace, resolved against its current record (external id, keys). */
    private readonly loadVersion?: (
      current: WorkspaceRecord,
      version: number,
    ) => Promise<WorkspaceRecord | undefined>,
  ) {
    this.ttlMs = options.ttlMs ?? DEFAULT_REGISTRY_CACHE.ttlMs;
    this.maxEntries = options.maxEntries ?? DEFAULT_REGISTRY_CACHE.maxEntries;
    this.now = options.now ?? Date.now;
  }

  /**
   * Reads through a registry table with the dispatcher's DynamoDB client, each read bounded; a
   * version whose mappings use `hmac` is loaded with its workspace's key.
   */
  static fromTable(
    dynamodb: DynamoDBClient,
    tableName: string,
    options: CachedRegistryOptions & { readTimeoutMs?: number; hmacKeys?: HmacKeys } = {},
    onStale?: (workspaceId: string, error: unknown) => void,
  ): CachedRegistry {
    const timeout = options.readTimeoutMs ?? 2_000;
    const withKey = async (record: WorkspaceRecord | undefined) => {
      if (!record?.destinations.some((d) => usesHmac(d.mapping))) return record;
      if (!options.hmacKeys) throw new MappingKeyMissingError();
      return { ...record, hmacKey: await options.hmacKeys.key(record.id, AbortSignal.timeout(timeout)) };
    };
    return new CachedRegistry(
      async (id) => withKey(await readWorkspaceRecord(dynamodb, tableName, id, AbortSignal.timeout(timeout))),
      options,
      onStale,
      async (current, version) => {
        const destinations = await readVersionDestinations(
          dynamodb,
          tableName,
          current.id,
          version,
          AbortSignal.timeout(timeout),
        );
        return destinations && withKey({ ...current, liveVersion: version, destinations });
      },
    );
  }

  get size(): number {
    return this.entries.size;
  }

  async workspace(workspaceId: string): Promise<LiveWorkspace | undefined> {
    const cached = this.entries.get(workspaceId);
    if (cached && this.now() - cached.loadedAt < this.ttlMs) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(workspaceId);
      this.entries.set(workspaceId, cached);
      return cached.workspace;
    }
    let pending = this.loading.get(workspaceId);
    if (!pending) {
      pending = this.refresh(workspaceId, cached).finally(() => this.loading.delete(workspaceId));
      this.loading.set(workspaceId, pending);
    }
    return pending;
  }

  /** An earlier version: its destinations with the workspace's current external id and keys. Cached for good. */
  async version(workspaceId: string, version: number): Promise<LiveWorkspace | undefined> {
    const live = await this.workspace(workspaceId);
    const record = this.entries.get(workspaceId)?.record;
    if (!live || !record || !this.loadVersion) return undefined;
    if (version === live.version) return live;
    const key = `${workspaceId}#${version}`;
    let pending = this.versions.get(key);
    if (!pending) {
      pending = this.loadVersion(record, version).then(
        (earlier) => (earlier ? resolveWorkspace(earlier) : undefined),
        (error: unknown) => {
          this.versions.delete(key);
          throw new RegistryUnavailableError(workspaceId, error);
        },
      );
      this.versions.set(key, pending);
      while (this.versions.size > MAX_CACHED_VERSIONS) {
        this.versions.delete(this.versions.keys().next().value as string);
      }
    }
    return pending;
  }

  private async refresh(
    workspaceId: string,
    stale: CacheEntry | undefined,
  ): Promise<LiveWorkspace | undefined> {
    let record: WorkspaceRecord | undefined;
    try {
      record = await this.load(workspaceId);
    } catch (error) {
      if (!stale) throw new RegistryUnavailableError(workspaceId, error);
      this.onStale?.(workspaceId, error);
      // Served stale for a few seconds before the next read: an outage costs no batch a wait per record.
      const retryAt = this.now() - this.ttlMs + Math.min(this.ttlMs, STALE_RETRY_MS);
      this.entries.set(workspaceId, { ...stale, loadedAt: retryAt });
      return stale.workspace;
    }
    let workspace: LiveWorkspace | undefined;
    try {
      workspace = record && record.status === 'active' ? resolveWorkspace(record) : undefined;
    } catch (error) {
      // A version that cannot be compiled (its HMAC key missing) is not served: nothing is sent unmapped.
      if (!stale) throw new RegistryUnavailableError(workspaceId, error);
      this.onStale?.(workspaceId, error);
      return stale.workspace;
    }
    this.entries.delete(workspaceId);
    this.entries.set(workspaceId, { workspace, ...(record && { record }), loadedAt: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return workspace;
  }
}

/**
 * The static config's workspaces first, then the live registry for every other workspace. An
 * invoke account has one owner: a registry workspace is never authorised in an account of the
 * static config (the registry cannot see the static config, so such a claim may exist), and its
 * role-less functions there are dead-lettered with `AccountNotAuthorized`, saying whose it is.
 */
export class LayeredRegistry implements Registry {
  /** Each live workspace object as served: one per cached version, not one per event. */
  private readonly served = new WeakMap<LiveWorkspace, LiveWorkspace>();

  constructor(
    private readonly fixed: StaticRegistry,
    private readonly live: Registry,
  ) {}

  async workspace(workspaceId: string): Promise<LiveWorkspace | undefined> {
    return this.fixed.has(workspaceId)
      ? this.fixed.workspace(workspaceId)
      : this.serve(await this.live.workspace(workspaceId));
  }

  async version(workspaceId: string, version: number): Promise<LiveWorkspace | undefined> {
    return this.fixed.has(workspaceId)
      ? this.fixed.version(workspaceId, version)
      : this.serve(await this.live.version(workspaceId, version));
  }

  private serve(workspace: LiveWorkspace | undefined): LiveWorkspace | undefined {
    if (!workspace || this.fixed.invokeAccountOwners.size === 0) return workspace;
    let served = this.served.get(workspace);
    if (!served) {
      served = withoutStaticInvokeAccounts(workspace, this.fixed.invokeAccountOwners);
      this.served.set(workspace, served);
    }
    return served;
  }
}
