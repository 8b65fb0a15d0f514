import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MappingKeyMissingError, usesHmac } from '../../shared/data-mapping';
import { type Destination, InvalidDestinationConfigError } from '../../shared/destination-config';
import { readVersionDestinations, readWorkspaceRecords } from '../../shared/registry-table';
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
  /**
   * Memory the cached workspaces may take, by each entry's estimated bytes (`estimatedEntryBytes`),
   * least recently used dropped first. @default `registryCacheBudgetBytes()`: 64 MiB
   */
  readonly maxBytes?: number;
  /** Workspaces kept at once, least recently used dropped first. @default no limit but `maxBytes` */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** The registry cache's share of the function's memory: an eighth (64 MiB of the default 512 MB). */
const CACHE_SHARE_OF_MEMORY = 1 / 8;
/** The function memory assumed when it is not known (outside Lambda): the construct's default. */
const DEFAULT_FUNCTION_MEMORY_MB = 512;

/**
 * The registry cache's byte budget for a function of `functionMemoryMb`: an eighth of it, leaving
 * the rest to the runtime, the SDK clients and a batch's events (up to 10,000 of up to 1 MiB).
 */
export function registryCacheBudgetBytes(functionMemoryMb: number = DEFAULT_FUNCTION_MEMORY_MB): number {
  return Math.floor(functionMemoryMb * CACHE_SHARE_OF_MEMORY) * 2 ** 20;
}

export const DEFAULT_REGISTRY_CACHE = { ttlMs: 30_000, maxBytes: registryCacheBudgetBytes() } as const;
/** After a failed read, how long the stale entry is served before the registry is tried again. */
const STALE_RETRY_MS = 5_000;

/**
 * Heap bytes of one cached workspace, estimated from its record: a fixed part (the entry, the
 * resolved workspace, its sets and maps, the default mapping compiled for it), a part per
 * destination and per byte of its JSON (held as read and as resolved), and more for a data
 * mapping, which is compiled into rule trees. Calibrated against the heap measured with 1–10
 * destinations and none to all of them mapped: from 10% under to 30% over (docs/capacity.md).
 */
export function estimatedEntryBytes(workspaceId: string, record: WorkspaceRecord | undefined): number {
  if (!record) return UNKNOWN_ENTRY_BYTES + 2 * workspaceId.length;
  let bytes = ENTRY_BYTES + 2 * workspaceId.length + INVOKE_ACCOUNT_BYTES * record.invokeAccounts.length;
  for (const destination of record.destinations) {
    const mapping = destination.mapping ? JSON.stringify(destination.mapping).length : 0;
    bytes += DESTINATION_BYTES + JSON.stringify(destination).length;
    if (mapping > 0) bytes += MAPPING_BYTES + BYTES_PER_MAPPING_BYTE * mapping;
  }
  return bytes;
}
const UNKNOWN_ENTRY_BYTES = 200;
const ENTRY_BYTES = 3_600;
const DESTINATION_BYTES = 500;
const MAPPING_BYTES = 2_000;
const BYTES_PER_MAPPING_BYTE = 20;
const INVOKE_ACCOUNT_BYTES = 60;

interface CacheEntry {
  readonly workspace: LiveWorkspace | undefined;
  /** What it was resolved from: an earlier version is resolved with the same external id and keys. */
  readonly record?: WorkspaceRecord;
  readonly loadedAt: number;
  readonly bytes: number;
}

/** Published versions are immutable: this many are kept, least recently used dropped first. */
const MAX_CACHED_VERSIONS = 500;

/** Each workspace asked for: its record (undefined when there is none), or why it could not be read. */
export type WorkspaceOutcomes = ReadonlyMap<string, PromiseSettledResult<WorkspaceRecord | undefined>>;

/**
 * Where `CachedRegistry` reads workspaces: one at a time, or many in one call (`readMany`), each
 * with its own outcome.
 */
export type WorkspaceSource =
  | ((workspaceId: string) => Promise<WorkspaceRecord | undefined>)
  | { readonly readMany: (workspaceIds: readonly string[]) => Promise<WorkspaceOutcomes> };

