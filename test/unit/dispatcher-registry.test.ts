import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { HmacKeys } from '../../lambda/dispatcher/prepare/hmac-keys';
import { lookUpWorkspaces } from '../../lambda/dispatcher/prepare/look-up-workspaces';
import { readEvents } from '../../lambda/dispatcher/prepare/read-events';
import {
  CachedRegistry,
  estimatedEntryBytes,
  LayeredRegistry,
  RegistryUnavailableError,
} from '../../lambda/dispatcher/prepare/registry';
import { registryKeys } from '../../lambda/shared/registry-table';
import type { WorkspaceRecord } from '../../lambda/shared/workspace';
import { capturingLogger } from '../support/capture-logs';
import {
  ingestMessage,
  lambdaDestination,
  registryOf,
  specOf,
  sqsRecord,
  WORKSPACE_ID,
} from '../support/fixtures';

const record = (id: string, version: number, status: 'active' | 'disabled' = 'active'): WorkspaceRecord => ({
  id,
  externalId: `ext-${id}-0000000001`,
  status,
  liveVersion: version,
  destinations: [specOf(lambdaDestination)],
  invokeAccounts: [],
});

/** A registry table stand-in: what it holds, how often it was read, and whether it answers. */
function table() {
  const items = new Map<string, WorkspaceRecord>();
  const reads: string[] = [];
  let failing = false;
  return {
    items,
    reads,
    fail: (on: boolean) => {
      failing = on;
    },
    load: async (id: string) => {
      reads.push(id);
      if (failing)
        throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      return items.get(id);
    },
  };
}

describe('CachedRegistry', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it("serves a workspace's live version for the TTL, then reads it again: a publish takes effect within the TTL", async () => {
    const source = table();
    source.items.set('ws-acme', record('ws-acme', 1));
    const registry = new CachedRegistry(source.load, { ttlMs: 30_000, now: clock });

    expect((await registry.workspace('ws-acme'))?.version).toBe(1);
    source.items.set('ws-acme', record('ws-acme', 2));
    now += 29_999;
    expect((await registry.workspace('ws-acme'))?.version).toBe(1);
    now += 1;
    expect((await registry.workspace('ws-acme'))?.version).toBe(2);
    expect(source.reads).toEqual(['ws-acme', 'ws-acme']);
  });

  it('applies the workspace external id to its role destinations', async () => {
    const source = table();
    source.items.set('ws-acme', record('ws-acme', 1));
    const registry = new CachedRegistry(source.load, { now: clock });

    const workspace = await registry.workspace('ws-acme');

    expect(workspace?.destinations).toEqual([
      { ...specOf(lambdaDestination), workspaceId: 'ws-acme', externalId: 'ext-ws-acme-0000000001' },
    ]);
  });

  it('treats a disabled or unknown workspace as absent, and remembers that for the TTL too', async () => {
    const source = table();
    source.items.set('ws-off', record('ws-off', 3, 'disabled'));
    const registry = new CachedRegistry(source.load, { now: clock });

    expect(await registry.workspace('ws-off')).toBeUndefined();
    expect(await registry.workspace('ws-nobody')).toBeUndefined();
    expect(await registry.workspace('ws-nobody')).toBeUndefined();
    expect(source.reads).toEqual(['ws-off', 'ws-nobody']);
  });

  it('keeps serving what it has when the registry cannot be read, and tries again a few seconds later', async () => {
    const source = table();
    source.items.set('ws-acme', record('ws-acme', 1));
    const stale: string[] = [];
    const registry = new CachedRegistry(source.load, { ttlMs: 30_000, now: clock }, (id) => stale.push(id));
    await registry.workspace('ws-acme');

    source.fail(true);
    now += 60_000;
    expect((await registry.workspace('ws-acme'))?.version).toBe(1);
    now += 1_000;
    expect((await registry.workspace('ws-acme'))?.version).toBe(1);
    expect(source.reads).toHaveLength(2);
    now += 5_000;
    source.fail(false);
    source.items.set('ws-acme', record('ws-acme', 2));
    expect((await registry.workspace('ws-acme'))?.version).toBe(2);
    expect(stale).toEqual(['ws-acme']);
  });

  it('throws RegistryUnavailableError for a workspace it cannot read and has never loaded', async () => {
    const source = table();
    source.fail(true);
    const registry = new CachedRegistry(source.load, { now: clock });

    await expect(registry.workspace('ws-acme')).rejects.toBeInstanceOf(RegistryUnavailableError);
  });

  it('shares one read between concurrent lookups of a workspace', async () => {
    const source = table();
    source.items.set('ws-acme', record('ws-acme', 1));
    const registry = new CachedRegistry(source.load, { now: clock });

    await Promise.all(Array.from({ length: 10 }, () => registry.workspace('ws-acme')));

    expect(source.reads).toEqual(['ws-acme']);
  });

  it('keeps memory bounded with 10,000 workspaces: the least recently used are dropped', async () => {
    const source = table();
    for (let i = 0; i < 10_000; i++) source.items.set(`ws-${i}`, record(`ws-${i}`, 1));
    const registry = new CachedRegistry(source.load, { maxEntries: 2_000, now: clock });

    await registry.workspace('ws-0');
    for (let i = 1; i < 10_000; i++) {
      await registry.workspace(`ws-${i}`);
      if (i % 1_000 === 0) await registry.workspace('ws-0');
    }

    expect(registry.size).toBe(2_000);
    const reads = source.reads.length;
    await registry.workspace('ws-0');
    await registry.workspace('ws-9999');
    expect(source.reads.length).toBe(reads);
    await registry.workspace('ws-1');
    expect(source.reads.length).toBe(reads + 1);
  });
});

