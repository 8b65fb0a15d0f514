import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { Caller } from '../../../lambda/control-plane/access/caller';
import type { Role } from '../../../lambda/control-plane/access/roles';
import {
  DeadLetters,
  MAX_LETTERS_PER_REQUEST,
  MAX_REDRIVE_BYTES,
} from '../../../lambda/control-plane/dead-letters/dead-letters';
import type { ApiRequest } from '../../../lambda/control-plane/http/api-request';
import { handleRequest, routeTable, toApiError } from '../../../lambda/control-plane/http/router';
import { ROUTES } from '../../../lambda/control-plane/routes';
import type { ControlPlaneServices } from '../../../lambda/control-plane/services';
import { toRedriveEntry } from '../../../lambda/dispatcher/settle/redrive-entry';
import {
  fromDeadLetterItem,
  letterId,
  queuedAttributes,
  type StoredDeadLetter,
  toDeadLetterItem,
} from '../../../lambda/shared/dead-letter-store';

const WS = 'ws-b';
const OTHER = 'ws-a';
const STORE = 'dead-letters';
const REGISTRY = 'registry';
const INGEST = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest';
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const dynamodb = mockClient(DynamoDBClient);
const sqs = mockClient(SQSClient);

const ROLES: Record<string, Record<string, Role>> = {
  [WS]: { viewer: 'viewer', editor: 'editor', admin: 'admin' },
  [OTHER]: { stranger: 'admin' },
};
const person = (userId: string): Caller => ({ kind: 'user', userId, username: userId, operator: false });

/** A letter of `workspaceId` as the dispatcher stores it. */
function letter(n: number, overrides: Partial<StoredDeadLetter> = {}, workspaceId = WS): StoredDeadLetter {
  const at = 1_732_300_000_000 + n * 1_000;
  return {
    workspaceId,
    id: letterId(at, uuid(n)),
    messageId: uuid(n),
    at: new Date(at).toISOString(),
    errorCode: 'AccessDenied',
    reason: 'AuthorizationError: not authorized',
    attempts: 1,
    destinationId: 'orders',
    mappingVersion: 2,
    mappingPin: `pin-${n}`,
    distinctId: `evt_${n}`,
    expiresAt: Math.floor(at / 1000) + 1_209_600,
    body: JSON.stringify({
      workspace_id: workspaceId,
      event: { event: 'Order Completed', distinct_id: `evt_${n}` },
    }),
    ...overrides,
  };
}
const item = (stored: StoredDeadLetter) => toDeadLetterItem(stored) as Record<string, AttributeValue>;

function services(options: { store?: boolean; ingest?: boolean } = {}): ControlPlaneServices {
  const client = new DynamoDBClient({ region: 'us-east-1' });
  return {
    dynamodb: client,
    tableName: REGISTRY,
    members: { roleOf: async (workspace: string, userId: string) => ROLES[workspace]?.[userId] },
    ...((options.store ?? true) && {
      deadLetters: new DeadLetters({
        dynamodb: client,
        tableName: STORE,
        auditTableName: REGISTRY,
        ...((options.ingest ?? true) && {
          ingest: { sqs: new SQSClient({ region: 'us-east-1' }), queueUrl: INGEST },
        }),
      }),
    }),
  } as unknown as ControlPlaneServices;
}

const TABLE = routeTable(ROUTES);

/** Calls the API as `who`: its answer, or the error it would answer with. */
async function call(
  who: string,
  method: string,
  path: string,
  options: {
    workspace?: string;
    letter?: string;
    query?: Record<string, string>;
    body?: unknown;
    services?: ControlPlaneServices;
  } = {},
) {
  const request: ApiRequest = {
    method,
    resource: path,
    pathParameters: {
      workspace: options.workspace ?? WS,
      ...(options.letter !== undefined && { letter: options.letter }),
    },
    query: options.query ?? {},
    headers: {},
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    requestId: 'req-1',
    sourceIp: '203.0.113.7',
    caller: person(who),
  };
  try {
    const response = await handleRequest(request, TABLE, options.services ?? services());
    return {
      status: response.status,
      body: response.json as Record<string, unknown>,
      headers: response.headers,
    };
  } catch (error) {
    // As the handler answers it: a known error with its status and code, anything else a 500.
    const known = toApiError(error);
    return {
      status: known?.status ?? 500,
      body: { code: known?.code, message: (error as Error).message } as Record<string, unknown>,
      headers: undefined,
    };
  }
}

