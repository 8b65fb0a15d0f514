import { execFileSync } from 'node:child_process';
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { EMULATOR_CREDENTIALS, REGION } from '../../local/accounts';
import { motoPython } from '../../local/emulator';
import { LocalPipeline } from '../../local/pipeline';
import { type Answer, ApiClient, signIn } from '../support/control-plane-client';

jest.setTimeout(240_000);

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly access: string;
}

/** Values that name nothing in workspace-2 but are well formed: the right caller reaches the handler. */
const PLACEHOLDERS: Record<string, string> = {
  workspace: 'workspace-2',
  destination: 'no-such-destination',
  version: '1',
  member: 'no-such-member',
  key: '0000000000000000',
  letter: '0000000000000-00000000-0000-4000-8000-000000000000',
};

/** An access token moto would have issued, but expired: signed by moto's own key, with its own code. */
function expiredToken(userPoolId: string, clientId: string, sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: `https://cognito-idp.${REGION}.amazonaws.com/${userPoolId}`,
    sub,
    client_id: clientId,
    token_use: 'access',
    scope: 'aws.cognito.signin.user.admin',
    username: sub,
    iat: now - 7200,
    auth_time: now - 7200,
    exp: now - 3600,
    jti: 'expired',
  };
  const sign = [
    'import json, sys',
    'from joserfc import jwk, jwt',
    'from moto.utilities.utils import load_resource',
    'key = jwk.RSAKey.import_key(load_resource("moto.cognitoidp.models", "resources/jwks-private.json"))',
    'print(jwt.encode({"kid": "dummy", "alg": "RS256"}, json.loads(sys.argv[1]), key))',
  ].join('\n');
  return execFileSync(motoPython(), ['-c', sign, JSON.stringify(claims)], { encoding: 'utf8' }).trim();
}

/**
 * Every route of the OpenAPI document, called by every kind of wrong caller against
 * workspace-2, then by the right one: each answer as the rules say, and nothing changed by the
 * refused calls (compared through the operator's view).
 */
