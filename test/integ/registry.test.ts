import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RegistryError, WorkspaceRegistry } from '../../lambda/control-plane/registry/workspace-registry';
import { readWorkspaceRecord } from '../../lambda/shared/registry-table';
import { emulatorClient, PLATFORM_ACCOUNT } from '../../local/accounts';
import { type Emulator, startEmulator } from '../../local/emulator';
import { createRegistryTable } from '../../local/provision';

jest.setTimeout(60_000);

const TABLE = 'registry';
const topic = (id: string, name = 'events') => ({
  id,
  type: 'sns' as const,
  topicArn: `arn:aws:sns:us-east-1:111122223333:${name}`,
  roleArn: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery',
  events: ['*'],
});

describe('the destination registry on DynamoDB (emulator)', () => {
  let emulator: Emulator;
  let dynamodb: DynamoDBClient;
  const as = (caller: string) => new WorkspaceRegistry(dynamodb, TABLE, caller);

  beforeAll(async () => {
    emulator = await startEmulator({});
    dynamodb = emulatorClient(DynamoDBClient, emulator.endpoint, PLATFORM_ACCOUNT);
    await createRegistryTable(dynamodb, TABLE);
  }, 60_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  it('assigns each workspace its own unguessable external id, and refuses a second workspace of the same id', async () => {
    const operator = as('arn:aws:iam::123456789012:user/alice');
    const a = await operator.createWorkspace('ws-a');
    const b = await operator.createWorkspace('ws-b');

    expect(a.externalId).toMatch(/^cdp-[0-9a-f]{32}$/);
    expect(b.externalId).not.toBe(a.externalId);
    await expect(operator.createWorkspace('ws-a')).rejects.toThrow('workspace "ws-a" already exists');
    await expect(operator.createWorkspace('ws/a')).rejects.toThrow(/workspace id must be 1-64/);
    expect((await operator.listWorkspaces()).map((w) => w.id)).toEqual(['ws-a', 'ws-b']);
  });

  it('publishes the draft as immutable versions, recording who, when and what changed; rollback republishes', async () => {
    const alice = as('arn:aws:iam::123456789012:user/alice');
    const bob = as('arn:aws:iam::123456789012:user/bob');
    await alice.createWorkspace('ws-v');

    await alice.addDestination('ws-v', topic('orders'));
    expect(await alice.diff('ws-v')).toEqual({ added: ['orders'], removed: [], changed: [] });
    // Nothing is live before publish.
    expect((await readWorkspaceRecord(dynamodb, TABLE, 'ws-v'))?.destinations).toEqual([]);
    const v1 = await alice.publish('ws-v', 'first');
    await bob.updateDestination('ws-v', 'orders', { events: ['Order Completed'] });
    await bob.addDestination('ws-v', topic('marketing', 'marketing'));
    const v2 = await bob.publish('ws-v');
    await expect(bob.publish('ws-v')).rejects.toThrow('nothing to publish');
    const v3 = await alice.rollback('ws-v');

    expect([v1.version, v2.version, v3.version]).toEqual([1, 2, 3]);
    const versions = await alice.versions('ws-v');
    expect(
      versions.map(({ version, publishedBy, action, restoredVersion, changes }) => ({
        version,
        publishedBy,
        action,
        restoredVersion,
        changes,
      })),
    ).toEqual([
      {
        version: 1,
        publishedBy: 'iam:arn:aws:iam::123456789012:user/alice',
        action: 'publish',
        restoredVersion: undefined,
        changes: { added: ['orders'], removed: [], changed: [] },
      },
      {
        version: 2,
        publishedBy: 'iam:arn:aws:iam::123456789012:user/bob',
        action: 'publish',
        restoredVersion: undefined,
        changes: { added: ['marketing'], removed: [], changed: ['orders'] },
      },
      {
        version: 3,
        publishedBy: 'iam:arn:aws:iam::123456789012:user/alice',
        action: 'rollback',
        restoredVersion: 1,
        changes: { added: [], removed: ['marketing'], changed: ['orders'] },
      },
    ]);
    expect(versions.every((v) => !Number.isNaN(Date.parse(v.publishedAt)))).toBe(true);
    // Version 2 is kept as it was; the live version is version 1's content, and so is the draft.
    expect((await alice.version('ws-v', 2)).destinations.map((d) => d.id)).toEqual(['orders', 'marketing']);
    const live = await readWorkspaceRecord(dynamodb, TABLE, 'ws-v');
    expect(live?.liveVersion).toBe(3);
    expect(live?.destinations).toEqual(v1.destinations);
    expect(await alice.diff('ws-v')).toEqual({ added: [], removed: [], changed: [] });
    // Rolling forward to a given version.
    expect((await alice.rollback('ws-v', 2)).destinations.map((d) => d.id)).toEqual(['orders', 'marketing']);
    await expect(alice.rollback('ws-v', 9)).rejects.toThrow(/from 1 to 3/);
  });

  it('names the field of a bad destination, and refuses an external id on it', async () => {
    const operator = as('operator');
    await operator.createWorkspace('ws-bad');

    await expect(operator.addDestination('ws-bad', { ...topic('x'), topicArn: 'nope' })).rejects.toThrow(
      /destination "x": topicArn must be an SNS topic ARN/,
    );
    await expect(
      operator.addDestination('ws-bad', { ...topic('x'), externalId: 'ws-a-external-id' } as never),
    ).rejects.toThrow(/externalId is assigned by the platform/);
    await expect(operator.addDestination('ws-nobody', topic('x'))).rejects.toThrow(
      'no workspace "ws-nobody"',
    );
  });

  it('refuses destinations too large for a registry item, naming the limit, and writes nothing', async () => {
    const operator = as('operator');
    await operator.createWorkspace('ws-huge');
    const properties = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [`event.event_properties.property_${i}`, 'keep']),
    );

    await expect(
      operator.addDestination('ws-huge', { ...topic('x'), mapping: { properties } } as never),
    ).rejects.toThrow(/bytes of JSON, mappings included; at most 300000 fit/);
    expect(await operator.draft('ws-huge')).toEqual([]);
  });

  it('lets one workspace only own an account for role-less Lambda destinations', async () => {
    const operator = as('operator');
    await operator.createWorkspace('ws-owner');
    await operator.createWorkspace('ws-other');
    const roleLess = {
      id: 'fn',
      type: 'lambda' as const,
      functionArn: 'arn:aws:lambda:us-east-1:444455556666:function:analytics',
      events: ['*'],
    };

    await expect(operator.addDestination('ws-owner', roleLess)).rejects.toThrow(
      /account 444455556666 is not an invoke account of workspace ws-owner/,
    );
    await operator.addInvokeAccount('ws-owner', '444455556666');
    await operator.addDestination('ws-owner', roleLess);
    await operator.publish('ws-owner');
    await expect(operator.addInvokeAccount('ws-other', '444455556666')).rejects.toThrow(
      'account 444455556666 belongs to another workspace',
    );
    await expect(operator.addDestination('ws-other', roleLess)).rejects.toBeInstanceOf(RegistryError);
    expect((await readWorkspaceRecord(dynamodb, TABLE, 'ws-owner'))?.invokeAccounts).toEqual([
      '444455556666',
    ]);
  });

  it('lets only one of two concurrent publishes win', async () => {
    const operator = as('operator');
    await operator.createWorkspace('ws-race');
    await operator.addDestination('ws-race', topic('orders'));

    const outcomes = await Promise.allSettled([operator.publish('ws-race'), operator.publish('ws-race')]);

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await operator.versions('ws-race')).map((v) => v.version)).toEqual([1]);
  });

  it('disables a workspace: the dispatcher finds it disabled', async () => {
    const operator = as('operator');
    await operator.createWorkspace('ws-off');
    await operator.setWorkspaceStatus('ws-off', 'disabled');

    expect((await readWorkspaceRecord(dynamodb, TABLE, 'ws-off'))?.status).toBe('disabled');
  });
});