describe('LayeredRegistry', () => {
  it('serves the static config first, and the live registry for every other workspace', async () => {
    const source = table();
    source.items.set('ws-live', record('ws-live', 4));
    source.items.set('ws-acme', record('ws-acme', 9));
    const registry = new LayeredRegistry(registryOf([lambdaDestination]), new CachedRegistry(source.load));

    expect((await registry.workspace('ws-acme'))?.version).toBe(0);
    expect((await registry.workspace('ws-live'))?.version).toBe(4);
    expect(source.reads).toEqual(['ws-live']);
  });
});

describe('CachedRegistry.fromTable: a batch reads its uncached workspaces together', () => {
  const dynamodb = mockClient(DynamoDBClient);
  const client = new DynamoDBClient({ region: 'us-east-1' });
  const TABLE = 'registry';
  let now = 0;
  const clock = () => now;
  let logs: ReturnType<typeof capturingLogger>;

  /** Registry items of workspaces `ws-<i>`, one destination each. */
  const itemOf = (id: string, version = 1) => ({
    pk: { S: `workspace#${id}` },
    sk: { S: 'workspace' },
    external_id: { S: `ext-${id}-0000000001` },
    workspace_status: { S: 'active' },
    live_version: { N: String(version) },
    live_destinations: { S: JSON.stringify([specOf(lambdaDestination)]) },
  });
  const requested = (call: number) =>
    (dynamodb.commandCalls(BatchGetItemCommand)[call].args[0].input.RequestItems?.[TABLE].Keys ?? []).map(
      (k) => k.pk.S?.replace('workspace#', ''),
    );
  /** Answers every key it holds; `unprocessed` decides which keys are left for later. */
  const answering = (known: (id: string) => boolean, unprocessed: (id: string) => boolean = () => false) =>
    dynamodb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
      const request = input.RequestItems?.[TABLE];
      const ids = (request?.Keys ?? []).map((k) => k.pk.S?.replace('workspace#', '') as string);
      const left = ids.filter(unprocessed);
      return {
        Responses: { [TABLE]: ids.filter((id) => known(id) && !unprocessed(id)).map((id) => itemOf(id)) },
        UnprocessedKeys:
          left.length > 0
            ? { [TABLE]: { ...request, Keys: left.map((id) => registryKeys.workspace(id)) } }
            : {},
      };
    });
  const eventsOf = (workspaceIds: readonly string[]) =>
    readEvents(
      workspaceIds.map((workspaceId) => sqsRecord(ingestMessage({ workspaceId }))),
      undefined,
    );
  const ids = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `ws-${i + from}`);

  beforeEach(() => {
    dynamodb.reset();
    now = 1_000_000;
    logs = capturingLogger();
  });
  afterEach(() => logs.restore());

  it("reads a batch's missing workspaces with one BatchGetItem, and only the new ones in the next batch", async () => {
    // Prepare
    answering(() => true);
    const registry = new LayeredRegistry(
      registryOf([lambdaDestination]),
      CachedRegistry.fromTable(client, TABLE, { now: clock }),
    );
    const first = [...ids(60), ...ids(60), WORKSPACE_ID];

    // Act
    const lookups = await lookUpWorkspaces(eventsOf(first), registry, logs.logger);
    await lookUpWorkspaces(eventsOf([...ids(60), ...ids(5, 60)]), registry, logs.logger);

    // Assess
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0);
    expect(dynamodb.commandCalls(BatchGetItemCommand)).toHaveLength(2);
    expect(requested(0)).toEqual(ids(60));
    expect(requested(1)).toEqual(ids(5, 60));
    expect(dynamodb.commandCalls(BatchGetItemCommand)[0].args[0].input.RequestItems?.[TABLE]).toMatchObject({
      ProjectionExpression:
        'pk, external_id, workspace_status, live_version, live_destinations, invoke_accounts',
    });
    expect(lookups.resolve('ws-59', undefined)).toMatchObject({
      kind: 'live',
      workspace: { id: 'ws-59', version: 1 },
    });
  });

  it('asks for at most 100 keys a call: 250 workspaces in three chunks, each answered', async () => {
    // Prepare
    answering(() => true);
    const registry = CachedRegistry.fromTable(client, TABLE, { now: clock });

    // Act
    const lookups = await lookUpWorkspaces(eventsOf(ids(250)), registry, logs.logger);

    // Assess
    expect(dynamodb.commandCalls(BatchGetItemCommand).map((_, i) => requested(i).length)).toEqual([
      100, 100, 50,
    ]);
    expect(new Set([0, 1, 2].flatMap(requested))).toEqual(new Set(ids(250)));
    expect(ids(250).every((id) => lookups.resolve(id, undefined).kind === 'live')).toBe(true);
  });

  it('asks again for the keys DynamoDB left unprocessed, only those, until each is answered', async () => {
    // Prepare
    let left = 2;
    dynamodb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
      const keys = input.RequestItems?.[TABLE].Keys ?? [];
      const unprocessed = left-- > 0 ? keys.filter((_, i) => i % 3 === 0) : [];
      return {
        Responses: {
          [TABLE]: keys.filter((k) => !unprocessed.includes(k)).map((k) => itemOf(k.pk.S?.slice(10) ?? '')),
        },
        UnprocessedKeys: unprocessed.length
          ? { [TABLE]: { ...input.RequestItems?.[TABLE], Keys: unprocessed } }
          : {},
      };
    });
    const registry = CachedRegistry.fromTable(client, TABLE, { now: clock });

    // Act
    const lookups = await lookUpWorkspaces(eventsOf(ids(30)), registry, logs.logger);

    // Assess
    expect(dynamodb.commandCalls(BatchGetItemCommand).map((_, i) => requested(i).length)).toEqual([
      30, 10, 4,
    ]);
    expect(requested(1)).toEqual(ids(30).filter((_, i) => i % 3 === 0));
    expect(ids(30).filter((id) => lookups.resolve(id, undefined).kind !== 'live')).toEqual([]);
  });

  it('gives up on keys still unprocessed when the read times out: only those workspaces are unavailable', async () => {
    // Prepare
    answering(
      () => true,
      (id) => id === 'ws-7',
    );
    const registry = CachedRegistry.fromTable(client, TABLE, { now: clock, readTimeoutMs: 150 });
    const started = Date.now();

    // Act
    const lookups = await lookUpWorkspaces(eventsOf(ids(10)), registry, logs.logger);

    // Assess
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(dynamodb.commandCalls(BatchGetItemCommand).length).toBeGreaterThan(2);
    expect(lookups.resolve('ws-7', undefined)).toEqual({ kind: 'unavailable' });
    expect(ids(10).filter((id) => lookups.resolve(id, undefined).kind === 'live')).toHaveLength(9);
    await expect(registry.workspace('ws-7')).rejects.toMatchObject({
      name: 'RegistryUnavailableError',
      cause: { name: 'UnprocessedKeysError' },
    });
  });

  it('fails only the workspaces of a chunk whose read failed, and those whose HMAC key could not be read', async () => {
    // Prepare
    dynamodb.on(BatchGetItemCommand).callsFake((input: BatchGetItemCommandInput) => {
      const keys = input.RequestItems?.[TABLE].Keys ?? [];
      if (keys.some((k) => k.pk.S === 'workspace#ws-0'))
        throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      return {
        Responses: {
          [TABLE]: keys.map((k) => {
            const id = k.pk.S?.slice(10) ?? '';
            if (id !== 'ws-hmac') return itemOf(id);
            const mapped = {
              ...specOf(lambdaDestination),
              mapping: { properties: { 'visitor.email': 'hmac' } },
            };
            return { ...itemOf(id), live_destinations: { S: JSON.stringify([mapped]) } };
          }),
        },
      };
    });
    const hmacKeys = {
      key: async () => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
    } as unknown as HmacKeys;
    const registry = CachedRegistry.fromTable(client, TABLE, { now: clock, hmacKeys });

    // Act
    const lookups = await lookUpWorkspaces(eventsOf([...ids(150), 'ws-hmac']), registry, logs.logger);

    // Assess
    const kinds = (workspaceIds: string[]) =>
      new Set(workspaceIds.map((id) => lookups.resolve(id, undefined).kind));
    expect(kinds(ids(100))).toEqual(new Set(['unavailable']));
    expect(kinds(ids(49, 100))).toEqual(new Set(['live']));
    expect(kinds(['ws-149', 'ws-hmac'])).toEqual(new Set(['live', 'unavailable']));
    expect(lookups.resolve('ws-hmac', undefined)).toEqual({ kind: 'unavailable' });
  });

  it('serves what it has cached when the batch read fails, and caches unknown workspaces as unknown', async () => {
    // Prepare
    answering((id) => id !== 'ws-nobody');
    const stale: string[] = [];
    const registry = CachedRegistry.fromTable(client, TABLE, { ttlMs: 30_000, now: clock }, (id) =>
      stale.push(id),
    );
    await lookUpWorkspaces(eventsOf(['ws-1', 'ws-nobody']), registry, logs.logger);
    dynamodb.reset();
    dynamodb
      .on(BatchGetItemCommand)
      .rejects(Object.assign(new Error('down'), { name: 'InternalServerError' }));

    // Act
    const fresh = await lookUpWorkspaces(eventsOf(['ws-1', 'ws-nobody']), registry, logs.logger);
    now += 60_000;
    const later = await lookUpWorkspaces(eventsOf(['ws-1', 'ws-2']), registry, logs.logger);

    // Assess
    expect(fresh.resolve('ws-nobody', undefined)).toEqual({ kind: 'missing' });
    expect(fresh.resolve('ws-1', undefined).kind).toBe('live');
    expect(later.resolve('ws-1', undefined).kind).toBe('live');
    expect(later.resolve('ws-2', undefined)).toEqual({ kind: 'unavailable' });
    expect(stale).toEqual(['ws-1']);
    expect(dynamodb.commandCalls(BatchGetItemCommand)).toHaveLength(1);
    expect(requested(0)).toEqual(['ws-1', 'ws-2']);
  });

  it('shares reads with a concurrent batch: the second batch reads only what the first is not already reading', async () => {
    // Prepare
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    dynamodb.on(BatchGetItemCommand).callsFake(async (input: BatchGetItemCommandInput) => {
      await gate;
      const keys = input.RequestItems?.[TABLE].Keys ?? [];
      return { Responses: { [TABLE]: keys.map((k) => itemOf(k.pk.S?.slice(10) ?? '')) } };
    });
    const registry = CachedRegistry.fromTable(client, TABLE, { now: clock });

    // Act
    const first = lookUpWorkspaces(eventsOf(ids(10)), registry, logs.logger);
    // The first batch's read is on its way when the second batch looks its workspaces up.
    await new Promise(setImmediate);
    const second = lookUpWorkspaces(eventsOf(ids(10, 5)), registry, logs.logger);
    await new Promise(setImmediate);
    release();
    const [a, b] = await Promise.all([first, second]);

    // Assess
    expect(dynamodb.commandCalls(BatchGetItemCommand)).toHaveLength(2);
    expect(requested(0)).toEqual(ids(10));
    expect(requested(1)).toEqual(ids(5, 10));
    expect(a.resolve('ws-7', undefined)).toEqual(b.resolve('ws-7', undefined));
    expect(ids(10).every((id) => a.resolve(id, undefined).kind === 'live')).toBe(true);
    expect(ids(10, 5).every((id) => b.resolve(id, undefined).kind === 'live')).toBe(true);
  });
});