const LIST = '/v1/workspaces/{workspace}/dead-letters';
const ONE = '/v1/workspaces/{workspace}/dead-letters/{letter}';
const REDRIVE = '/v1/workspaces/{workspace}/dead-letters/redrive';
const DISCARD = '/v1/workspaces/{workspace}/dead-letters/discard';

const queries = () => dynamodb.commandCalls(QueryCommand).map((c) => c.args[0].input);
const sentEntries = (): SendMessageBatchRequestEntry[] =>
  sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
const deletedIds = () =>
  dynamodb
    .commandCalls(BatchWriteItemCommand)
    .flatMap((c) => c.args[0].input.RequestItems?.[STORE] ?? [])
    .map((r) => ({ pk: r.DeleteRequest?.Key?.pk?.S, sk: r.DeleteRequest?.Key?.sk?.S }));
const auditEvents = () =>
  dynamodb.commandCalls(TransactWriteItemsCommand).flatMap((c) =>
    (c.args[0].input.TransactItems ?? []).map((t) => ({
      table: t.Put?.TableName,
      pk: t.Put?.Item?.pk?.S,
      action: t.Put?.Item?.action?.S,
      actor: t.Put?.Item?.actor_id?.S,
      after: JSON.parse(t.Put?.Item?.after?.S ?? '{}'),
    })),
  );

beforeEach(() => {
  dynamodb.reset();
  sqs.reset();
  dynamodb.on(TransactWriteItemsCommand).resolves({});
  dynamodb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: {} });
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `sent-${e.Id}` })),
  }));
});

