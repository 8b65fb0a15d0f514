import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  JwtExpiredError,
  JwtInvalidSignatureError,
  JwtParseError,
  ParameterValidationError,
} from 'aws-jwt-verify/error';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ApiKeys } from '../../../lambda/control-plane/access/api-keys';
import {
  type AccessTokenClaims,
  type AccessTokenVerifier,
  authenticate,
  Unauthenticated,
} from '../../../lambda/control-plane/access/authenticate';
import {
  createAuthorizerHandler,
  createCognitoVerifier,
} from '../../../lambda/control-plane/access/authorizer-handler';
import { registryKeys } from '../../../lambda/shared/registry-table';

const TABLE = 'registry';
const WS_A = 'ws-a';
const WS_B = 'ws-b';
const KEY_ID = '0123456789abcdef';
const SECRET = `${'S3cr3t-'.repeat(6)}x`; // 43 characters, as base64url of 32 bytes
const KEY = `edk_${KEY_ID}_${SECRET}`;
const NOW = new Date('2030-01-15T12:00:00.000Z');

const dynamodb = mockClient(DynamoDBClient);

/** Workspace A's key as stored: its secret's hash, never the secret. */
const storedKey = (extra: Record<string, { S: string }> = {}) => ({
  ...registryKeys.apiKey(WS_A, KEY_ID),
  key_name: { S: 'ci' },
  role: { S: 'editor' },
  secret_hash: { B: createHash('sha256').update(SECRET).digest() },
  created_at: { S: '2030-01-01T00:00:00.000Z' },
  created_by: { S: 'user:admin' },
  ...extra,
});

/** The table holds `item` as workspace A's key; anything else is not there. */
function keyInTable(item: ReturnType<typeof storedKey> | undefined = storedKey()) {
  dynamodb.on(GetItemCommand).resolves({});
  if (item) dynamodb.on(GetItemCommand, { Key: registryKeys.apiKey(WS_A, KEY_ID) }).resolves({ Item: item });
  dynamodb.on(UpdateItemCommand).resolves({});
}

/** An access-token verifier that knows one token, as the real one would verify it. */
function fakeTokens(
  tokens: Record<string, AccessTokenClaims> = {},
): AccessTokenVerifier & { verify: jest.Mock } {
  return {
    verify: jest.fn(async (token: string) => {
      const claims = tokens[token];
      if (!claims) throw new JwtExpiredError('Token expired', 0);
      return claims;
    }),
  };
}

const verifiers = (tokens: AccessTokenVerifier = fakeTokens()) => ({
  tokens,
  apiKeys: new ApiKeys(new DynamoDBClient({}), TABLE, () => NOW),
});

beforeEach(() => {
  dynamodb.reset();
  keyInTable();
});