describe('the control plane refuses every wrong caller on every route (OpenAPI-driven matrix)', () => {
  let pipeline: LocalPipeline;
  let anonymous: ApiClient;
  let operations: Operation[];
  const credentials: Record<string, string> = {};

  const call = (client: ApiClient, operation: Operation, body: unknown = {}): Promise<Answer> => {
    const url = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => PLACEHOLDERS[name]);
    return client.call(
      operation.method,
      url,
      operation.method === 'GET' || operation.method === 'DELETE' ? {} : { body },
    );
  };

  const operatorView = async () => {
    const operator = anonymous.as(credentials.operator);
    const base = '/v1/workspaces/workspace-2';
    const views = await Promise.all(
      [
        base,
        `${base}/destinations`,
        `${base}/members`,
        `${base}/api-keys`,
        `${base}/versions`,
        `${base}/audit-events?limit=100`,
      ].map((p) => operator.get(p)),
    );
    return views.map((v) => ({ status: v.status, body: v.body }));
  };

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({ workspaces: 2, controlPlane: { seedAccess: true } });
    const controlPlane = pipeline.controlPlane;
    const access = pipeline.access;
    if (!controlPlane || !access) throw new Error('the control plane did not start');
    anonymous = new ApiClient(controlPlane.apiUrl);
    const signInAs = (user: { username: string; password: string }) =>
      signIn(pipeline.messagingEndpoint, controlPlane.userPoolClientId, user);
    credentials.operator = await signInAs(access.operator);
    credentials.admin2 = await signInAs(access.workspaces['workspace-2'].users.admin);
    credentials.viewer2 = await signInAs(access.workspaces['workspace-2'].users.viewer);
    credentials.admin1 = await signInAs(access.workspaces['workspace-1'].users.admin);
    credentials.key1 = access.workspaces['workspace-1'].apiKey;

    const admin2 = anonymous.as(credentials.admin2);
    const me = await admin2.get('/v1/me');
    credentials.expired = expiredToken(
      controlPlane.userPoolId,
      controlPlane.userPoolClientId,
      me.body.userId,
    );
    const revoked = await admin2.post('/v1/workspaces/workspace-2/api-keys', {
      name: 'to revoke',
      role: 'admin',
    });
    await admin2.call('DELETE', `/v1/workspaces/workspace-2/api-keys/${revoked.body.apiKey.id}`);
    credentials.revokedKey = revoked.body.key;
    const soon = await admin2.post('/v1/workspaces/workspace-2/api-keys', {
      name: 'short-lived',
      role: 'admin',
      expiresAt: new Date(Date.now() + 2_000).toISOString(),
    });
    credentials.expiredKey = soon.body.key;

    // Another user pool of the same emulator: its tokens are signed by the same key, other issuer.
    const cognito = new CognitoIdentityProviderClient({
      region: REGION,
      endpoint: pipeline.messagingEndpoint,
      credentials: EMULATOR_CREDENTIALS,
    });
    const { UserPool } = await cognito.send(new CreateUserPoolCommand({ PoolName: 'another-platform' }));
    const { UserPoolClient } = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: UserPool?.Id,
        ClientName: 'other',
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      }),
    );
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: UserPool?.Id,
        Username: 'mallory',
        MessageAction: 'SUPPRESS',
      }),
    );
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: UserPool?.Id,
        Username: 'mallory',
        Password: 'Other-Pool-Pass-1!',
        Permanent: true,
      }),
    );
    credentials.otherPool = await signIn(pipeline.messagingEndpoint, UserPoolClient?.ClientId ?? '', {
      username: 'mallory',
      password: 'Other-Pool-Pass-1!',
    });

    const document = await anonymous.get('/v1/openapi.json');
    operations = Object.entries(
      document.body.paths as Record<string, Record<string, { 'x-access': string }>>,
    ).flatMap(([p, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: p,
        access: op['x-access'],
      })),
    );
    // The short-lived key has expired by now.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, Date.parse(soon.body.apiKey.expiresAt) - Date.now() + 100)),
    );
  }, 240_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('reads the routes from the served OpenAPI document', () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(
      operations
        .filter((o) => o.access === 'public')
        .map((o) => o.path)
        .sort(),
    ).toEqual(['/v1/openapi.json', '/v1/sign-in']);
  });

  it('refuses everything but the public routes, changing nothing', async () => {
    const before = await operatorView();
    const refusals: { who: string; route: string; status: number; code?: string }[] = [];
    const expect401 = ['none', 'malformed', 'expired', 'otherPool', 'revokedKey', 'expiredKey'];
    for (const who of expect401) {
      const client =
        who === 'none' ? anonymous : anonymous.as(who === 'malformed' ? 'not.a-token' : credentials[who]);
      for (const operation of operations) {
        const { status, body } = await call(client, operation);
        const expected = operation.access === 'public' ? 200 : 401;
        if (status !== expected)
          refusals.push({ who, route: `${operation.method} ${operation.path}`, status, code: body?.code });
      }
    }
    for (const who of ['admin1', 'key1', 'viewer2']) {
      const client = anonymous.as(credentials[who]);
      for (const operation of operations) {
        const { status, body } = await call(client, operation);
        const isKey = who === 'key1';
        const expected =
          operation.access === 'public'
            ? 200
            : isKey && !operation.path.includes('{workspace}')
              ? 401
              : operation.access === 'operator'
                ? 403
                : operation.access === 'signed-in'
                  ? 200
                  : who === 'viewer2'
                    ? operation.access === 'viewer'
                      ? 'reached'
                      : 403
                    : 404;
        const ok =
          expected === 'reached'
            ? ![401, 403].includes(status) && body?.code !== 'WorkspaceNotFound'
            : status === expected && (expected !== 404 || body?.code === 'WorkspaceNotFound');
        if (!ok)
          refusals.push({ who, route: `${operation.method} ${operation.path}`, status, code: body?.code });
      }
    }
    expect(refusals).toEqual([]);
    expect(await operatorView()).toEqual(before);
  });

  it('lets the right caller through on every route (workspace-2 admin; the operator on operator routes)', async () => {
    const wrong: { route: string; status: number; code?: string }[] = [];
    for (const operation of operations) {
      const who = operation.access === 'operator' ? credentials.operator : credentials.admin2;
      // Harmless inputs: invalid bodies (400 proves the caller was let in), placeholders that name nothing.
      const { status, body } = await call(
        anonymous.as(who),
        operation,
        operation.path.endsWith('/enable') ? {} : { invalid: true },
      );
      if ([401, 403, 429].includes(status) || body?.code === 'WorkspaceNotFound' || status >= 500)
        wrong.push({ route: `${operation.method} ${operation.path}`, status, code: body?.code });
    }
    expect(wrong).toEqual([]);
  });
});
