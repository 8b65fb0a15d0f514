import {
  CachedRegistry,
  LayeredRegistry,
  RegistryUnavailableError,
} from '../../lambda/dispatcher/prepare/registry';
import type { WorkspaceRecord } from '../../lambda/shared/workspace';
import { lambdaDestination, registryOf, specOf } from '../support/fixtures';

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