describe('GET dead-letters', () => {
  it("lists the path's workspace's letters newest first, without bodies, with a cursor for the next page", async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({
      Items: [item(letter(2)), item(letter(1))].map(({ body: _body, ...rest }) => rest),
      LastEvaluatedKey: { pk: { S: `workspace#${WS}` }, sk: { S: letter(1).id } },
    });

    // Act
    const { status, body } = await call('viewer', 'GET', LIST, { query: { limit: '2' } });

    // Assess
    expect(status).toBe(200);
    expect(queries()).toEqual([
      expect.objectContaining({
        TableName: STORE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `workspace#${WS}` } },
        ScanIndexForward: false,
        Limit: 2,
      }),
    ]);
    expect(Object.values(queries()[0].ExpressionAttributeNames ?? {})).not.toContain('body');
    expect(body.letters).toEqual([
      {
        id: letter(2).id,
        at: letter(2).at,
        errorCode: 'AccessDenied',
        reason: 'AuthorizationError: not authorized',
        attempts: 1,
        destinationId: 'orders',
        distinctId: 'evt_2',
        mappingVersion: 2,
        expiresAt: new Date(letter(2).expiresAt * 1000).toISOString(),
      },
      expect.objectContaining({ id: letter(1).id }),
    ]);
    expect(Buffer.from(String(body.nextCursor), 'base64url').toString()).toBe(letter(1).id);
  });

  it('filters by destination (its letters and retries going to it), code and time, on the key and the query', async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({ Items: [] });

    // Act
    const { status } = await call('viewer', 'GET', LIST, {
      query: {
        destination: 'orders',
        code: 'RetriesExhausted',
        from: '2024-11-22T00:00:00.000Z',
        to: '2024-11-23T00:00:00.000Z',
      },
    });

    // Assess
    expect(status).toBe(200);
    expect(queries()[0]).toMatchObject({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      FilterExpression:
        '(destination_id = :destination OR contains(target_destinations, :destination)) AND error_code = :code',
      ExpressionAttributeValues: {
        ':pk': { S: `workspace#${WS}` },
        ':from': { S: String(Date.parse('2024-11-22T00:00:00.000Z')) },
        ':to': { S: `${Date.parse('2024-11-23T00:00:00.000Z')}-~` },
        ':destination': { S: 'orders' },
        ':code': { S: 'RetriesExhausted' },
      },
    });
  });

  it("starts a cursor's page in the path's workspace only, and refuses a cursor that is not a letter id", async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    const cursor = Buffer.from(letter(1).id).toString('base64url');
    const forged = Buffer.from(`workspace#${OTHER}`).toString('base64url');

    // Act
    const paged = await call('viewer', 'GET', LIST, { query: { cursor } });
    const refused = await call('viewer', 'GET', LIST, { query: { cursor: forged } });

    // Assess
    expect(paged.status).toBe(200);
    expect(queries()[0].ExclusiveStartKey).toEqual({ pk: { S: `workspace#${WS}` }, sk: { S: letter(1).id } });
    expect(refused).toMatchObject({ status: 400, body: { code: 'InvalidRequest' } });
    expect(queries()).toHaveLength(1);
  });

  it('refuses a time range that ends before it starts, and a limit over 100', async () => {
    // Act
    const backwards = await call('viewer', 'GET', LIST, {
      query: { from: '2024-11-23T00:00:00Z', to: '2024-11-22T00:00:00Z' },
    });
    const tooMany = await call('viewer', 'GET', LIST, { query: { limit: '101' } });

    // Assess
    expect(backwards).toMatchObject({ status: 400, body: { message: 'to: must not be before from' } });
    expect(tooMany.status).toBe(400);
    expect(dynamodb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('hides the workspace from a non-member: 404, the store never asked', async () => {
    // Act
    const { status, body } = await call('stranger', 'GET', LIST);

    // Assess
    expect(status).toBe(404);
    expect(body.code).toBe('WorkspaceNotFound');
    expect(dynamodb).not.toHaveReceivedCommand(QueryCommand);
  });

  it('answers 501 DeadLettersNotConfigured where the deployment keeps none', async () => {
    // Act
    const { status, body } = await call('viewer', 'GET', LIST, { services: services({ store: false }) });

    // Assess
    expect(status).toBe(501);
    expect(body.code).toBe('DeadLettersNotConfigured');
  });
});

describe('GET dead-letters/{letter}', () => {
  it('shows a viewer the letter without its body, reading no body', async () => {
    // Prepare
    const { body: _body, ...withoutBody } = item(letter(1));
    dynamodb.on(GetItemCommand).resolves({ Item: withoutBody });

    // Act
    const { status, body } = await call('viewer', 'GET', ONE, { letter: letter(1).id });

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: letter(1).id, errorCode: 'AccessDenied' });
    expect(body).not.toHaveProperty('body');
    const [get] = dynamodb.commandCalls(GetItemCommand).map((c) => c.args[0].input);
    expect(get.Key).toEqual({ pk: { S: `workspace#${WS}` }, sk: { S: letter(1).id } });
    expect(Object.values(get.ExpressionAttributeNames ?? {})).not.toContain('body');
  });

  it.each(['editor', 'admin'])('shows an %s the body too, never cached', async (who) => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({ Item: item(letter(1)) });

    // Act
    const { status, body, headers } = await call(who, 'GET', ONE, { letter: letter(1).id });

    // Assess
    expect(status).toBe(200);
    expect(body.body).toBe(letter(1).body);
    expect(headers).toEqual({ 'cache-control': 'no-store' });
  });

  it('answers 404 DeadLetterNotFound for a letter the workspace does not have', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).resolves({});

    // Act
    const { status, body } = await call('editor', 'GET', ONE, { letter: letter(9).id });

    // Assess
    expect(status).toBe(404);
    expect(body.code).toBe('DeadLetterNotFound');
  });

  it('refuses an id that is not a letter id', async () => {
    // Act
    const { status } = await call('editor', 'GET', ONE, { letter: 'workspace#ws-a' });

    // Assess
    expect(status).toBe(400);
    expect(dynamodb).not.toHaveReceivedCommand(GetItemCommand);
  });
});

