import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Caller } from '../../../lambda/control-plane/access/caller';
import type { Role } from '../../../lambda/control-plane/access/roles';
import type { ChangeContext } from '../../../lambda/control-plane/audit/audit-log';
import {
  DestinationSwitch,
  DISABLED_BY_WORKSPACE,
} from '../../../lambda/control-plane/deliveries/destination-switch';
import type { ApiRequest } from '../../../lambda/control-plane/http/api-request';
import { handleRequest, routeTable, toApiError } from '../../../lambda/control-plane/http/router';
import type { WorkspaceRegistry } from '../../../lambda/control-plane/registry/workspace-registry';
import { ROUTES } from '../../../lambda/control-plane/routes';
import type { ControlPlaneServices } from '../../../lambda/control-plane/services';
import type { DestinationSpec } from '../../../lambda/shared/destination-config';
import { specOf, standardTopicDestination } from '../../support/fixtures';

const WS = 'ws-b';
const STATUS = 'destination-status';
const REGISTRY = 'registry';
const NOW = Date.parse('2030-01-15T12:00:00.000Z');
const CHANGE: ChangeContext = {
  actor: { type: 'user', id: 'sub-editor', name: 'editor@example.com' },
  requestId: 'req-1',
  sourceIp: '203.0.113.7',
};

const dynamodb = mockClient(DynamoDBClient);

const destinationSwitch = () =>
  new DestinationSwitch({
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    statusTable: STATUS,
    auditTable: REGISTRY,
    now: () => NOW,
  });

const transactions = () =>
  dynamodb
    .commandCalls(TransactWriteItemsCommand)
    .map((call) => call.args[0].input as TransactWriteItemsCommandInput);

/** DynamoDB's answer when a condition of the transaction's first item fails. */
const conditionFailed = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
    $metadata: {},
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
  });

/** The audit Put a transaction carries, as the audit log would read it. */
const auditOf = (input: TransactWriteItemsCommandInput) => {
  const put = input.TransactItems?.find((t) => t.Put)?.Put;
  return {
    table: put?.TableName,
    pk: put?.Item?.pk?.S,
    sk: put?.Item?.sk?.S,
    at: put?.Item?.at?.S,
    action: put?.Item?.action?.S,
    target: put?.Item?.target?.S,
    actor: put?.Item?.actor_id?.S,
    requestId: put?.Item?.request_id?.S,
  };
};

beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(TransactWriteItemsCommand).resolves({});
});

describe('DestinationSwitch.set', () => {
  it("disables in one transaction: sets disabled_at and the workspace's reason where not disabled yet, and audits destination.disable", async () => {
    // Act
    const result = await destinationSwitch().set(WS, 'orders', false, CHANGE);

    // Assess
    expect(result).toEqual({ enabled: false, changed: true });
    expect(transactions()).toHaveLength(1);
    const [transaction] = transactions();
    expect(transaction.TransactItems).toHaveLength(2);
    expect(transaction.TransactItems?.[0]).toEqual({
      Update: {
        TableName: STATUS,
        Key: { destination_id: { S: `${WS}/orders` } },
        UpdateExpression: 'SET disabled_at = :now, disabled_reason = :reason',
        ConditionExpression: 'attribute_not_exists(disabled_at)',
        ExpressionAttributeValues: {
          ':now': { N: String(NOW) },
          ':reason': { S: DISABLED_BY_WORKSPACE },
        },
      },
    });
    expect(auditOf(transaction)).toEqual({
      table: REGISTRY,
      pk: `workspace#${WS}`,
      sk: expect.stringMatching(/^audit#2030-01-15T12:00:00\.000Z#/),
      at: '2030-01-15T12:00:00.000Z',
      action: 'destination.disable',
      target: 'destination/orders',
      actor: 'sub-editor',
      requestId: 'req-1',
    });
  });

  it("enables in one transaction: removes what disabled it (and the dispatcher's failure record) where disabled, and audits destination.enable", async () => {
    // Act
    const result = await destinationSwitch().set(WS, 'orders', true, CHANGE);

    // Assess
    expect(result).toEqual({ enabled: true, changed: true });
    expect(transactions()).toHaveLength(1);
    const [transaction] = transactions();
    expect(transaction.TransactItems).toHaveLength(2);
    expect(transaction.TransactItems?.[0]).toEqual({
      Update: {
        TableName: STATUS,
        Key: { destination_id: { S: `${WS}/orders` } },
        UpdateExpression:
          'REMOVE disabled_at, disabled_reason, failing_since, last_failure_at, last_error_code',
        ConditionExpression: 'attribute_exists(disabled_at)',
      },
    });
    expect(auditOf(transaction)).toMatchObject({
      table: REGISTRY,
      action: 'destination.enable',
      target: 'destination/orders',
      actor: 'sub-editor',
    });
  });

  it.each([
    ['disabling one already disabled', false],
    ['enabling one not disabled', true],
  ])(
    'answers changed: false without throwing when %s (its condition fails: nothing written, nothing audited)',
    async (_label, enabled) => {
      // Prepare
      dynamodb.on(TransactWriteItemsCommand).rejects(conditionFailed());

      // Act
      const result = await destinationSwitch().set(WS, 'orders', enabled, CHANGE);

      // Assess
      expect(result).toEqual({ enabled, changed: false });
      // The one transaction tried was cancelled as a whole, its audit Put with it; nothing else was sent.
      expect(dynamodb.calls()).toHaveLength(1);
      expect(transactions()).toHaveLength(1);
    },
  );

  it('lets a transaction cancelled for another reason through', async () => {
    // Prepare
    const conflict = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
    });
    dynamodb.on(TransactWriteItemsCommand).rejects(conflict);

    // Act
    const pending = destinationSwitch().set(WS, 'orders', false, CHANGE);

    // Assess
    await expect(pending).rejects.toBe(conflict);
  });

  it('lets any other error through', async () => {
    // Prepare
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    dynamodb.on(TransactWriteItemsCommand).rejects(throttled);

    // Act
    const pending = destinationSwitch().set(WS, 'orders', true, CHANGE);

    // Assess
    await expect(pending).rejects.toBe(throttled);
  });
});

