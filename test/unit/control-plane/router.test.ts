import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApiKeys } from '../../../lambda/control-plane/access/api-keys';
import type { Caller } from '../../../lambda/control-plane/access/caller';
import type { Members } from '../../../lambda/control-plane/access/members';
import type { Role } from '../../../lambda/control-plane/access/roles';
import type { AlertSettings } from '../../../lambda/control-plane/alerts/alert-settings';
import type { ChangeContext } from '../../../lambda/control-plane/audit/audit-log';
import { answer } from '../../../lambda/control-plane/create-handler';
import type { DeadLetters } from '../../../lambda/control-plane/dead-letters/dead-letters';
import type { DeliveryVisibility } from '../../../lambda/control-plane/deliveries/delivery-logs';
import type { ApiRequest, ApiResponse } from '../../../lambda/control-plane/http/api-request';
import type { Route, RouteContext } from '../../../lambda/control-plane/http/route';
import { handleRequest, routeTable } from '../../../lambda/control-plane/http/router';
import {
  RegistryError,
  type WorkspaceRegistry,
} from '../../../lambda/control-plane/registry/workspace-registry';
import { ROUTES } from '../../../lambda/control-plane/routes';
import type { ControlPlaneServices } from '../../../lambda/control-plane/services';

/*
 * Who may call what, decided before any handler runs: the route table is the API's own (ROUTES),
 * the services a fake. Every service call but the few that authorization makes throws REACHED, so
 * "REACHED came out" proves a request got past authorization into its handler.
 */

const REACHED = new Error('reached the services: the handler ran');

const WS_A = 'ws-a';
const WS_B = 'ws-b';
const MISSING = 'ws-missing';

const user = (userId: string, operator = false): Caller => ({
  kind: 'user',
  userId,
  username: `${userId}@example.com`,
  operator,
});
const VIEWER = user('viewer-of-b');
const EDITOR = user('editor-of-b');
const ADMIN = user('admin-of-b');
const STRANGER = user('member-of-a-only');
const OPERATOR = user('platform-operator', true);
const keyOf = (workspace: string, role: Role): Caller => ({
  kind: 'api-key',
  keyId: '0123456789abcdef',
  workspace,
  role,
});
/** What the authorizer makes of workspace A's key on a request for B: a key, but nobody there. */
const KEY_OF_A_ON_B: Caller = { kind: 'api-key', keyId: 'aaaaaaaaaaaaaaaa' };

const MEMBERS: Record<string, Record<string, Role>> = {
  [WS_A]: { 'member-of-a-only': 'admin' },
  [WS_B]: { 'viewer-of-b': 'viewer', 'editor-of-b': 'editor', 'admin-of-b': 'admin' },
};

/** A service member that only ever throws REACHED. */
const unreachable = <T>(): T =>
  new Proxy(
    {},
    {
      get: (_target, name) =>
        name === 'then'
          ? undefined
          : async () => {
              throw REACHED;
            },
    },
  ) as T;

/**
 * Services whose only working calls are what authorization needs: a member's role, and whether a
 * workspace exists (for operators). `workspaces` lists the workspaces that exist.
 */
function fakeServices(workspaces: readonly string[] = [WS_A, WS_B]) {
  const roleOf = jest.fn(async (workspace: string, userId: string) => MEMBERS[workspace]?.[userId]);
  const workspaceLookups: string[] = [];
  const registry = jest.fn(
    (_change: ChangeContext) =>
      new Proxy(
        {},
        {
          get: (_target, name) => {
            if (name === 'then') return undefined;
            if (name !== 'workspace')
              return async () => {
                throw REACHED;
              };
            return async (id: string) => {
              workspaceLookups.push(id);
              if (!workspaces.includes(id)) throw new RegistryError(`no workspace "${id}"`, 'not-found');
              return { id, externalId: `ext-${id}`, status: 'active', liveVersion: 0, invokeAccounts: [] };
            };
          },
        },
      ) as WorkspaceRegistry,
  );
  const members = new Proxy(
    {},
    {
      get: (_target, name) =>
        name === 'roleOf'
          ? roleOf
          : async () => {
              throw REACHED;
            },
    },
  ) as Members;
  const services: ControlPlaneServices = {
    dynamodb: unreachable<DynamoDBClient>(),
    tableName: 'registry',
    members,
    apiKeys: unreachable<ApiKeys>(),
    registry,
    checkDestination: async () => {
      throw REACHED;
    },
    hmacKey: async () => {
      throw REACHED;
    },
    signIn: { region: 'us-east-1', userPoolId: 'us-east-1_TestPool1', userPoolClientId: 'client' },
    platform: { account: '123456789012', dispatcherRoleArn: 'arn:aws:iam::123456789012:role/Dispatcher' },
    deadLetters: unreachable<DeadLetters>(),
    deliveries: unreachable<DeliveryVisibility>(),
    alerts: unreachable<AlertSettings>(),
  };
  return { services, roleOf, registry, workspaceLookups };
}