describe('POST dead-letters/redrive', () => {
  it('sends the letters named back exactly as npm run redrive would, removes them, and audits the counts', async () => {
    // Prepare
    const letters = [letter(1), letter(2, { destinationId: undefined, targets: ['orders', 'billing'] })];
    dynamodb.on(BatchGetItemCommand).resolves({ Responses: { [STORE]: letters.map(item) } });
    const missing = letter(3).id;

    // Act
    const { status, body } = await call('editor', 'POST', REDRIVE, {
      body: { letters: [letters[0].id, letters[1].id, missing] },
    });

    // Assess
    expect(status).toBe(200);
    expect(body).toEqual({
      matched: 2,
      redriven: 2,
      failed: 0,
      notRemoved: 0,
      notFound: [missing],
      remaining: 0,
      remainingExact: true,
      left: [],
    });
    const [get] = dynamodb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input);
    expect(get.RequestItems?.[STORE].Keys?.map((k) => k.pk.S)).toEqual(Array(3).fill(`workspace#${WS}`));
    expect(sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.QueueUrl).toBe(INGEST);
    const sent = sentEntries();
    const redrivenAt = sent[0].MessageAttributes?.redriven_at?.StringValue;
    expect(sent).toEqual(
      letters.map((l, i) =>
        toRedriveEntry(
          { messageId: l.messageId, body: l.body ?? '', attributes: queuedAttributes(l) },
          String(i),
          false,
          Number(redrivenAt),
        ),
      ),
    );
    expect(sent[1].MessageAttributes?.target_destinations?.StringValue).toBe('orders,billing');
    expect(deletedIds()).toEqual(letters.map((l) => ({ pk: `workspace#${WS}`, sk: l.id })));
    expect(auditEvents()).toEqual([
      {
        table: REGISTRY,
        pk: `workspace#${WS}`,
        action: 'dead-letters.redrive',
        actor: 'editor',
        after: {
          selection: { letters: 3 },
          matched: 2,
          redriven: 2,
          failed: 0,
          notRemoved: 0,
          notFound: 1,
          left: 0,
          remaining: 0,
          remainingExact: true,
        },
      },
    ]);
  });

  it('keeps in the store the letters SQS refused, and says so', async () => {
    // Prepare
    dynamodb.on(BatchGetItemCommand).resolves({ Responses: { [STORE]: [item(letter(1)), item(letter(2))] } });
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });

    // Act
    const { body } = await call('editor', 'POST', REDRIVE, {
      body: { letters: [letter(1).id, letter(2).id] },
    });

    // Assess
    expect(body).toMatchObject({ matched: 2, redriven: 1, failed: 1 });
    expect(deletedIds()).toEqual([{ pk: `workspace#${WS}`, sk: letter(1).id }]);
  });

  it(`takes the oldest ${MAX_LETTERS_PER_REQUEST} letters matching a filter a chunk at a time, and counts those left`, async () => {
    // Prepare: 720 letters, served as DynamoDB pages them.
    const partition = Array.from({ length: 720 }, (_, i) => item(letter(i)));
    dynamodb.on(QueryCommand).callsFake((input) => {
      const after = input.ExclusiveStartKey?.sk?.S;
      const rest = after ? partition.filter((found) => (found.sk.S ?? '') > after) : partition;
      if (input.Select === 'COUNT') return { Count: rest.length };
      const items = rest.slice(0, input.Limit);
      return {
        Items: items,
        ...(items.length < rest.length && {
          LastEvaluatedKey: { pk: items[0].pk, sk: items[items.length - 1].sk },
        }),
      };
    });

    // Act
    const { status, body } = await call('editor', 'POST', REDRIVE, {
      body: { filter: { destination: 'orders', code: 'AccessDenied' } },
    });

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({
      matched: 500,
      redriven: 500,
      remaining: 220,
      remainingExact: true,
      left: [],
    });
    expect(queries()[0]).toMatchObject({
      ScanIndexForward: true,
      Limit: 25,
      FilterExpression: expect.stringContaining('error_code'),
    });
    // Counting resumes after the last letter taken.
    const count = queries().find((q) => q.Select === 'COUNT');
    expect(count?.ExclusiveStartKey).toEqual({ pk: { S: `workspace#${WS}` }, sk: { S: letter(499).id } });
    expect(sentEntries().map((e) => JSON.parse(e.MessageBody ?? '{}').event.distinct_id)).toEqual(
      Array.from({ length: 500 }, (_, i) => `evt_${i}`),
    );
    expect(deletedIds()).toHaveLength(500);
    expect(dynamodb.commandCalls(BatchWriteItemCommand).length).toBe(20);
  });

  it(`stops past ${MAX_REDRIVE_BYTES / 1024 / 1024} MiB of bodies, and names the ids it did not get to`, async () => {
    // Prepare: letters of 7 MiB each (their compressed bodies are small: all the same character).
    const big = (n: number) =>
      letter(n, { body: JSON.stringify({ workspace_id: WS, pad: 'x'.repeat(7 * 1024 * 1024) }) });
    const ids = [1, 2, 3, 4].map((n) => big(n).id);
    dynamodb
      .on(BatchGetItemCommand)
      .resolves({ Responses: { [STORE]: [1, 2, 3, 4].map((n) => item(big(n))) } });

    // Act
    const { body } = await call('editor', 'POST', REDRIVE, { body: { letters: ids } });

    // Assess
    expect(body).toMatchObject({ matched: 2, redriven: 2, remaining: 2, left: ids.slice(2), notFound: [] });
    expect(deletedIds().map((d) => d.sk)).toEqual(ids.slice(0, 2));
  });

  it.each([
    ['both letters and filter', { letters: [letter(1).id], filter: {} }],
    ['neither', {}],
    ['a filter field it does not know', { filter: { destinationId: 'orders' } }],
    ['an id that is not a letter id', { letters: ['nope'] }],
    ['more than the bound', { letters: Array.from({ length: 501 }, (_, i) => letter(i).id) }],
    ['a time range backwards', { filter: { from: '2024-11-23T00:00:00Z', to: '2024-11-22T00:00:00Z' } }],
  ])('refuses %s: 400, nothing touched', async (_case, body) => {
    // Act
    const { status, body: answer } = await call('editor', 'POST', REDRIVE, { body });

    // Assess
    expect(status).toBe(400);
    expect(answer.code).toBe('InvalidRequest');
    expect(dynamodb).not.toHaveReceivedAnyCommand();
    expect(sqs).not.toHaveReceivedAnyCommand();
  });

  it("refuses a viewer (403), and another workspace's admin (404): the store never asked", async () => {
    // Act
    const viewer = await call('viewer', 'POST', REDRIVE, { body: { filter: {} } });
    const stranger = await call('stranger', 'POST', REDRIVE, { body: { filter: {} } });

    // Assess
    expect(viewer.status).toBe(403);
    expect(stranger).toMatchObject({ status: 404, body: { code: 'WorkspaceNotFound' } });
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it("touches only the path's workspace: another workspace's ids name nothing here", async () => {
    // Prepare: the store has no such key in this workspace's partition.
    dynamodb.on(BatchGetItemCommand).resolves({ Responses: { [STORE]: [] } });
    const theirs = letter(1, {}, OTHER).id;

    // Act
    const { body } = await call('stranger', 'POST', REDRIVE, {
      workspace: OTHER,
      body: { letters: [theirs] },
    });
    const mine = await call('editor', 'POST', REDRIVE, { body: { letters: [theirs] } });

    // Assess: the stranger's own workspace is asked, in its partition; nothing is sent or deleted.
    const keys = dynamodb
      .commandCalls(BatchGetItemCommand)
      .flatMap((c) => c.args[0].input.RequestItems?.[STORE].Keys ?? [])
      .map((k) => k.pk.S);
    expect(keys).toEqual([`workspace#${OTHER}`, `workspace#${WS}`]);
    expect(body).toMatchObject({ matched: 0, notFound: [theirs] });
    expect(mine.body).toMatchObject({ matched: 0, notFound: [theirs] });
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(deletedIds()).toEqual([]);
  });

  it('answers 501 where the API cannot reach the ingest queue', async () => {
    // Act
    const { status, body } = await call('editor', 'POST', REDRIVE, {
      body: { filter: {} },
      services: services({ ingest: false }),
    });

    // Assess
    expect(status).toBe(501);
    expect(body.code).toBe('DeadLettersNotConfigured');
  });
});