describe('CachedRegistry memory budget', () => {
  const recordWith = (id: string, destinations: number, mapped = false): WorkspaceRecord => ({
    ...record(id, 1),
    destinations: Array.from({ length: destinations }, (_, i) => ({
      ...specOf(lambdaDestination),
      id: `fn-${i}`,
      ...(mapped && { mapping: { mode: 'all' as const, properties: { 'visitor.email': 'hash' as const } } }),
    })),
  });

  it('estimates more bytes for more destinations and for compiled mappings, few for an unknown workspace', () => {
    const one = estimatedEntryBytes('ws-a', recordWith('ws-a', 1));
    const three = estimatedEntryBytes('ws-a', recordWith('ws-a', 3));
    const mapped = estimatedEntryBytes('ws-a', recordWith('ws-a', 3, true));

    expect(three).toBeGreaterThan(one);
    expect(mapped).toBeGreaterThan(three + 3 * 1_000);
    expect(estimatedEntryBytes('ws-a', undefined)).toBeLessThan(one / 10);
  });

  it('drops the least recently used workspaces once the estimated bytes pass the budget', async () => {
    // Prepare
    const source = table();
    for (const id of ['ws-a', 'ws-b', 'ws-c', 'ws-d']) source.items.set(id, recordWith(id, 2));
    const entry = estimatedEntryBytes('ws-a', recordWith('ws-a', 2));
    const registry = new CachedRegistry(source.load, { maxBytes: 3 * entry, now: () => 0 });
    await registry.workspace('ws-a');
    await registry.workspace('ws-b');
    await registry.workspace('ws-c');

    // Act
    await registry.workspace('ws-a');
    await registry.workspace('ws-d');

    // Assess
    expect(registry.size).toBe(3);
    expect(registry.bytes).toBe(3 * entry);
    const reads = source.reads.length;
    await Promise.all(['ws-a', 'ws-c', 'ws-d'].map((id) => registry.workspace(id)));
    expect(source.reads.length).toBe(reads);
    await registry.workspace('ws-b');
    expect(source.reads.slice(reads)).toEqual(['ws-b']);
  });

  it('keeps the bytes within the budget with 10,000 workspaces of different sizes', async () => {
    // Prepare
    const source = table();
    for (let i = 0; i < 10_000; i++)
      source.items.set(`ws-${i}`, recordWith(`ws-${i}`, 1 + (i % 4), i % 5 === 0));
    const budget = 4 * 2 ** 20;
    const registry = new CachedRegistry(source.load, { maxBytes: budget, now: () => 0 });

    // Act
    for (let i = 0; i < 10_000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => registry.workspace(`ws-${i + j}`)));
    }

    // Assess
    expect(registry.bytes).toBeLessThanOrEqual(budget);
    expect(registry.bytes).toBeGreaterThan(budget - 20_000);
    expect(registry.size).toBeGreaterThan(200);
    expect(registry.size).toBeLessThan(2_000);
    const reads = source.reads.length;
    await registry.workspace('ws-9999');
    expect(source.reads.length).toBe(reads);
    await registry.workspace('ws-0');
    expect(source.reads.length).toBe(reads + 1);
  });
});
