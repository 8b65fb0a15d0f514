import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ApiKeys, WorkspaceGoneError } from '../../../lambda/control-plane/access/api-keys';
import type { ChangeContext } from '../../../lambda/control-plane/audit/audit-log';
import { registryKeys } from '../../../lambda/shared/registry-table';

const TABLE = 'registry';
const WS = 'ws-a';
const KEY_ID = '0123456789abcdef';
const SECRET = `${'k3y_'.repeat(10)}abc`; // 43 characters, as base64url of 32 bytes
const KEY = `edk_${KEY_ID}_${SECRET}`;
const NOW = new Date('2030-01-15T12:00:00.000Z');
const CHANGE: ChangeContext = {
  actor: { type: 'user', id: 'sub-admin', name: 'admin@example.com' },
  requestId: 'req-42',
  sourceIp: '203.0.113.7',
  userAgent: 'console/1.0',
};

const dynamodb = mockClient(DynamoDBClient);
const apiKeys = () => new ApiKeys(new DynamoDBClient({}), TABLE, () => NOW);
const sha256 = (text: string) => createHash('sha256').update(text).digest();

const storedKey = (extra: Record<string, { S: string }> = {}) => ({
  ...registryKeys.apiKey(WS, KEY_ID),
  key_name: { S: 'ci' },
  role: { S: 'editor' },
  secret_hash: { B: sha256(SECRET) },
  created_at: { S: '2030-01-01T00:00:00.000Z' },
  created_by: { S: 'user:sub-admin' },
  ...extra,
});

const transactions = () =>
  dynamodb
    .commandCalls(TransactWriteItemsCommand)
    .map((call) => call.args[0].input as TransactWriteItemsCommandInput);
const cancelled = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
  });

beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(TransactWriteItemsCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  dynamodb.on(GetItemCommand).resolves({});
});