describe('POST dead-letters/discard', () => {
  it('deletes the letters matching a filter, reading no bodies, and audits it', async () => {
    // Prepare
    dynamodb.on(QueryCommand).resolves({ Items: [letter(1), letter(2)].map(item) });

    // Act
    const { status, body } = await call('admin', 'POST', DISCARD, {
      body: { filter: { code: 'AccessDenied' } },
    });

    // Assess
    expect(status).toBe(200);
    expect(body).toEqual({
      matched: 2,
      discarded: 2,
      failed: 0,
      notFound: [],
      remaining: 0,
      remainingExact: true,
      left: [],
    });
    expect(Object.values(queries()[0].ExpressionAttributeNames ?? {})).not.toContain('body');
    expect(deletedIds()).toEqual([letter(1), letter(2)].map((l) => ({ pk: `workspace#${WS}`, sk: l.id })));
    expect(sqs).not.toHaveReceivedAnyCommand();
    expect(auditEvents()).toEqual([
      expect.objectContaining({
        action: 'dead-letters.discard',
        actor: 'admin',
        after: expect.objectContaining({ selection: { filter: { code: 'AccessDenied' } }, discarded: 2 }),
      }),
    ]);
  });

  it('counts the letters whose delete failed', async () => {
    // Prepare
    dynamodb.on(BatchGetItemCommand).resolves({ Responses: { [STORE]: [item(letter(1))] } });
    dynamodb
      .on(BatchWriteItemCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));

    // Act
    const { body } = await call('editor', 'POST', DISCARD, { body: { letters: [letter(1).id] } });

    // Assess
    expect(body).toMatchObject({ matched: 1, discarded: 0, failed: 1 });
  });
});

describe('fromDeadLetterItem', () => {
  it('reads an item back as the letter stored', () => {
    expect(fromDeadLetterItem(WS, item(letter(4)))).toEqual(letter(4));
  });
});