const ROLES: Record<string, Role> = { viewer: 'viewer', editor: 'editor', admin: 'admin' };
const person = (userId: string): Caller => ({
  kind: 'user',
  userId,
  username: `${userId}@example.com`,
  operator: false,
});
const LIVE_ONLY: DestinationSpec = {
  ...specOf(standardTopicDestination),
  id: 'live-only',
} as DestinationSpec;
const DRAFT_ONLY: DestinationSpec = {
  ...specOf(standardTopicDestination),
  id: 'draft-only',
} as DestinationSpec;

/** Services with this workspace's registry (one destination only live, one only drafted) and, unless not, the switch. */
function services(options: { withSwitch?: boolean } = {}): ControlPlaneServices {
  const registry = {
    draft: async (workspace: string) => (workspace === WS ? [DRAFT_ONLY] : []),
    liveRecord: async (workspace: string) => ({ destinations: workspace === WS ? [LIVE_ONLY] : [] }),
  } as unknown as WorkspaceRegistry;
  return {
    members: {
      roleOf: async (workspace: string, userId: string) => (workspace === WS ? ROLES[userId] : undefined),
    },
    registry: () => registry,
    ...((options.withSwitch ?? true) && { destinationSwitch: destinationSwitch() }),
  } as unknown as ControlPlaneServices;
}

const TABLE = routeTable(ROUTES);
const DISABLE = '/v1/workspaces/{workspace}/destinations/{destination}/disable';
const ENABLE = '/v1/workspaces/{workspace}/destinations/{destination}/enable';

/** Calls the API as `who`: its answer, or the error it would answer with. */
async function call(who: string, path: string, destination: string, withServices = services()) {
  const request: ApiRequest = {
    method: 'POST',
    resource: path,
    pathParameters: { workspace: WS, destination },
    query: {},
    headers: {},
    requestId: 'req-1',
    sourceIp: '203.0.113.7',
    caller: person(who),
  };
  try {
    const response = await handleRequest(request, TABLE, withServices);
    return { status: response.status, body: response.json as Record<string, unknown> };
  } catch (error) {
    const known = toApiError(error);
    return { status: known?.status ?? 500, body: { code: known?.code, message: (error as Error).message } };
  }
}

describe('POST destinations/{destination}/disable and /enable', () => {
  it.each([
    ['disable', DISABLE, false],
    ['enable', ENABLE, true],
  ])(
    'lets an editor %s a live destination: 200 with its state, the change written and audited as them',
    async (_label, path, enabled) => {
      // Act
      const { status, body } = await call('editor', path, 'live-only');

      // Assess
      expect(status).toBe(200);
      expect(body).toEqual({ destination: 'live-only', enabled, changed: true });
      expect(transactions()).toHaveLength(1);
      expect(transactions()[0].TransactItems?.[0].Update?.Key).toEqual({
        destination_id: { S: `${WS}/live-only` },
      });
      expect(auditOf(transactions()[0])).toMatchObject({
        action: enabled ? 'destination.enable' : 'destination.disable',
        target: 'destination/live-only',
        actor: 'editor',
      });
    },
  );

  it('switches a destination that is only in the draft', async () => {
    // Act
    const { status, body } = await call('admin', DISABLE, 'draft-only');

    // Assess
    expect(status).toBe(200);
    expect(body).toEqual({ destination: 'draft-only', enabled: false, changed: true });
    expect(transactions()[0].TransactItems?.[0].Update?.Key).toEqual({
      destination_id: { S: `${WS}/draft-only` },
    });
  });

  it('answers 200 with changed: false when it already was so', async () => {
    // Prepare
    dynamodb.on(TransactWriteItemsCommand).rejects(conditionFailed());

    // Act
    const { status, body } = await call('editor', DISABLE, 'live-only');

    // Assess
    expect(status).toBe(200);
    expect(body).toEqual({ destination: 'live-only', enabled: false, changed: false });
  });

  it.each([
    ['disable', DISABLE],
    ['enable', ENABLE],
  ])(
    'answers %s of a destination neither drafted nor live with 404 DestinationNotFound, writing nothing',
    async (_label, path) => {
      // Act
      const { status, body } = await call('editor', path, 'nowhere');

      // Assess
      expect(status).toBe(404);
      expect(body).toMatchObject({ code: 'DestinationNotFound' });
      expect(body.message).toContain('nowhere');
      expect(dynamodb.calls()).toHaveLength(0);
    },
  );

  it.each([
    ['disable', DISABLE],
    ['enable', ENABLE],
  ])('answers %s with 501 where the deployment keeps no destination status', async (_label, path) => {
    // Act
    const { status, body } = await call('editor', path, 'live-only', services({ withSwitch: false }));

    // Assess
    expect(status).toBe(501);
    expect(body).toMatchObject({ code: 'DestinationSwitchNotConfigured' });
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it.each([
    ['disable', DISABLE],
    ['enable', ENABLE],
  ])('refuses a viewer to %s: 403, writing nothing', async (_label, path) => {
    // Act
    const { status, body } = await call('viewer', path, 'live-only');

    // Assess
    expect(status).toBe(403);
    expect(body).toMatchObject({ code: 'Forbidden' });
    expect(dynamodb.calls()).toHaveLength(0);
  });
});