/** A valid value for each path parameter the API has: a new one fails here until it gets one. */
const SAMPLE_PARAMS: Record<string, string> = {
  destination: 'orders',
  version: '1',
  member: 'some-user-id',
  key: '0123456789abcdef',
  letter: '1732300000000-0f1e2d3c-4b5a-4968-8776-655443322110',
  distinctId: 'evt_123',
};

function pathParameters(path: string, workspace: string): Record<string, string> {
  return Object.fromEntries(
    [...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
      if (name === 'workspace') return [name, workspace];
      const value = SAMPLE_PARAMS[name];
      if (value === undefined) throw new Error(`no sample value for path parameter {${name}}`);
      return [name, value];
    }),
  );
}

function requestFor(
  route: Pick<Route, 'method' | 'path'>,
  caller: Caller | undefined,
  options: { workspace?: string; body?: string; headers?: Record<string, string> } = {},
): ApiRequest {
  return {
    method: route.method,
    resource: route.path,
    pathParameters: pathParameters(route.path, options.workspace ?? WS_B),
    query: {},
    headers: options.headers ?? {},
    ...(options.body !== undefined && { body: options.body }),
    requestId: 'req-0001',
    sourceIp: '203.0.113.7',
    userAgent: 'event-delivery-tests/1.0',
    ...(caller && { caller }),
  };
}

const find = (method: string, path: string): Route => {
  const found = ROUTES.find((r) => r.method === method && r.path === path);
  if (!found) throw new Error(`no route ${method} ${path}`);
  return found;
};

/** ROUTES with every handler replaced by a spy that answers 299: to see whether, and how, it was called. */
function spiedTable() {
  const handlers = new Map<
    string,
    jest.Mock<Promise<ApiResponse>, [RouteContext<unknown, unknown, unknown>]>
  >();
  const routes = ROUTES.map((r) => {
    const handle = jest.fn(async (_context: RouteContext<unknown, unknown, unknown>) => ({ status: 299 }));
    handlers.set(`${r.method} ${r.path}`, handle);
    return { ...r, handle } as Route;
  });
  return { table: routeTable(routes), handlerOf: (r: Route) => handlers.get(`${r.method} ${r.path}`) };
}

/** What came out of a request: a response, or what it threw. */
const outcome = (pending: Promise<ApiResponse>) =>
  pending.then(
    (response) => ({ response, error: undefined }),
    (error: unknown) => ({ response: undefined, error }),
  );

const TABLE = routeTable(ROUTES);
const isWorkspaceRoute = (r: Route) => r.path.includes('{workspace}');
const WRITE_ROUTES = ROUTES.filter((r) => r.method !== 'GET');
const WORKSPACE_READS = ROUTES.filter((r) => r.method === 'GET' && isWorkspaceRoute(r));
const NON_PUBLIC = ROUTES.filter((r) => r.access !== 'public');
const OPERATOR_ROUTES = ROUTES.filter((r) => r.access === 'operator');
const label = (r: Route) => `${r.method} ${r.path}`;

const silentLogger = { error: jest.fn(), info: jest.fn() } as unknown as Logger;

