import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { WorkspaceRegistry } from '../../lambda/control-plane/registry/workspace-registry';
import { CachedRegistry } from '../../lambda/dispatcher/prepare/registry';
import { readWorkspaceRecords, registryKeys } from '../../lambda/shared/registry-table';
import { emulatorClient, PLATFORM_ACCOUNT } from '../../local/accounts';
import { type Emulator, startEmulator } from '../../local/emulator';
import { createRegistryTable } from '../../local/provision';

jest.setTimeout(60_000);

const TABLE = 'registry';
const topic = (id: string) => ({
  id,
  type: 'sns' as const,
  topicArn: `arn:aws:sns:us-east-1:111122223333:${id}`,
  roleArn: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery',
  events: ['*'],
});

describe("the dispatcher's batched registry reads (emulator)", () => {
  let emulator: Emulator;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    emulator = await startEmulator({});
    dynamodb = emulatorClient(DynamoDBClient, emulator.endpoint, PLATFORM_ACCOUNT);
    await createRegistryTable(dynamodb, TABLE);
    const operator = new WorkspaceRegistry(dynamodb, TABLE, 'arn:aws:iam::123456789012:user/alice');
    await operator.createWorkspace('ws-published');
    await operator.addDestination('ws-published', topic('orders'));
    await operator.publish('ws-published');
    // Workspace items as the control plane writes them, enough for three chunks.
    for (let i = 0; i < 230; i++) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: {
            ...registryKeys.workspace(`ws-${i}`),
            external_id: { S: `cdp-${String(i).padStart(32, '0')}` },
            workspace_status: { S: i === 7 ? 'disabled' : 'active' },
            live_version: { N: '1' },
            live_destinations: { S: JSON.stringify([topic(`t-${i}`)]) },
          },
        }),
      );
    }
  }, 60_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  it('reads 232 workspaces in chunks of 100, each answered by its own id, the unknown ones absent', async () => {
    // Prepare
    const ids = [...Array.from({ length: 230 }, (_, i) => `ws-${i}`), 'ws-published', 'ws-nobody'];

    // Act
    const outcomes = await readWorkspaceRecords(dynamodb, TABLE, ids, 5_000);

    // Assess
    expect([...outcomes.keys()].sort()).toEqual([...ids].sort());
    expect([...outcomes.values()].every((o) => o.status === 'fulfilled')).toBe(true);
    const value = (id: string) => (outcomes.get(id) as PromiseFulfilledResult<unknown>).value;
    expect(value('ws-nobody')).toBeUndefined();
    expect(value('ws-229')).toMatchObject({ id: 'ws-229', liveVersion: 1, destinations: [topic('t-229')] });
    expect(value('ws-7')).toMatchObject({ status: 'disabled' });
    expect(value('ws-published')).toMatchObject({ liveVersion: 1, destinations: [topic('orders')] });
  });

  it('serves a batch of workspaces through CachedRegistry.fromTable', async () => {
    // Prepare
    const registry = CachedRegistry.fromTable(dynamodb, TABLE);

    // Act
    const workspaces = await Promise.all(
      ['ws-1', 'ws-7', 'ws-published', 'ws-nobody'].map((id) => registry.workspace(id)),
    );

    // Assess
    expect(workspaces.map((w) => w?.version)).toEqual([1, undefined, 1, undefined]);
    expect(workspaces[2]?.destinations[0]).toMatchObject({ id: 'orders', workspaceId: 'ws-published' });
    expect(registry.size).toBe(4);
  });
});