describe('ApiKeys.create', () => {
  it('returns edk_<16 hex>_<43 characters> once, and a summary without it', async () => {
    // Act
    const { key, summary } = await apiKeys().create(WS, { name: 'ci', role: 'editor' }, CHANGE);

    // Assess
    const match = /^edk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(key);
    expect(match).not.toBeNull();
    expect(summary).toEqual({
      id: match?.[1],
      prefix: `edk_${match?.[1]}`,
      name: 'ci',
      role: 'editor',
      createdAt: NOW.toISOString(),
      createdBy: 'user:sub-admin',
    });
    expect(JSON.stringify(summary)).not.toContain(match?.[2]);
  });

  it('makes a new key each time', async () => {
    // Act
    const first = await apiKeys().create(WS, { name: 'ci', role: 'viewer' }, CHANGE);
    const second = await apiKeys().create(WS, { name: 'ci', role: 'viewer' }, CHANGE);

    // Assess
    expect(first.key).not.toBe(second.key);
    expect(first.summary.id).not.toBe(second.summary.id);
  });

  it("stores only the secret's 32-byte SHA-256, with its audit event in the same transaction", async () => {
    // Act
    const { key, summary } = await apiKeys().create(
      WS,
      { name: 'ci', role: 'admin', expiresAt: '2030-06-01T00:00:00.000Z' },
      CHANGE,
    );

    // Assess
    const secret = key.split('_').slice(2).join('_');
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    expect(dynamodb).not.toHaveReceivedCommand(PutItemCommand);
    const [{ TransactItems = [] }] = transactions();
    expect(TransactItems).toHaveLength(3);
    const [guard, put, audit] = TransactItems;
    expect(guard).toEqual({
      ConditionCheck: {
        TableName: TABLE,
        Key: registryKeys.workspace(WS),
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
    expect(put.Put).toEqual({
      TableName: TABLE,
      Item: {
        ...registryKeys.apiKey(WS, summary.id),
        key_name: { S: 'ci' },
        role: { S: 'admin' },
        secret_hash: { B: sha256(secret) },
        created_at: { S: NOW.toISOString() },
        created_by: { S: 'user:sub-admin' },
        expires_at: { S: '2030-06-01T00:00:00.000Z' },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(put.Put?.Item?.secret_hash.B).toHaveLength(32);
    expect(audit.Put?.Item).toMatchObject({
      pk: { S: `workspace#${WS}` },
      sk: { S: expect.stringMatching(new RegExp(`^audit#${NOW.toISOString()}#`)) },
      action: { S: 'api-key.create' },
      target: { S: `api-key/${summary.id}` },
      actor_type: { S: 'user' },
      actor_id: { S: 'sub-admin' },
      request_id: { S: 'req-42' },
      after: { S: JSON.stringify({ role: 'admin', expiresAt: '2030-06-01T00:00:00.000Z' }) },
    });
  });

  it('writes the secret nowhere: no attribute of the transaction holds it, as text or bytes', async () => {
    // Act
    const { key } = await apiKeys().create(WS, { name: 'ci', role: 'editor' }, CHANGE);

    // Assess
    const secret = key.split('_').slice(2).join('_');
    const [input] = transactions();
    const values: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') values.push(value);
      else if (value instanceof Uint8Array) values.push(Buffer.from(value).toString('utf8'));
      else if (value && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
    };
    collect(input);
    expect(values.length).toBeGreaterThan(10);
    expect(values.filter((value) => value.includes(secret) || value.includes(key))).toEqual([]);
  });

  it('refuses a key for a workspace that does not exist', async () => {
    // Prepare
    dynamodb.on(TransactWriteItemsCommand).rejects(cancelled());

    // Act
    const pending = apiKeys().create('ws-gone', { name: 'ci', role: 'viewer' }, CHANGE);

    // Assess
    await expect(pending).rejects.toBeInstanceOf(WorkspaceGoneError);
    await expect(pending).rejects.toMatchObject({ workspaceId: 'ws-gone' });
  });
});

describe('ApiKeys.verify', () => {
  const stored = (item = storedKey()) =>
    dynamodb.on(GetItemCommand, { Key: registryKeys.apiKey(WS, KEY_ID) }).resolves({ Item: item });

  it('finds a valid key with its role, reading consistently', async () => {
    // Prepare
    stored();

    // Act
    const verdict = await apiKeys().verify(WS, KEY);

    // Assess
    expect(verdict).toEqual({ outcome: 'valid', keyId: KEY_ID, role: 'editor' });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: registryKeys.apiKey(WS, KEY_ID),
      ConsistentRead: true,
    });
  });

  it('takes a key whose expiry is still ahead as valid', async () => {
    // Prepare
    stored(storedKey({ expires_at: { S: '2030-01-15T12:00:00.001Z' } }));

    // Act
    const verdict = await apiKeys().verify(WS, KEY);

    // Assess
    expect(verdict.outcome).toBe('valid');
  });

  it("says a key that is not this workspace's is elsewhere", async () => {
    // Act
    const verdict = await apiKeys().verify('ws-b', KEY);

    // Assess
    expect(verdict).toEqual({ outcome: 'elsewhere', keyId: KEY_ID });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { Key: registryKeys.apiKey('ws-b', KEY_ID) });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('says a key is elsewhere where the path has no workspace, without reading', async () => {
    // Act
    const verdict = await apiKeys().verify(undefined, KEY);

    // Assess
    expect(verdict).toEqual({ outcome: 'elsewhere', keyId: KEY_ID });
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['no prefix', `${KEY_ID}_${SECRET}`],
    ['a short id', `edk_0123_${SECRET}`],
    ['an upper-case id', `edk_${KEY_ID.toUpperCase()}_${SECRET}`],
    ['a short secret', `edk_${KEY_ID}_${SECRET.slice(1)}`],
    ['a long secret', `edk_${KEY_ID}_${SECRET}A`],
    ['a character outside base64url', `edk_${KEY_ID}_${SECRET.slice(1)}+`],
  ])('refuses a key with %s as malformed, without reading', async (_case, key) => {
    // Act
    const verdict = await apiKeys().verify(WS, key);

    // Assess
    expect(verdict).toEqual({ outcome: 'invalid', reason: 'malformed' });
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['revoked', storedKey({ revoked_at: { S: '2030-01-10T00:00:00.000Z' } }), KEY],
    ['expired', storedKey({ expires_at: { S: NOW.toISOString() } }), KEY],
  ])('refuses a key as invalid (%s), recording no use', async (reason, item, key) => {
    // Prepare
    stored(item);

    // Act
    const verdict = await apiKeys().verify(WS, key);

    // Assess
    expect(verdict).toEqual({ outcome: 'invalid', reason });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it("checks the secret first: a wrong secret learns nothing of the key's revocation or expiry", async () => {
    // Prepare
    stored(
      storedKey({
        revoked_at: { S: '2030-01-10T00:00:00.000Z' },
        expires_at: { S: '2030-01-11T00:00:00.000Z' },
      }),
    );

    // Act
    const verdict = await apiKeys().verify(WS, `edk_${KEY_ID}_${'z'.repeat(43)}`);

    // Assess
    expect(verdict).toEqual({ outcome: 'elsewhere', keyId: KEY_ID });
  });

  it('takes a wrong secret for no key of this workspace: nobody learns which key ids exist', async () => {
    // Prepare
    stored(storedKey());

    // Act
    const verdict = await apiKeys().verify(WS, `edk_${KEY_ID}_${SECRET.slice(0, -1)}B`);

    // Assess
    expect(verdict).toEqual({ outcome: 'elsewhere', keyId: KEY_ID });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('refuses a stored hash that is not 32 bytes', async () => {
    // Prepare
    stored({ ...storedKey(), secret_hash: { B: sha256(SECRET).subarray(0, 16) } });

    // Act
    const verdict = await apiKeys().verify(WS, KEY);

    // Assess
    expect(verdict).toEqual({ outcome: 'elsewhere', keyId: KEY_ID });
  });

  it('records the use with a conditional update: at most once a minute', async () => {
    // Prepare
    stored();

    // Act
    await apiKeys().verify(WS, KEY);

    // Assess
    expect(dynamodb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: TABLE,
      Key: registryKeys.apiKey(WS, KEY_ID),
      UpdateExpression: 'SET last_used_at = :now',
      ConditionExpression:
        'attribute_exists(pk) AND (attribute_not_exists(last_used_at) OR last_used_at < :stale)',
      ExpressionAttributeValues: {
        ':now': { S: '2030-01-15T12:00:00.000Z' },
        ':stale': { S: '2030-01-15T11:59:00.000Z' },
      },
    });
  });

  it('stays valid when the use was recorded less than a minute ago (the condition fails)', async () => {
    // Prepare
    stored();
    dynamodb
      .on(UpdateItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    const verdict = await apiKeys().verify(WS, KEY);

    // Assess
    expect(verdict).toEqual({ outcome: 'valid', keyId: KEY_ID, role: 'editor' });
  });

  it('still accepts the key when recording its use fails otherwise (throttled, say)', async () => {
    // Prepare
    stored();
    dynamodb.on(UpdateItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));

    // Act
    const verdict = await apiKeys().verify(WS, KEY);

    // Assess
    expect(verdict).toEqual({ outcome: 'valid', keyId: KEY_ID, role: 'editor' });
  });
});

describe('ApiKeys.revoke', () => {
  it('writes revoked_at and revoked_by with the audit event in one transaction, then answers the key', async () => {
    // Prepare
    dynamodb.on(GetItemCommand, { Key: registryKeys.apiKey(WS, KEY_ID) }).resolves({
      Item: storedKey({ revoked_at: { S: NOW.toISOString() }, revoked_by: { S: 'user:sub-admin' } }),
    });

    // Act
    const revoked = await apiKeys().revoke(WS, KEY_ID, CHANGE);

    // Assess
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    const [{ TransactItems = [] }] = transactions();
    expect(TransactItems).toHaveLength(2);
    expect(TransactItems[0]).toEqual({
      Update: {
        TableName: TABLE,
        Key: registryKeys.apiKey(WS, KEY_ID),
        UpdateExpression: 'SET revoked_at = :at, revoked_by = :by',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revoked_at)',
        ExpressionAttributeValues: { ':at': { S: NOW.toISOString() }, ':by': { S: 'user:sub-admin' } },
      },
    });
    expect(TransactItems[1].Put?.Item).toMatchObject({
      pk: { S: `workspace#${WS}` },
      action: { S: 'api-key.revoke' },
      target: { S: `api-key/${KEY_ID}` },
      actor_id: { S: 'sub-admin' },
      request_id: { S: 'req-42' },
      at: { S: NOW.toISOString() },
    });
    expect(revoked).toEqual({
      id: KEY_ID,
      prefix: `edk_${KEY_ID}`,
      name: 'ci',
      role: 'editor',
      createdAt: '2030-01-01T00:00:00.000Z',
      createdBy: 'user:sub-admin',
      revokedAt: NOW.toISOString(),
      revokedBy: 'user:sub-admin',
    });
    expect(JSON.stringify(revoked)).not.toContain('secret');
  });

  it('changes and records nothing more for a key revoked already', async () => {
    // Prepare
    dynamodb.on(TransactWriteItemsCommand).rejects(cancelled());
    dynamodb.on(GetItemCommand).resolves({
      Item: storedKey({ revoked_at: { S: '2030-01-01T00:00:00.000Z' }, revoked_by: { S: 'user:x' } }),
    });

    // Act
    const revoked = await apiKeys().revoke(WS, KEY_ID, CHANGE);

    // Assess
    expect(revoked).toMatchObject({ revokedAt: '2030-01-01T00:00:00.000Z', revokedBy: 'user:x' });
  });

  it('answers undefined for a key the workspace does not have', async () => {
    // Prepare
    dynamodb.on(TransactWriteItemsCommand).rejects(cancelled());

    // Act
    const revoked = await apiKeys().revoke(WS, 'ffffffffffffffff', CHANGE);

    // Assess
    expect(revoked).toBeUndefined();
  });

  it('lets a failure that is not a condition through', async () => {
    // Prepare
    dynamodb.on(TransactWriteItemsCommand).rejects(new Error('InternalServerError'));

    // Act
    const pending = apiKeys().revoke(WS, KEY_ID, CHANGE);

    // Assess
    await expect(pending).rejects.toThrow('InternalServerError');
    expect(dynamodb).not.toHaveReceivedCommand(GetItemCommand);
  });
});

describe('ApiKeys.list', () => {
  it("lists the workspace's keys over every page, oldest first, never a hash", async () => {
    // Prepare
    const other = 'fedcba9876543210';
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [storedKey({ created_at: { S: '2030-01-05T00:00:00.000Z' } })],
        LastEvaluatedKey: registryKeys.apiKey(WS, KEY_ID),
      })
      .resolvesOnce({
        Items: [
          {
            ...storedKey(),
            ...registryKeys.apiKey(WS, other),
            created_at: { S: '2030-01-02T00:00:00.000Z' },
          },
        ],
      });

    // Act
    const keys = await apiKeys().list(WS);

    // Assess
    expect(keys.map((k) => k.id)).toEqual([other, KEY_ID]);
    expect(keys[1]).toEqual({
      id: KEY_ID,
      prefix: `edk_${KEY_ID}`,
      name: 'ci',
      role: 'editor',
      createdAt: '2030-01-05T00:00:00.000Z',
      createdBy: 'user:sub-admin',
    });
    expect(dynamodb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(dynamodb).toHaveReceivedNthCommandWith(1, QueryCommand, {
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :key)',
      ExpressionAttributeValues: { ':pk': { S: `workspace#${WS}` }, ':key': { S: 'api-key#' } },
    });
    expect(dynamodb).toHaveReceivedNthCommandWith(2, QueryCommand, {
      ExclusiveStartKey: registryKeys.apiKey(WS, KEY_ID),
    });
  });
});