describe('handleRequest', () => {
  it('covers routes of every kind: the generated cases below are not empty', () => {
    expect(WRITE_ROUTES.length).toBeGreaterThan(10);
    expect(WORKSPACE_READS.length).toBeGreaterThan(10);
    expect(OPERATOR_ROUTES.length).toBeGreaterThanOrEqual(4);
  });

  it('answers an unknown route with 404 RouteNotFound', async () => {
    // Prepare
    const { services } = fakeServices();
    const request = requestFor({ method: 'GET', path: '/v1/workspaces/{workspace}/secrets' }, ADMIN);

    // Act
    const pending = handleRequest(request, TABLE, services);

    // Assess
    await expect(pending).rejects.toMatchObject({ status: 404, code: 'RouteNotFound' });
  });

  it('answers a known path with an unrouted method with 404 RouteNotFound', async () => {
    // Prepare
    const { services } = fakeServices();
    const request = requestFor({ method: 'PUT', path: '/v1/workspaces/{workspace}' }, OPERATOR);

    // Act
    const pending = handleRequest(request, TABLE, services);

    // Assess
    await expect(pending).rejects.toMatchObject({ status: 404, code: 'RouteNotFound' });
  });

  it.each(NON_PUBLIC.map((r) => [label(r), r]))('refuses %s without a caller: 401', async (_label, r) => {
    // Prepare
    const { services, roleOf } = fakeServices();
    const { table, handlerOf } = spiedTable();

    // Act
    const pending = handleRequest(requestFor(r, undefined), table, services);

    // Assess
    await expect(pending).rejects.toMatchObject({ status: 401, code: 'Unauthorized' });
    expect(handlerOf(r)).not.toHaveBeenCalled();
    expect(roleOf).not.toHaveBeenCalled();
  });

  it('serves the public OpenAPI document without a caller', async () => {
    // Prepare
    const { services } = fakeServices();

    // Act
    const response = await handleRequest(
      requestFor(find('GET', '/v1/openapi.json'), undefined),
      TABLE,
      services,
    );

    // Assess
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ openapi: '3.1.0' });
  });

  it.each<[string, Route]>([
    ['GET /v1/me (signed-in)', find('GET', '/v1/me')],
    ...OPERATOR_ROUTES.map((r): [string, Route] => [`${label(r)} (operator)`, r]),
  ])('refuses an API key on %s: 403, a person must sign in', async (_label, r) => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();

    // Act
    const pending = handleRequest(requestFor(r, keyOf(WS_B, 'admin')), table, services);

    // Assess
    await expect(pending).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
    expect(handlerOf(r)).not.toHaveBeenCalled();
  });

  it.each(OPERATOR_ROUTES.map((r) => [label(r), r]))(
    "refuses a workspace's admin who is no operator on %s: 403",
    async (_label, r) => {
      // Prepare
      const { services } = fakeServices();
      const { table, handlerOf } = spiedTable();

      // Act
      const pending = handleRequest(requestFor(r, ADMIN), table, services);

      // Assess
      await expect(pending).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
      expect(handlerOf(r)).not.toHaveBeenCalled();
    },
  );

  it('lets a signed-in person with no workspace call GET /v1/me', async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const me = find('GET', '/v1/me');

    // Act
    const response = await handleRequest(requestFor(me, user('nobody-yet')), table, services);

    // Assess
    expect(response.status).toBe(299);
    expect(handlerOf(me)).toHaveBeenCalledTimes(1);
  });

  it.each(ROUTES.filter((r) => isWorkspaceRoute(r) && r.access !== 'operator').map((r) => [label(r), r]))(
    'answers a non-member on %s with 404 WorkspaceNotFound, never asking whether it exists',
    async (_l, r) => {
      // Prepare
      const { services, workspaceLookups } = fakeServices();
      const { table, handlerOf } = spiedTable();

      // Act
      const pending = handleRequest(requestFor(r, STRANGER, { workspace: WS_B }), table, services);

      // Assess
      await expect(pending).rejects.toMatchObject({ status: 404, code: 'WorkspaceNotFound' });
      expect(handlerOf(r)).not.toHaveBeenCalled();
      expect(workspaceLookups).toEqual([]);
    },
  );

  it.each(ROUTES.filter((r) => isWorkspaceRoute(r) && r.access !== 'operator').map((r) => [label(r), r]))(
    "answers workspace A's API key on %s of B with 404 WorkspaceNotFound",
    async (_label, r) => {
      // Prepare
      const { services, roleOf } = fakeServices();
      const { table, handlerOf } = spiedTable();

      // Act
      const pending = handleRequest(requestFor(r, KEY_OF_A_ON_B, { workspace: WS_B }), table, services);

      // Assess
      await expect(pending).rejects.toMatchObject({ status: 404, code: 'WorkspaceNotFound' });
      expect(handlerOf(r)).not.toHaveBeenCalled();
      expect(roleOf).not.toHaveBeenCalled();
    },
  );

  it("answers a key whose caller names workspace A, on B, with 404: a key's workspace must be the path's", async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const r = find('GET', '/v1/workspaces/{workspace}/destinations');

    // Act
    const pending = handleRequest(requestFor(r, keyOf(WS_A, 'admin'), { workspace: WS_B }), table, services);

    // Assess
    await expect(pending).rejects.toMatchObject({ status: 404, code: 'WorkspaceNotFound' });
    expect(handlerOf(r)).not.toHaveBeenCalled();
  });

  describe.each([
    ['a viewer', VIEWER],
    ["a viewer's API key", keyOf(WS_B, 'viewer')],
  ])('as %s of the workspace', (_who, caller) => {
    it.each(WRITE_ROUTES.map((r) => [label(r), r]))(
      'refuses %s with 403, before its handler',
      async (_l, r) => {
        // Prepare
        const { services } = fakeServices();
        const { table, handlerOf } = spiedTable();

        // Act
        const pending = handleRequest(requestFor(r, caller, { workspace: WS_B }), table, services);

        // Assess
        await expect(pending).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
        expect(handlerOf(r)).not.toHaveBeenCalled();
      },
    );

    it.each(WORKSPACE_READS.map((r) => [label(r), r]))('lets %s through to its handler', async (_l, r) => {
      // Prepare
      const { services } = fakeServices();

      // Act
      const { response, error } = await outcome(
        handleRequest(requestFor(r, caller, { workspace: WS_B }), TABLE, services),
      );

      // Assess: the handler ran into the fake's services, or answered without them (destination types).
      if (error !== undefined) expect(error).toBe(REACHED);
      else expect(response?.status).toBe(200);
    });
  });

  it('passes the caller their role: an editor editing, an admin deleting', async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const create = find('POST', '/v1/workspaces/{workspace}/destinations');
    const remove = find('DELETE', '/v1/workspaces/{workspace}/destinations/{destination}');
    const body = JSON.stringify({ id: 'orders', type: 'sns' });

    // Act
    await handleRequest(requestFor(create, EDITOR, { body }), table, services);
    await handleRequest(requestFor(remove, ADMIN), table, services);
    const editorDeleting = handleRequest(requestFor(remove, EDITOR), table, services);

    // Assess
    expect(handlerOf(create)?.mock.calls[0][0]).toMatchObject({
      role: 'editor',
      params: { workspace: WS_B },
    });
    expect(handlerOf(remove)?.mock.calls[0][0]).toMatchObject({ role: 'admin' });
    await expect(editorDeleting).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
    expect(handlerOf(remove)).toHaveBeenCalledTimes(1);
  });

  it('lets an operator act as admin on a workspace that exists, without being a member', async () => {
    // Prepare
    const { services, roleOf, workspaceLookups } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const remove = find('DELETE', '/v1/workspaces/{workspace}/destinations/{destination}');

    // Act
    const response = await handleRequest(requestFor(remove, OPERATOR, { workspace: WS_B }), table, services);

    // Assess
    expect(response.status).toBe(299);
    expect(handlerOf(remove)?.mock.calls[0][0]).toMatchObject({ role: 'admin' });
    expect(workspaceLookups).toEqual([WS_B]);
    expect(roleOf).not.toHaveBeenCalled();
  });

  it('answers an operator on a workspace that does not exist with 404 WorkspaceNotFound', async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const read = find('GET', '/v1/workspaces/{workspace}/destinations');

    // Act
    const pending = handleRequest(requestFor(read, OPERATOR, { workspace: MISSING }), table, services);

    // Assess
    await expect(pending).rejects.toMatchObject({ status: 404, code: 'WorkspaceNotFound' });
    expect(handlerOf(read)).not.toHaveBeenCalled();
  });

  it('lets an operator call operator routes on any workspace', async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const disable = find('POST', '/v1/workspaces/{workspace}/disable');

    // Act
    const response = await handleRequest(requestFor(disable, OPERATOR, { workspace: WS_A }), table, services);

    // Assess
    expect(response.status).toBe(299);
    expect(handlerOf(disable)).toHaveBeenCalledTimes(1);
  });

  it('authorizes before validating: a viewer posting an invalid body gets 403, a stranger 404, not 400', async () => {
    // Prepare
    const { services } = fakeServices();
    const create = find('POST', '/v1/workspaces/{workspace}/destinations');
    const invalid = { body: JSON.stringify({ type: 'carrier-pigeon' }) };
    const notJson = { body: '{not json' };

    // Act
    const viewer = handleRequest(requestFor(create, VIEWER, invalid), TABLE, services);
    const viewerNotJson = handleRequest(requestFor(create, VIEWER, notJson), TABLE, services);
    const stranger = handleRequest(requestFor(create, STRANGER, invalid), TABLE, services);
    const editor = handleRequest(requestFor(create, EDITOR, invalid), TABLE, services);

    // Assess
    await expect(viewer).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
    await expect(viewerNotJson).rejects.toMatchObject({ status: 403, code: 'Forbidden' });
    await expect(stranger).rejects.toMatchObject({ status: 404, code: 'WorkspaceNotFound' });
    await expect(editor).rejects.toMatchObject({ status: 400, code: 'InvalidRequest' });
  });

  it('answers an invalid body with 400 InvalidRequest, a problem naming each field', async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const invite = find('POST', '/v1/workspaces/{workspace}/members');
    const body = JSON.stringify({ email: 'not-an-address', role: 'owner' });

    // Act
    const { error } = await outcome(handleRequest(requestFor(invite, ADMIN, { body }), table, services));

    // Assess
    expect(error).toMatchObject({ status: 400, code: 'InvalidRequest' });
    const problems = (error as { problems: { field: string; message: string }[] }).problems;
    expect(problems.map((p) => p.field).sort()).toEqual(['email', 'role']);
    expect((error as Error).message).toMatch(/^email: .*; role: |^role: .*; email: /);
    expect(handlerOf(invite)).not.toHaveBeenCalled();
  });

  it('answers a body that is not JSON with 400 InvalidJson', async () => {
    // Prepare
    const { services } = fakeServices();
    const publish = find('POST', '/v1/workspaces/{workspace}/publish');

    // Act
    const pending = handleRequest(requestFor(publish, EDITOR, { body: '{"note":' }), TABLE, services);

    // Assess
    await expect(pending).rejects.toMatchObject({ status: 400, code: 'InvalidJson' });
  });

  it('names a bad path parameter and a bad query parameter as the field', async () => {
    // Prepare
    const { services } = fakeServices();
    const version = find('GET', '/v1/workspaces/{workspace}/versions/{version}');
    const audit = find('GET', '/v1/workspaces/{workspace}/audit-events');
    const badVersion = {
      ...requestFor(version, VIEWER),
      pathParameters: { workspace: WS_B, version: 'latest' },
    };
    const badLimit = { ...requestFor(audit, VIEWER), query: { limit: '1000' } };

    // Act
    const versionOutcome = await outcome(handleRequest(badVersion, TABLE, services));
    const limitOutcome = await outcome(handleRequest(badLimit, TABLE, services));

    // Assess
    expect(versionOutcome.error).toMatchObject({ status: 400, problems: [{ field: 'version' }] });
    expect(limitOutcome.error).toMatchObject({ status: 400, problems: [{ field: 'limit' }] });
  });

  it("gives handlers the change's context: the person, the request id, source IP and user agent", async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const publish = find('POST', '/v1/workspaces/{workspace}/publish');

    // Act
    await handleRequest(requestFor(publish, EDITOR, { body: '{}' }), table, services);

    // Assess
    expect(handlerOf(publish)?.mock.calls[0][0].change).toEqual({
      actor: { type: 'user', id: 'editor-of-b', name: 'editor-of-b@example.com' },
      requestId: 'req-0001',
      sourceIp: '203.0.113.7',
      userAgent: 'event-delivery-tests/1.0',
    });
  });

  it("gives handlers the change's context: the API key's id as the actor", async () => {
    // Prepare
    const { services } = fakeServices();
    const { table, handlerOf } = spiedTable();
    const publish = find('POST', '/v1/workspaces/{workspace}/publish');

    // Act
    await handleRequest(requestFor(publish, keyOf(WS_B, 'editor'), { body: '{}' }), table, services);

    // Assess
    expect(handlerOf(publish)?.mock.calls[0][0].change).toEqual({
      actor: { type: 'api-key', id: '0123456789abcdef' },
      requestId: 'req-0001',
      sourceIp: '203.0.113.7',
      userAgent: 'event-delivery-tests/1.0',
    });
  });

  it('records changes through the registry as the caller', async () => {
    // Prepare
    const { services, registry } = fakeServices();
    const publish = find('POST', '/v1/workspaces/{workspace}/publish');

    // Act
    const { error } = await outcome(
      handleRequest(requestFor(publish, EDITOR, { body: '{"note":"why"}' }), TABLE, services),
    );

    // Assess
    expect(error).toBe(REACHED);
    expect(registry).toHaveBeenCalledWith(
      expect.objectContaining({ actor: expect.objectContaining({ type: 'user', id: 'editor-of-b' }) }),
    );
  });
});

