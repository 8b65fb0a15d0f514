import { DynamoDBClient, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  auditItem,
  type ChangeContext,
  InvalidCursorError,
  listAuditEvents,
  writeAudited,
} from '../../../lambda/control-plane/audit/audit-log';
import { registryKeys } from '../../../lambda/shared/registry-table';

const TABLE = 'registry';
const WS = 'ws-a';
const AT = '2030-01-15T12:00:00.000Z';
const CHANGE: ChangeContext = {
  actor: { type: 'user', id: 'sub-1', name: 'alice@example.com' },
  requestId: 'req-1',
  sourceIp: '203.0.113.7',
  userAgent: 'console/1.0',
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const dynamodb = mockClient(DynamoDBClient);
const client = () => new DynamoDBClient({});

/** An audit event as stored. */
const storedEvent = (at: string, id: string, extra: Record<string, { S: string }> = {}) => ({
  ...registryKeys.audit(WS, at, id),
  at: { S: at },
  action: { S: 'destination.create' },
  target: { S: 'destination/orders' },
  actor_type: { S: 'api-key' },
  actor_id: { S: '0123456789abcdef' },
  request_id: { S: `req-${id.slice(0, 4)}` },
  ...extra,
});
const ID_1 = '11111111-1111-4111-8111-111111111111';
const ID_2 = '22222222-2222-4222-8222-222222222222';
const cursorOf = (sk: string) => Buffer.from(sk).toString('base64url');

beforeEach(() => {
  dynamodb.reset();
});

describe('auditItem', () => {
  it("writes who, what, when, from where, and the versions before and after, under the workspace's audit key", () => {
    // Act
    const { Put } = auditItem(
      TABLE,
      WS,
      CHANGE,
      {
        action: 'workspace.publish',
        target: 'workspace',
        before: { liveVersion: 3 },
        after: { liveVersion: 4 },
      },
      AT,
    );

    // Assess
    expect(Put?.TableName).toBe(TABLE);
    expect(Put?.ConditionExpression).toBeUndefined();
    const item = Put?.Item ?? {};
    const id = item.sk?.S?.split('#')[2] ?? '';
    expect(id).toMatch(UUID);
    expect(item).toEqual({
      pk: { S: `workspace#${WS}` },
      sk: { S: `audit#${AT}#${id}` },
      at: { S: AT },
      action: { S: 'workspace.publish' },
      target: { S: 'workspace' },
      actor_type: { S: 'user' },
      actor_id: { S: 'sub-1' },
      actor_name: { S: 'alice@example.com' },
      request_id: { S: 'req-1' },
      source_ip: { S: '203.0.113.7' },
      user_agent: { S: 'console/1.0' },
      before: { S: '{"liveVersion":3}' },
      after: { S: '{"liveVersion":4}' },
    });
  });

  it('leaves out what the request did not have', () => {
    // Act
    const { Put } = auditItem(
      TABLE,
      WS,
      { actor: { type: 'api-key', id: '0123456789abcdef' }, requestId: 'req-2' },
      { action: 'destination.delete', target: 'destination/orders' },
      AT,
    );

    // Assess
    expect(Object.keys(Put?.Item ?? {}).sort()).toEqual(
      ['action', 'actor_id', 'actor_type', 'at', 'pk', 'request_id', 'sk', 'target'].sort(),
    );
  });

  it('writes only the fields it knows: nothing else a request carries (a token, a body) gets in', () => {
    // Prepare
    const leaky = {
      ...CHANGE,
      authorization: 'Bearer eyJ.secret.token',
      body: '{"key":"edk_0123456789abcdef_secret"}',
    } as ChangeContext;

    // Act
    const { Put } = auditItem(TABLE, WS, leaky, { action: 'api-key.create', target: 'api-key/x' }, AT);

    // Assess
    expect(JSON.stringify(Put)).not.toMatch(/secret|eyJ/);
  });

  it('caps the user agent at 256 characters', () => {
    // Prepare
    const agent = `curl/${'9'.repeat(1000)}`;

    // Act
    const { Put } = auditItem(TABLE, WS, { ...CHANGE, userAgent: agent }, { action: 'a', target: 't' }, AT);

    // Assess
    expect(Put?.Item?.user_agent.S).toBe(agent.slice(0, 256));
  });

  it('gives every event its own id, even at the same time', () => {
    // Act
    const first = auditItem(TABLE, WS, CHANGE, { action: 'a', target: 't' }, AT);
    const second = auditItem(TABLE, WS, CHANGE, { action: 'a', target: 't' }, AT);

    // Assess
    expect(first.Put?.Item?.sk.S).not.toBe(second.Put?.Item?.sk.S);
  });
});

describe('writeAudited', () => {
  it('writes the change and its event in one transaction, the event last', async () => {
    // Prepare
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    const change = { Put: { TableName: TABLE, Item: registryKeys.draft(WS) } };

    // Act
    await writeAudited(
      client(),
      TABLE,
      WS,
      CHANGE,
      { action: 'destination.create', target: 'd/x' },
      [change],
      AT,
    );

    // Assess
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    const { TransactItems = [] } = dynamodb.commandCalls(TransactWriteItemsCommand)[0].args[0].input;
    expect(TransactItems).toHaveLength(2);
    expect(TransactItems[0]).toEqual(change);
    expect(TransactItems[1].Put?.Item).toMatchObject({ action: { S: 'destination.create' }, at: { S: AT } });
  });
});

describe('listAuditEvents', () => {
  it("reads the workspace's audit events newest first, a page at a time", async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({
      Items: [
        storedEvent('2030-01-15T12:00:00.000Z', ID_2, {
          source_ip: { S: '203.0.113.7' },
          user_agent: { S: 'cli/2' },
          actor_name: { S: 'key ci' },
          before: { S: '{"draftRevision":1}' },
          after: { S: '{"draftRevision":2}' },
        }),
        storedEvent('2030-01-14T12:00:00.000Z', ID_1),
      ],
    });

    // Act
    const page = await listAuditEvents(client(), TABLE, WS, { limit: 2 });

    // Assess
    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': { S: `workspace#${WS}` }, ':audit': { S: 'audit#' } },
      ScanIndexForward: false,
      Limit: 2,
    });
    expect(dynamodb.commandCalls(QueryCommand)[0].args[0].input.ExclusiveStartKey).toBeUndefined();
    expect(page).toEqual({
      events: [
        {
          id: ID_2,
          workspace: WS,
          at: '2030-01-15T12:00:00.000Z',
          action: 'destination.create',
          target: 'destination/orders',
          actor: { type: 'api-key', id: '0123456789abcdef', name: 'key ci' },
          requestId: 'req-2222',
          sourceIp: '203.0.113.7',
          userAgent: 'cli/2',
          before: { draftRevision: 1 },
          after: { draftRevision: 2 },
        },
        {
          id: ID_1,
          workspace: WS,
          at: '2030-01-14T12:00:00.000Z',
          action: 'destination.create',
          target: 'destination/orders',
          actor: { type: 'api-key', id: '0123456789abcdef' },
          requestId: 'req-1111',
        },
      ],
    });
  });

  it('gives a cursor that reads on from where the page stopped', async () => {
    // Prepare
    const last = registryKeys.audit(WS, '2030-01-14T12:00:00.000Z', ID_1);
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({ Items: [storedEvent('2030-01-14T12:00:00.000Z', ID_1)], LastEvaluatedKey: last })
      .resolvesOnce({ Items: [] });

    // Act
    const first = await listAuditEvents(client(), TABLE, WS, { limit: 1 });
    const second = await listAuditEvents(client(), TABLE, WS, { limit: 1, cursor: first.nextCursor });

    // Assess
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(dynamodb.commandCalls(QueryCommand)[1].args[0].input).toMatchObject({
      ExclusiveStartKey: last,
      ScanIndexForward: false,
      Limit: 1,
    });
    expect(second).toEqual({ events: [] });
  });

  it("keeps a cursor of another workspace's page within this workspace's events", async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    const sk = `audit#2030-01-14T12:00:00.000Z#${ID_1}`;

    // Act
    await listAuditEvents(client(), TABLE, WS, { limit: 10, cursor: cursorOf(sk) });

    // Assess
    expect(dynamodb).toHaveReceivedCommandWith(QueryCommand, {
      ExclusiveStartKey: { pk: { S: `workspace#${WS}` }, sk: { S: sk } },
      ExpressionAttributeValues: { ':pk': { S: `workspace#${WS}` }, ':audit': { S: 'audit#' } },
    });
  });

  it.each([
    ["another workspace's key", JSON.stringify(registryKeys.audit('ws-b', AT, ID_1))],
    ['a key naming another partition', `workspace#ws-b#audit#${AT}#${ID_1}`],
    ["an API key's sort key", 'api-key#0123456789abcdef'],
    ["a member's sort key", 'member#sub-1'],
    ['the workspace item', 'workspace'],
    ['the draft', 'draft'],
    ['a version', 'version#0000000001'],
    ['an audit key with something after it', `audit#${AT}#${ID_1}#x`],
    ['an audit key with no id', `audit#${AT}#`],
    ['nothing', ''],
  ])('refuses a forged cursor: %s', async (_case, forged) => {
    // Act
    const pending = listAuditEvents(client(), TABLE, WS, { limit: 10, cursor: cursorOf(forged) || '!!!' });

    // Assess
    await expect(pending).rejects.toBeInstanceOf(InvalidCursorError);
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });
});