describe('authenticate', () => {
  it.each([
    ['no header', undefined, 'no credentials'],
    ['an empty header', '', 'no credentials'],
    ['Basic credentials', 'Basic dXNlcjpwYXNz', 'malformed authorization header'],
    ['a bare token', 'eyJhbGciOi.x.y', 'malformed authorization header'],
    ['Bearer with nothing', 'Bearer ', 'malformed authorization header'],
    ['Bearer with two words', 'Bearer one two', 'malformed authorization header'],
  ])('refuses %s', async (_case, header, reason) => {
    // Prepare
    const tokens = fakeTokens();

    // Act
    const pending = authenticate(header, WS_A, verifiers(tokens));

    // Assess
    await expect(pending).rejects.toEqual(new Unauthenticated(reason));
    await expect(pending).rejects.toMatchObject({ reason, message: 'Unauthorized' });
    expect(tokens.verify).not.toHaveBeenCalled();
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it.each(['edk_short', `edk_${KEY_ID}_tooShort`, `edk_${KEY_ID.toUpperCase()}_${SECRET}`, `${KEY}x`])(
    'refuses the malformed API key %s without reading the table',
    async (key) => {
      // Act
      const pending = authenticate(`Bearer ${key}`, WS_A, verifiers());

      // Assess
      await expect(pending).rejects.toMatchObject({ reason: 'api key malformed' });
      expect(dynamodb).not.toHaveReceivedAnyCommand();
    },
  );

  it("knows a valid key in its own workspace, with the key's role", async () => {
    // Act
    const caller = await authenticate(`Bearer ${KEY}`, WS_A, verifiers());

    // Assess
    expect(caller).toEqual({ kind: 'api-key', keyId: KEY_ID, workspace: WS_A, role: 'editor' });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: registryKeys.apiKey(WS_A, KEY_ID),
      ConsistentRead: true,
    });
  });

  it('accepts the scheme in any case', async () => {
    // Act
    const caller = await authenticate(`bearer ${KEY}`, WS_A, verifiers());

    // Assess
    expect(caller).toMatchObject({ kind: 'api-key', workspace: WS_A });
  });

  it("makes workspace A's key nobody in workspace B: a caller with no workspace", async () => {
    // Act
    const caller = await authenticate(`Bearer ${KEY}`, WS_B, verifiers());

    // Assess
    expect(caller).toEqual({ kind: 'api-key', keyId: KEY_ID });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, { Key: registryKeys.apiKey(WS_B, KEY_ID) });
  });

  it('refuses a key on a route with no workspace, without reading the table', async () => {
    // Act
    const pending = authenticate(`Bearer ${KEY}`, undefined, verifiers());

    // Assess
    await expect(pending).rejects.toMatchObject({ reason: 'api key outside a workspace route' });
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['revoked', storedKey({ revoked_at: { S: '2030-01-10T00:00:00.000Z' } }), `Bearer ${KEY}`],
    ['expired', storedKey({ expires_at: { S: '2030-01-15T11:59:59.999Z' } }), `Bearer ${KEY}`],
  ])('refuses a %s key', async (reason, item, header) => {
    // Prepare
    keyInTable(item);

    // Act
    const pending = authenticate(header, WS_A, verifiers());

    // Assess
    await expect(pending).rejects.toMatchObject({ reason: `api key ${reason}` });
  });

  it('knows a person by their verified access token: sub, username, not an operator', async () => {
    // Prepare
    const tokens = fakeTokens({
      'token-1': { sub: 'sub-1', username: 'alice', 'cognito:groups': ['readers'] },
    });

    // Act
    const caller = await authenticate('Bearer token-1', WS_A, verifiers(tokens));

    // Assess
    expect(caller).toEqual({ kind: 'user', userId: 'sub-1', username: 'alice', operator: false });
    expect(tokens.verify).toHaveBeenCalledWith('token-1');
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it('makes a member of the operators group an operator', async () => {
    // Prepare
    const tokens = fakeTokens({ 'token-1': { sub: 'sub-1', 'cognito:groups': ['readers', 'operators'] } });

    // Act
    const caller = await authenticate('Bearer token-1', undefined, verifiers(tokens));

    // Assess
    expect(caller).toEqual({ kind: 'user', userId: 'sub-1', username: 'sub-1', operator: true });
  });

  it('does not take a groups claim that is not a list', async () => {
    // Prepare
    const tokens = fakeTokens({ 'token-1': { sub: 'sub-1', 'cognito:groups': 'operators' } });

    // Act
    const caller = await authenticate('Bearer token-1', undefined, verifiers(tokens));

    // Assess
    expect(caller).toMatchObject({ operator: false });
  });

  it('refuses a token the verifier refuses', async () => {
    // Act
    const pending = authenticate('Bearer not-a-known-token', WS_A, verifiers());

    // Assess
    await expect(pending).rejects.toBeInstanceOf(Unauthenticated);
    await expect(pending).rejects.toMatchObject({ reason: expect.stringMatching(/^token refused/) });
  });
});

describe('createAuthorizerHandler', () => {
  const METHOD_ARN =
    'arn:aws:execute-api:us-east-1:123456789012:abc123/v1/GET/v1/workspaces/ws-a/destinations';

  const event = (headers: Record<string, string>, workspace?: string) =>
    ({
      type: 'REQUEST',
      methodArn: METHOD_ARN,
      resource: '/v1/workspaces/{workspace}/destinations',
      path: `/v1/workspaces/${workspace}/destinations`,
      httpMethod: 'GET',
      headers,
      pathParameters: workspace ? { workspace } : null,
    }) as unknown as APIGatewayRequestAuthorizerEvent;

  const handlerWith = (tokens: AccessTokenVerifier = fakeTokens()) => {
    const logger = { info: jest.fn(), error: jest.fn(), warn: jest.fn() };
    const handler = createAuthorizerHandler({ ...verifiers(tokens), logger: logger as unknown as Logger });
    return { handler, logger };
  };

  const allow = {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
  };

  it.each([
    ['no Authorization header', {}],
    ['a non-Bearer header', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['a malformed key', { Authorization: 'Bearer edk_nope' }],
  ])("answers %s with API Gateway's Unauthorized", async (_case, headers) => {
    // Prepare
    const { handler, logger } = handlerWith();

    // Act
    const pending = handler(event(headers, WS_A));

    // Assess
    await expect(pending).rejects.toThrow(new Error('Unauthorized'));
    expect(logger.info).toHaveBeenCalledWith(
      'refused',
      expect.objectContaining({ reason: expect.any(String) }),
    );
  });

  it("allows a valid key in its workspace, passing the key's workspace and role on", async () => {
    // Prepare
    const { handler } = handlerWith();

    // Act
    const result = await handler(event({ authorization: `Bearer ${KEY}` }, WS_A));

    // Assess
    expect(result).toEqual({
      principalId: `api-key:${KEY_ID}`,
      policyDocument: allow,
      context: { kind: 'api-key', id: KEY_ID, name: '', operator: 'false', workspace: WS_A, role: 'editor' },
    });
  });

  it('finds the header whatever its case', async () => {
    // Prepare
    const { handler } = handlerWith();

    // Act
    const result = await handler(event({ AUTHORIZATION: `Bearer ${KEY}` }, WS_A));

    // Assess
    expect(result.context).toMatchObject({ workspace: WS_A, role: 'editor' });
  });

  it("lets workspace A's key through on B as nobody there: no workspace, no role (the API answers 404)", async () => {
    // Prepare
    const { handler } = handlerWith();

    // Act
    const result = await handler(event({ Authorization: `Bearer ${KEY}` }, WS_B));

    // Assess
    expect(result.context).toEqual({
      kind: 'api-key',
      id: KEY_ID,
      name: '',
      operator: 'false',
      workspace: '',
      role: '',
    });
  });

  it.each([
    ['revoked', storedKey({ revoked_at: { S: '2030-01-10T00:00:00.000Z' } }), KEY],
    ['expired', storedKey({ expires_at: { S: '2030-01-01T00:00:00.000Z' } }), KEY],
  ])('refuses a %s key with Unauthorized, logging why but never the key', async (reason, item, key) => {
    // Prepare
    keyInTable(item);
    const { handler, logger } = handlerWith();

    // Act
    const pending = handler(event({ Authorization: `Bearer ${key}` }, WS_A));

    // Assess
    await expect(pending).rejects.toThrow(new Error('Unauthorized'));
    expect(logger.info).toHaveBeenCalledWith('refused', {
      reason: `api key ${reason}`,
      path: '/v1/workspaces/{workspace}/destinations',
    });
    expect(JSON.stringify(logger.info.mock.calls)).not.toContain(key.slice(21));
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('refuses a token the verifier refuses with Unauthorized, logging that it did', async () => {
    // Prepare
    const { handler, logger } = handlerWith();

    // Act
    const pending = handler(event({ Authorization: 'Bearer eyJ.expired.token' }, WS_A));

    // Assess
    await expect(pending).rejects.toThrow(new Error('Unauthorized'));
    expect(logger.info).toHaveBeenCalledWith(
      'refused',
      expect.objectContaining({ reason: expect.stringMatching(/^token refused: /) }),
    );
  });

  it('allows a person and passes on who they are, operator or not', async () => {
    // Prepare
    const tokens = fakeTokens({
      'op-token': { sub: 'sub-op', username: 'olga', 'cognito:groups': ['operators'] },
      'user-token': { sub: 'sub-user', username: 'ulla' },
    });
    const { handler } = handlerWith(tokens);

    // Act
    const operator = await handler(event({ Authorization: 'Bearer op-token' }));
    const person = await handler(event({ Authorization: 'Bearer user-token' }, WS_A));

    // Assess
    expect(operator).toEqual({
      principalId: 'user:sub-op',
      policyDocument: allow,
      context: { kind: 'user', id: 'sub-op', name: 'olga', operator: 'true', workspace: '', role: '' },
    });
    expect(person.context).toEqual({
      kind: 'user',
      id: 'sub-user',
      name: 'ulla',
      operator: 'false',
      workspace: '',
      role: '',
    });
  });

  it('lets a failure that is not a refusal through, for API Gateway to answer 500', async () => {
    // Prepare
    dynamodb.on(GetItemCommand).rejects(new Error('ProvisionedThroughputExceededException'));
    const { handler } = handlerWith();

    // Act
    const pending = handler(event({ Authorization: `Bearer ${KEY}` }, WS_A));

    // Assess
    await expect(pending).rejects.toThrow('ProvisionedThroughputExceededException');
  });
});

/*
 * The real verifier (aws-jwt-verify's, as the authorizer creates it) against tokens signed here:
 * its JWKS cached up front, so nothing is fetched.
 */
describe('createCognitoVerifier', () => {
  const POOL = 'us-east-1_TestPool1';
  const CLIENT = 'client';
  const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
  const KID = 'test-key-1';
  const poolKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  /** A JWT as Cognito signs one: RS256 over `header.payload`, with the key's id in the header. */
  function jwt(payload: Record<string, unknown>, key: KeyObject = poolKey.privateKey, kid = KID): string {
    const signingInput = `${base64url({ alg: 'RS256', kid, typ: 'JWT' })}.${base64url(payload)}`;
    return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
  }

  const seconds = () => Math.floor(Date.now() / 1000);
  /** An access token of the pool for the app client, as Cognito issues it. */
  const accessClaims = (extra: Record<string, unknown> = {}) => ({
    sub: 'c0ffee00-0000-4000-8000-000000000001',
    iss: ISSUER,
    client_id: CLIENT,
    origin_jti: randomUUID(),
    event_id: randomUUID(),
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    auth_time: seconds() - 60,
    exp: seconds() + 3600,
    iat: seconds() - 60,
    jti: randomUUID(),
    username: 'alice@example.com',
    'cognito:groups': ['operators'],
    ...extra,
  });

  const verifier = () => {
    const created = createCognitoVerifier(POOL, CLIENT);
    created.cacheJwks({
      keys: [
        {
          ...(poolKey.publicKey.export({ format: 'jwk' }) as { kty: string; n: string; e: string }),
          kid: KID,
          alg: 'RS256',
          use: 'sig',
        },
      ],
    });
    return created;
  };

  it('passes a good access token, and authenticate makes the person of its claims', async () => {
    // Prepare
    const token = jwt(accessClaims());

    // Act
    const claims = await verifier().verify(token);
    const caller = await authenticate(`Bearer ${token}`, WS_A, verifiers(verifier()));

    // Assess
    expect(claims).toMatchObject({ sub: 'c0ffee00-0000-4000-8000-000000000001', token_use: 'access' });
    expect(caller).toEqual({
      kind: 'user',
      userId: 'c0ffee00-0000-4000-8000-000000000001',
      username: 'alice@example.com',
      operator: true,
    });
  });

  it.each([
    [
      'an expired token',
      () => jwt(accessClaims({ exp: seconds() - 1, iat: seconds() - 3601 })),
      JwtExpiredError,
    ],
    [
      "another pool's token",
      () => jwt(accessClaims({ iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool' })),
      ParameterValidationError,
    ],
    [
      "another app client's token",
      () => jwt(accessClaims({ client_id: 'another-client' })),
      CognitoJwtInvalidClientIdError,
    ],
    [
      'an id token',
      () => jwt(accessClaims({ token_use: 'id', aud: CLIENT, client_id: undefined })),
      CognitoJwtInvalidTokenUseError,
    ],
    [
      'a token signed by another key',
      () => jwt(accessClaims(), strangerKey.privateKey),
      JwtInvalidSignatureError,
    ],
    [
      'a token with its payload changed',
      () => {
        const [header, , signature] = jwt(accessClaims()).split('.');
        return `${header}.${base64url(accessClaims({ sub: 'someone-else' }))}.${signature}`;
      },
      JwtInvalidSignatureError,
    ],
    ['a malformed string', () => 'not.a.jwt', JwtParseError],
  ])('refuses %s', async (_case, token, expected) => {
    // Prepare
    const presented = token();

    // Act
    const verified = verifier().verify(presented);
    const authenticated = authenticate(`Bearer ${presented}`, WS_A, verifiers(verifier()));

    // Assess
    await expect(verified).rejects.toBeInstanceOf(expected);
    await expect(authenticated).rejects.toBeInstanceOf(Unauthenticated);
    await expect(authenticated).rejects.toMatchObject({ reason: expect.stringMatching(/^token refused: /) });
  });
});