describe('answer', () => {
  const body = (response: ApiResponse) => response.json as Record<string, unknown>;

  it('gives a non-member the same answer whether the workspace exists or not', async () => {
    // Prepare
    const { services } = fakeServices();
    const read = find('GET', '/v1/workspaces/{workspace}/trust-policy');
    const asked = (workspace: string, caller: Caller) =>
      answer(requestFor(read, caller, { workspace }), TABLE, services, silentLogger);

    // Act
    const existing = await asked(WS_B, STRANGER);
    const missing = await asked(MISSING, STRANGER);
    const operatorMissing = await asked(MISSING, OPERATOR);
    const otherKey = await asked(WS_B, KEY_OF_A_ON_B);

    // Assess: the same status and body but for the workspace's own name
    const anonymised = (response: ApiResponse, workspace: string) => ({
      status: response.status,
      json: JSON.parse(JSON.stringify(response.json).replaceAll(workspace, '{workspace}')),
    });
    expect(anonymised(existing, WS_B)).toEqual({
      status: 404,
      json: {
        code: 'WorkspaceNotFound',
        message: 'no workspace "{workspace}" that you are a member of',
        requestId: 'req-0001',
      },
    });
    expect(anonymised(missing, MISSING)).toEqual(anonymised(existing, WS_B));
    expect(anonymised(operatorMissing, MISSING)).toEqual(anonymised(existing, WS_B));
    expect(anonymised(otherKey, WS_B)).toEqual(anonymised(existing, WS_B));
  });

  it('answers an invalid body as JSON with the problems and the request id', async () => {
    // Prepare
    const { services } = fakeServices();
    const key = find('POST', '/v1/workspaces/{workspace}/api-keys');

    // Act
    const response = await answer(
      requestFor(key, ADMIN, { body: JSON.stringify({ name: '', role: 'viewer' }) }),
      TABLE,
      services,
      silentLogger,
    );

    // Assess
    expect(response.status).toBe(400);
    expect(body(response)).toMatchObject({
      code: 'InvalidRequest',
      message: expect.stringMatching(/^name: /),
      requestId: 'req-0001',
      problems: [{ field: 'name', message: expect.any(String) }],
    });
  });

  it('answers an unknown route as JSON 404 RouteNotFound', async () => {
    // Prepare
    const { services } = fakeServices();

    // Act
    const response = await answer(
      requestFor({ method: 'GET', path: '/v2/anything' }, ADMIN),
      TABLE,
      services,
      silentLogger,
    );

    // Assess
    expect(response.status).toBe(404);
    expect(body(response)).toMatchObject({ code: 'RouteNotFound', requestId: 'req-0001' });
  });
});