interface Waiter {
  readonly stale: CacheEntry | undefined;
  readonly resolve: (workspace: LiveWorkspace | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The live registry, cached per execution environment: a workspace is read on demand, served for
 * the TTL, and read again after; a publish takes effect within the TTL. The workspaces asked for
 * in one turn of the event loop that are not cached (a batch's lookups) are read together: one
 * `BatchGetItem` per 100, so a batch costs a bounded number of reads however many workspaces are
 * active. Unknown workspaces are cached too, so a flood of them costs one read per TTL. When a read
 * fails, what is cached is served however old; with nothing cached the error is thrown, for that
 * workspace alone. Concurrent lookups of one workspace share one read. Memory is bounded by bytes:
 * each entry's estimated size against `maxBytes`, least recently used dropped first.
 */
export class CachedRegistry implements Registry {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly loading = new Map<string, Promise<LiveWorkspace | undefined>>();
  private readonly versions = new Map<string, Promise<LiveWorkspace | undefined>>();
  /** Workspaces to read in the next read, asked for since the last one started. */
  private queued = new Map<string, Waiter>();
  private cachedBytes = 0;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly readMany: (workspaceIds: readonly string[]) => Promise<WorkspaceOutcomes>;

  constructor(
    source: WorkspaceSource,
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
    this.maxBytes = options.maxBytes ?? DEFAULT_REGISTRY_CACHE.maxBytes;
    this.maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
    this.readMany = typeof source === 'function' ? readEach(source) : source.readMany;
  }

  /**
   * Reads through a registry table with the dispatcher's DynamoDB client: a batch's uncached
   * workspaces with `BatchGetItem` (100 keys a call, unprocessed keys retried), each chunk bounded
   * by `readTimeoutMs`; a version whose mappings use `hmac` is loaded with its workspace's key.
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
    const readMany = async (workspaceIds: readonly string[]): Promise<WorkspaceOutcomes> => {
      const read = await readWorkspaceRecords(dynamodb, tableName, workspaceIds, timeout);
      // Keys are read per workspace, and only for the few whose mappings use them.
      await Promise.all(
        [...read].map(async ([id, outcome]) => {
          if (outcome.status === 'rejected') return;
          try {
            read.set(id, { status: 'fulfilled', value: await withKey(outcome.value) });
          } catch (reason) {
            read.set(id, { status: 'rejected', reason });
          }
        }),
      );
      return read;
    };
    return new CachedRegistry({ readMany }, options, onStale, async (current, version) => {
      const destinations = await readVersionDestinations(
        dynamodb,
        tableName,
        current.id,
        version,
        AbortSignal.timeout(timeout),
      );
      return destinations && withKey({ ...current, liveVersion: version, destinations });
    });
  }

  /** Workspaces cached (known and unknown). */
  get size(): number {
    return this.entries.size;
  }

  /** Estimated bytes of the cached workspaces, against `maxBytes`. */
  get bytes(): number {
    return this.cachedBytes;
  }

  workspace(workspaceId: string): Promise<LiveWorkspace | undefined> {
    const cached = this.entries.get(workspaceId);
    if (cached && this.now() - cached.loadedAt < this.ttlMs) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(workspaceId);
      this.entries.set(workspaceId, cached);
      return Promise.resolve(cached.workspace);
    }
    let pending = this.loading.get(workspaceId);
    if (!pending) {
      pending = new Promise<LiveWorkspace | undefined>((resolve, reject) => {
        if (this.queued.size === 0) {
          // After the lookups of this turn (a batch asks for all its workspaces at once): one read for all.
          void Promise.resolve().then(() => this.readQueued());
        }
        this.queued.set(workspaceId, { stale: cached, resolve, reject });
      });
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

  /** Reads every queued workspace in one call; each waiter settles with its own workspace's outcome. */
  private async readQueued(): Promise<void> {
    const queued = this.queued;
    this.queued = new Map();
    let outcomes: WorkspaceOutcomes;
    try {
      outcomes = await this.readMany([...queued.keys()]);
    } catch (error) {
      outcomes = new Map([...queued.keys()].map((id) => [id, { status: 'rejected', reason: error }]));
    }
    for (const [workspaceId, waiter] of queued) {
      this.loading.delete(workspaceId);
      const outcome = outcomes.get(workspaceId) ?? {
        status: 'rejected',
        reason: new Error('the registry read did not answer for this workspace'),
      };
      try {
        waiter.resolve(this.settle(workspaceId, waiter.stale, outcome));
      } catch (error) {
        waiter.reject(error);
      }
    }
  }

  private settle(
    workspaceId: string,
    stale: CacheEntry | undefined,
    outcome: PromiseSettledResult<WorkspaceRecord | undefined>,
  ): LiveWorkspace | undefined {
    if (outcome.status === 'rejected') {
      if (!stale) throw new RegistryUnavailableError(workspaceId, outcome.reason);
      this.onStale?.(workspaceId, outcome.reason);
      // Served stale for a few seconds before the next read: an outage costs no batch a wait per record.
      const retryAt = this.now() - this.ttlMs + Math.min(this.ttlMs, STALE_RETRY_MS);
      this.store(workspaceId, { ...stale, loadedAt: retryAt });
      return stale.workspace;
    }
    const record = outcome.value;
    let workspace: LiveWorkspace | undefined;
    try {
      workspace = record && record.status === 'active' ? resolveWorkspace(record) : undefined;
    } catch (error) {
      // A version that cannot be compiled (its HMAC key missing) is not served: nothing is sent unmapped.
      if (!stale) throw new RegistryUnavailableError(workspaceId, error);
      this.onStale?.(workspaceId, error);
      return stale.workspace;
    }
    this.store(workspaceId, {
      workspace,
      ...(record && { record }),
      loadedAt: this.now(),
      bytes: estimatedEntryBytes(workspaceId, record),
    });
    return workspace;
  }

  /** Caches an entry as the most recently used, then drops the least recently used beyond the budget. */
  private store(workspaceId: string, entry: CacheEntry): void {
    const previous = this.entries.get(workspaceId);
    if (previous) {
      this.entries.delete(workspaceId);
      this.cachedBytes -= previous.bytes;
    }
    this.entries.set(workspaceId, entry);
    this.cachedBytes += entry.bytes;
    while (this.cachedBytes > this.maxBytes || this.entries.size > this.maxEntries) {
      const [oldest, dropped] = this.entries.entries().next().value as [string, CacheEntry];
      this.entries.delete(oldest);
      this.cachedBytes -= dropped.bytes;
    }
  }
}

/** A one-at-a-time source read for many workspaces: each read on its own, each with its own outcome. */
function readEach(
  load: (workspaceId: string) => Promise<WorkspaceRecord | undefined>,
): (workspaceIds: readonly string[]) => Promise<WorkspaceOutcomes> {
  return async (workspaceIds) => {
    const outcomes = await Promise.allSettled(workspaceIds.map((id) => load(id)));
    return new Map(workspaceIds.map((id, i) => [id, outcomes[i]]));
  };
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
