import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ApiClient, apiPath, normaliseApiUrl } from '../../bin/destinations/api-client';
import { ROUTES } from '../../lambda/control-plane/routes';
import { FakeApi, type RecordedRequest, runDestinations } from '../support/destinations-cli-harness';

/*
 * `npm run destinations` over the control-plane API: each command against a fake API on a
 * loopback port (behind a stage path, as API Gateway serves it) that records what it was sent and
 * answers canned JSON. The routes, methods, bodies and headers are the API's (routes/*.ts); the
 * exit statuses the CLI's: 0 done, 1 failed, 2 usage or a bad value.
 */

const KEY = `edk_0123456789abcdef_${'s'.repeat(43)}`;
const ROLE = 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery';
const ORDERS = {
  id: 'orders',
  type: 'sns',
  topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
  roleArn: ROLE,
  events: ['*'],
};
const CRM = {
  ...ORDERS,
  id: 'crm',
  topicArn: 'arn:aws:sns:us-east-1:111122223333:crm',
  events: ['Order Completed'],
};
const ACME = {
  id: 'acme',
  externalId: 'cdp-0123456789abcdef0123456789abcdef',
  status: 'active',
  liveVersion: 3,
  invokeAccounts: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'user:operator-1',
};
const version = (n: number, extra: object = {}) => ({
  version: n,
  destinations: [ORDERS],
  publishedAt: '2026-01-02T00:00:00.000Z',
  publishedBy: 'user:u-1',
  action: 'publish',
  changes: { added: ['orders'], removed: [], changed: [] },
  ...extra,
});
const LISTING = {
  workspace: 'acme',
  liveVersion: 3,
  draftRevision: 7,
  destinations: [
    { destination: { ...ORDERS, events: ['A'] }, status: 'changed' },
    { destination: CRM, status: 'added' },
  ],
  removed: [],
};
const W = '/v1/workspaces/acme';

/** The fake API with the answers every test may need. */
function cannedApi(): FakeApi {
  return new FakeApi()
    .on('GET', `${W}/destinations`, { json: LISTING, headers: { etag: '"3"' } })
    .on('POST', `${W}/destinations`, ({ body }) => ({
      status: 201,
      json: { ...(body as object), events: ['*'] },
    }))
    .on('GET', `${W}/destinations/orders`, { json: { draft: ORDERS, live: ORDERS, liveVersion: 3 } })
    .on('PATCH', `${W}/destinations/orders`, ({ body }) => ({ json: { ...ORDERS, ...(body as object) } }))
    .on('DELETE', `${W}/destinations/orders`, { status: 204 })
    .on('GET', `${W}/diff`, { json: { added: ['crm'], removed: [], changed: ['orders'] } })
    .on('GET', `${W}/versions`, {
      json: { versions: [version(1), version(2), version(3, { note: 'third' })] },
    })
    .on('GET', `${W}/versions/3`, { json: version(3) })
    .on('POST', `${W}/publish`, { status: 201, json: version(4), headers: { etag: '"4"' } })
    .on('POST', `${W}/rollback`, {
      status: 201,
      json: version(4, { action: 'rollback', restoredVersion: 2 }),
    })
    .on('POST', `${W}/destinations/orders/check`, {
      json: {
        workspace: 'acme',
        destination: 'orders',
        source: 'live',
        ok: false,
        steps: [
          { step: 'delivery role path', verdict: 'ok', detail: 'on /event-delivery/' },
          { step: 'assume role', verdict: 'fail', detail: 'AccessDenied', fix: 'trust the dispatcher' },
        ],
      },
    })
    .on('GET', `${W}/destinations/orders/mapping`, {
      json: {
        draft: { mapping: null, requiredConsent: null },
        live: { mapping: null, requiredConsent: null },
      },
    })
    .on('PUT', `${W}/destinations/orders/mapping`, ({ body }) => ({
      json: { ...ORDERS, ...(body as object) },
    }))
    .on('POST', `${W}/mapping/test`, ({ body }) => ({
      json: {
        results: (body as { events: unknown[] }).events.map((_, i) => ({
          line: i + 1,
          destination: 'orders',
          outcome: 'delivered',
        })),
      },
    }))
    .on('GET', `${W}/mapping/export`, {
      json: {
        rows: [
          {
            destination: 'orders',
            type: 'sns',
            arn: ORDERS.topicArn,
            events: '*',
            consent: '',
            mode: 'all',
            scope: 'event',
            property: '*',
            treatment: 'default',
          },
        ],
      },
    })
    .on('POST', '/v1/workspaces', ({ body }) => ({
      status: 201,
      json: { ...ACME, id: (body as { id: string }).id, liveVersion: 0 },
    }))
    .on('GET', '/v1/workspaces', { json: { workspaces: [ACME] } })
    .on('GET', W, { json: ACME })
    .on('POST', `${W}/disable`, { json: { ...ACME, status: 'disabled' } })
    .on('POST', `${W}/enable`, { json: ACME })
    .on('POST', `${W}/invoke-accounts`, { json: { ...ACME, invokeAccounts: ['444455556666'] } })
    .on('GET', '/v1/me', {
      json: {
        userId: 'u-1',
        username: 'ana@example.com',
        operator: false,
        workspaces: [{ workspace: 'acme', role: 'admin' }],
      },
    })
    .on('GET', `${W}/destination-types`, {
      json: {
        types: [
          {
            type: 'sns',
            fields: [
              { name: 'id', label: 'Id', description: 'The id', required: true, kind: 'text' },
              {
                name: 'topicArn',
                label: 'Topic ARN',
                description: 'The topic',
                required: true,
                kind: 'text',
              },
            ],
          },
        ],
      },
    })
    .on('GET', `${W}/trust-policy`, {
      json: {
        platformAccountId: '999988887777',
        dispatcherRoleArn: 'arn:aws:iam::999988887777:role/Dispatcher',
        externalId: ACME.externalId,
        rolePath: '/event-delivery/',
        trustPolicy: { Version: '2012-10-17', Statement: [] },
        customerStackContext: { externalId: ACME.externalId },
        lambdaPermission: {
          principal: 'arn:aws:iam::999988887777:role/Dispatcher',
          action: 'lambda:InvokeFunction',
        },
        resources: [ORDERS.topicArn],
      },
    })
    .on('GET', `${W}/members`, {
      json: {
        members: [
          {
            userId: 'u-2',
            email: 'bo@example.com',
            role: 'viewer',
            addedAt: '2026-01-01T00:00:00Z',
            addedBy: 'user:u-1',
          },
        ],
      },
    })
    .on('POST', `${W}/members`, ({ body }) => ({
      status: 201,
      json: { userId: 'u-3', addedAt: '2026-01-01T00:00:00Z', addedBy: 'user:u-1', ...(body as object) },
    }))
    .on('PATCH', `${W}/members/u-2`, ({ body }) => ({
      json: { userId: 'u-2', email: 'bo@example.com', addedAt: '', addedBy: '', ...(body as object) },
    }))
    .on('DELETE', `${W}/members/u-2`, { status: 204 })
    .on('GET', `${W}/api-keys`, {
      json: {
        apiKeys: [
          {
            id: '0123456789abcdef',
            prefix: 'edk_0123456789abcdef',
            name: 'ci',
            role: 'editor',
            createdAt: '',
            createdBy: '',
          },
        ],
      },
    })
    .on('POST', `${W}/api-keys`, ({ body }) => ({
      status: 201,
      json: {
        key: 'edk_fedcba9876543210_secret',
        apiKey: {
          id: 'fedcba9876543210',
          prefix: 'edk_fedcba9876543210',
          createdAt: '',
          createdBy: '',
          ...(body as object),
        },
      },
    }))
    .on('DELETE', `${W}/api-keys/0123456789abcdef`, {
      json: {
        id: '0123456789abcdef',
        prefix: 'edk_0123456789abcdef',
        name: 'ci',
        role: 'editor',
        createdAt: '',
        createdBy: '',
        revokedAt: 'now',
      },
    })
    .on('GET', `${W}/audit-events`, {
      json: {
        events: [
          {
            id: 'e-1',
            workspace: 'acme',
            at: '2026-01-03T00:00:00Z',
            action: 'workspace.publish',
            target: 'workspace',
            actor: { type: 'user', id: 'u-1', name: 'ana@example.com' },
            requestId: 'r-1',
            before: { liveVersion: 2 },
            after: { liveVersion: 3 },
          },
        ],
        nextCursor: 'next-page',
      },
    });
}

/** A route's path template as a pattern: `{workspace}` is one segment. */
const ROUTE_PATTERNS = ROUTES.map((route) => ({
  key: `${route.method} ${route.path}`,
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`),
}));
const routeOf = (request: RecordedRequest) =>
  ROUTE_PATTERNS.find((r) => r.method === request.method && r.pattern.test(request.path))?.key;

describe('npm run destinations over the API', () => {
  let api: FakeApi;
  let apiUrl: string;
  let config: string;
  const env = () => ({
    EVENT_DELIVERY_API_URL: apiUrl,
    EVENT_DELIVERY_API_KEY: KEY,
    XDG_CONFIG_HOME: config,
  });
  const destinations = (...argv: string[]) => runDestinations(argv, { env: env() });
  const sent = () => api.requests.map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    config = mkdtempSync(path.join(tmpdir(), 'destinations-api-'));
    api = cannedApi();
    apiUrl = await api.start();
  });
  afterAll(async () => {
    await api.stop();
    rmSync(config, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.requests.length = 0;
  });

  describe('each command calls its route', () => {
    it.each([
      [['workspaces', 'create', 'globex'], ['POST /v1/workspaces']],
      [['workspaces', 'list'], ['GET /v1/workspaces']],
      [['workspaces', 'show', 'acme'], [`GET ${W}`]],
      [['workspaces', 'disable', 'acme'], [`POST ${W}/disable`]],
      [['workspaces', 'enable', 'acme'], [`POST ${W}/enable`]],
      [['workspaces', 'add-invoke-account', 'acme', '444455556666'], [`POST ${W}/invoke-accounts`]],
      [['add', 'acme', 'crm', '--topic-arn', CRM.topicArn, '--role-arn', ROLE], [`POST ${W}/destinations`]],
      [
        ['update', 'acme', 'orders', '--events', 'A'],
        [`GET ${W}/destinations/orders`, `PATCH ${W}/destinations/orders`],
      ],
      [['remove', 'acme', 'orders'], [`DELETE ${W}/destinations/orders`]],
      [
        ['list', 'acme'],
        [`GET ${W}/destinations`, `GET ${W}/versions/3`],
      ],
      [['show', 'acme', 'orders'], [`GET ${W}/destinations/orders`]],
      [['diff', 'acme'], [`GET ${W}/diff`]],
      [
        ['publish', 'acme', '--note', 'go'],
        [`GET ${W}/destinations`, `POST ${W}/publish`],
      ],
      [['versions', 'acme'], [`GET ${W}/versions`]],
      [
        ['rollback', 'acme', '--to', '2'],
        [`GET ${W}/destinations`, `POST ${W}/rollback`],
      ],
      [['mapping', 'show', 'acme', 'orders'], [`GET ${W}/destinations/orders/mapping`]],
      [['mapping', 'set', 'acme', 'orders', '--clear'], [`PUT ${W}/destinations/orders/mapping`]],
      [['mapping', 'export', 'acme', '--format', 'csv'], [`GET ${W}/mapping/export`]],
      [['whoami'], ['GET /v1/me']],
      [['types', 'acme'], [`GET ${W}/destination-types`]],
      [['trust-policy', 'acme'], [`GET ${W}/trust-policy`]],
      [['members', 'list', 'acme'], [`GET ${W}/members`]],
      [['members', 'invite', 'acme', 'cy@example.com', '--role', 'editor'], [`POST ${W}/members`]],
      [
        ['members', 'set-role', 'acme', 'bo@example.com', '--role', 'editor'],
        [`GET ${W}/members`, `PATCH ${W}/members/u-2`],
      ],
      [['members', 'remove', 'acme', 'u-2'], [`DELETE ${W}/members/u-2`]],
      [['api-keys', 'list', 'acme'], [`GET ${W}/api-keys`]],
      [['api-keys', 'create', 'acme', '--name', 'ci', '--role', 'editor'], [`POST ${W}/api-keys`]],
      [['api-keys', 'revoke', 'acme', 'edk_0123456789abcdef'], [`DELETE ${W}/api-keys/0123456789abcdef`]],
      [['audit', 'acme'], [`GET ${W}/audit-events`]],
    ])('%j', async (argv, expected) => {
      // Act
      const run = await destinations(...argv);

      // Assess
      expect(run).toMatchObject({ status: 0, stderr: '' });
      expect(sent().sort()).toEqual([...expected].sort());
      expect(api.requests.map(routeOf)).not.toContain(undefined);
      for (const request of api.requests) expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
    });

    it('check: POST check as the dispatcher, and exit 1 when a step fails', async () => {
      // Act
      const run = await destinations('check', 'acme', 'orders', '--send-test-event');

      // Assess
      expect(run.status).toBe(1);
      expect(run.stdout).toContain('acme/orders (live version 3)');
      expect(run.stdout).toContain('  FAIL  assume role: AccessDenied\n        fix: trust the dispatcher');
      expect(run.stdout).toContain('setup check FAILED');
      expect(api.requests.find((r) => r.path.endsWith('/check'))?.body).toEqual({ sendTestEvent: true });
    });
  });

  describe('what it sends', () => {
    it('add: the flags as the DestinationRequest body, a Lambda function by region and name', async () => {
      // Act
      const run = await destinations(
        'add',
        'acme',
        'fn',
        '--region',
        'us-east-1',
        '--function-name',
        'orders',
        '--role-arn',
        ROLE,
        '--events',
        'Order Completed, Cart Viewed',
      );

      // Assess
      expect(run.status).toBe(0);
      expect(api.requests[0]).toMatchObject({
        method: 'POST',
        path: `${W}/destinations`,
        headers: expect.objectContaining({ 'content-type': 'application/json' }),
        body: {
          id: 'fn',
          type: 'lambda',
          functionName: 'orders',
          region: 'us-east-1',
          roleArn: ROLE,
          events: ['Order Completed', 'Cart Viewed'],
        },
      });
    });

    it('update: only the changed fields, null for the ones removed', async () => {
      // Act
      const run = await destinations('update', 'acme', 'orders', '--events', 'A,B', '--role-arn', '');

      // Assess
      expect(run.status).toBe(0);
      expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
        events: ['A', 'B'],
        roleArn: null,
      });
    });

    it('update: a new resource of another type replaces the old one whole', async () => {
      // Act
      await destinations(
        'update',
        'acme',
        'orders',
        '--queue-arn',
        'arn:aws:sqs:us-east-1:111122223333:orders',
      );

      // Assess
      expect(api.requests.find((r) => r.method === 'PATCH')?.body).toEqual({
        type: 'sqs',
        queueArn: 'arn:aws:sqs:us-east-1:111122223333:orders',
        topicArn: null,
      });
    });

    it('publish: If-Match with the live version GET destinations tagged, and the note', async () => {
      // Act
      const run = await destinations('publish', 'acme', '--note', 'go');

      // Assess
      expect(run.stdout).toBe('published acme version 4: +orders\n');
      const publish = api.requests.find((r) => r.path.endsWith('/publish'));
      expect(publish).toMatchObject({
        headers: expect.objectContaining({ 'if-match': '"3"' }),
        body: { note: 'go' },
      });
      expect(api.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    });

    it('rollback: If-Match, the version and the note', async () => {
      // Act
      const run = await destinations('rollback', 'acme', '--to', '2', '--note', 'undo');

      // Assess
      expect(run.stdout).toBe('acme version 4 is live: the content of version 2\n');
      expect(api.requests.find((r) => r.path.endsWith('/rollback'))).toMatchObject({
        headers: expect.objectContaining({ 'if-match': '"3"' }),
        body: { toVersion: 2, note: 'undo' },
      });
    });

    it('mapping set: the file as the mapping', async () => {
      // Prepare
      const file = path.join(config, 'mapping.json');
      writeFileSync(file, JSON.stringify({ mode: 'allow', properties: {} }));

      // Act
      await destinations('mapping', 'set', 'acme', 'orders', '--file', file);

      // Assess
      expect(api.requests[0].body).toEqual({ mapping: { mode: 'allow', properties: {} } });
    });

    it('mapping test: 100 events a request at most, lines numbered across the file', async () => {
      // Prepare
      const file = path.join(config, 'events.jsonl');
      writeFileSync(file, Array.from({ length: 150 }, (_, i) => JSON.stringify({ n: i })).join('\n'));

      // Act
      const run = await destinations('--json', 'mapping', 'test', 'acme', '--events-file', file, '--draft');

      // Assess
      const bodies = api.requests.map((r) => r.body as { events: string[]; draft: boolean });
      expect(bodies.map((b) => [b.events.length, b.draft])).toEqual([
        [100, true],
        [50, true],
      ]);
      expect(bodies[1].events[0]).toBe('{"n":100}');
      expect((JSON.parse(run.stdout) as { line: number }[]).map((r) => r.line)).toEqual(
        Array.from({ length: 150 }, (_, i) => i + 1),
      );
    });

    it('mapping export: the JSON rows, as CSV when asked, for the draft when asked', async () => {
      // Act
      const run = await destinations('mapping', 'export', 'acme', '--format', 'csv', '--draft');

      // Assess
      expect(api.requests[0].query).toEqual({ format: 'json', draft: 'true' });
      expect(run.stdout.split('\n')[0]).toContain('destination');
      expect(run.stdout).toContain(ORDERS.topicArn);
    });

    it('audit: the page size and cursor as the query', async () => {
      // Act
      const run = await destinations('audit', 'acme', '--limit', '10', '--cursor', 'c-1');

      // Assess
      expect(api.requests[0].query).toEqual({ limit: '10', cursor: 'c-1' });
      expect(run.stdout).toContain('user:ana@example.com');
      expect(run.stdout).toContain('audit acme --cursor next-page');
    });

    it('api-keys create: the key printed once, with the warning it will not be shown again', async () => {
      // Act
      const run = await destinations(
        'api-keys',
        'create',
        'acme',
        '--name',
        'ci',
        '--role',
        'viewer',
        '--expires-at',
        '2030-01-31',
      );

      // Assess
      expect(api.requests[0].body).toEqual({
        name: 'ci',
        role: 'viewer',
        expiresAt: '2030-01-31T00:00:00.000Z',
      });
      expect(run.stdout).toContain('edk_fedcba9876543210_secret');
      expect(run.stdout).toContain('it will not be shown again');
    });

    it('joins paths to a stage URL with or without its trailing slash, and encodes each segment', async () => {
      // Prepare
      const withoutSlash = apiUrl.replace(/\/$/, '');

      // Act
      await runDestinations(['show', 'acme', 'orders'], {
        env: { ...env(), EVENT_DELIVERY_API_URL: withoutSlash },
      });
      await runDestinations(['--api-url', apiUrl, 'show', 'acme', 'a/b'], { env: env() });

      // Assess
      expect(api.requests.map((r) => r.path)).toEqual([
        `${W}/destinations/orders`,
        `${W}/destinations/a%2Fb`,
      ]);
    });
  });

  describe('--json', () => {
    it('list: the workspace, live version, draft, live destinations and diff', async () => {
      // Act
      const run = await destinations('--json', 'list', 'acme');

      // Assess
      expect(JSON.parse(run.stdout)).toEqual({
        workspace: 'acme',
        liveVersion: 3,
        draft: [{ ...ORDERS, events: ['A'] }, CRM],
        live: [ORDERS],
        diff: { added: ['crm'], removed: [], changed: ['orders'] },
      });
    });

    it('versions and workspaces list: the lists themselves', async () => {
      // Act
      const versions = await destinations('--json', 'versions', 'acme');
      const workspaces = await destinations('--json', 'workspaces', 'list');

      // Assess
      expect(JSON.parse(versions.stdout)).toHaveLength(3);
      expect(JSON.parse(workspaces.stdout)).toEqual([ACME]);
    });

    it('check: workspace, destination, source, steps and ok, in that order', async () => {
      // Act
      const run = await destinations('--json', 'check', 'acme', 'orders');

      // Assess
      expect(Object.keys(JSON.parse(run.stdout))).toEqual([
        'workspace',
        'destination',
        'source',
        'steps',
        'ok',
      ]);
    });
  });

  describe('when the API refuses', () => {
    const refusing = (status: number, json: unknown) =>
      new FakeApi()
        .on('GET', `${W}/destinations`, { json: LISTING, headers: { etag: '"3"' } })
        .on('POST', `${W}/publish`, {
          status,
          json,
        });

    async function against(fake: FakeApi, ...argv: string[]) {
      const url = await fake.start();
      try {
        return await runDestinations(argv, { env: { ...env(), EVENT_DELIVERY_API_URL: url } });
      } finally {
        await fake.stop();
      }
    }

    it('412 (someone published in between): exit 1, with the code, the message and what to do', async () => {
      // Prepare
      const fake = refusing(412, {
        code: 'PreconditionFailed',
        message: 'the live version is 4, not 3: someone published in between',
        requestId: 'r-412',
      });

      // Act
      const run = await against(fake, 'publish', 'acme');

      // Assess
      expect(run).toEqual({
        status: 1,
        stdout: '',
        stderr:
          'PreconditionFailed: the live version is 4, not 3: someone published in between; nothing was changed: see what is live now (list, versions), then try again (request r-412)\n',
      });
    });

    it('400 (a bad value): exit 2, naming the field, with the pointer to --help', async () => {
      // Prepare
      const fake = new FakeApi().on('POST', `${W}/destinations`, {
        status: 400,
        json: { code: 'InvalidRequest', message: 'topicArn: must be an SNS topic ARN', requestId: 'r-400' },
      });

      // Act
      const run = await against(fake, 'add', 'acme', 'x', '--topic-arn', 'nope');

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(
        'topicArn: must be an SNS topic ARN (request r-400)\nSee: npm run destinations -- add --help\n',
      );
    });

    it.each([
      [401, 'Unauthorized', 'the token or API key is not valid', 'EVENT_DELIVERY_API_KEY was refused'],
      [403, 'Forbidden', 'this needs the editor role in acme; yours is viewer', ''],
      [404, 'WorkspaceNotFound', 'no workspace "acme" that you are a member of', ''],
      [409, 'Conflict', 'the draft is the live version: nothing to publish', ''],
    ])('%i: exit 1 with the code and the message', async (status, code, message, more) => {
      // Act
      const run = await against(refusing(status, { code, message, requestId: 'r' }), 'publish', 'acme');

      // Assess
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${code}: ${message}`);
      expect(run.stderr).toContain(more);
    });

    it("API Gateway's own answers, without a code: named by their status", async () => {
      // Act
      const run = await against(refusing(403, { message: 'Forbidden' }), 'publish', 'acme');

      // Assess
      expect(run).toMatchObject({ status: 1, stderr: 'Forbidden: Forbidden\n' });
    });

    it('no answer at all: exit 1, naming the URL', async () => {
      // Prepare
      const fake = new FakeApi();
      const url = await fake.start();
      await fake.stop();

      // Act
      const run = await runDestinations(['list', 'acme'], { env: { ...env(), EVENT_DELIVERY_API_URL: url } });

      // Assess
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`cannot reach ${url.replace(/\/$/, '')}: ECONNREFUSED`);
    });
  });

  describe('credentials', () => {
    it('an API key before a token, a token before a cached sign-in', async () => {
      // Act
      await runDestinations(['diff', 'acme'], { env: { ...env(), EVENT_DELIVERY_TOKEN: 'token-1' } });
      await runDestinations(['diff', 'acme'], {
        env: { ...env(), EVENT_DELIVERY_API_KEY: '', EVENT_DELIVERY_TOKEN: 'token-1' },
      });

      // Assess
      expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${KEY}`, 'Bearer token-1']);
    });

    it('none: exit 2, saying how to sign in', async () => {
      // Act
      const run = await runDestinations(['diff', 'acme'], {
        env: { ...env(), EVENT_DELIVERY_API_KEY: undefined },
      });

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`npm run destinations -- login --api-url ${apiUrl.replace(/\/$/, '')}`);
      expect(api.requests).toEqual([]);
    });
  });

  describe('usage', () => {
    it.each([
      [
        ['--table', 'registry', 'diff', 'acme'],
        "--table is for the table (the operator's bootstrap), not the API",
      ],
      [
        ['check', 'acme', 'orders', '--dispatcher-role-arn', 'arn:aws:iam::1:role/d'],
        '--dispatcher-role-arn is for the table',
      ],
      [
        ['members', 'invite', 'acme', 'cy@example.com', '--role', 'owner'],
        '--role must be viewer, editor, admin',
      ],
      [['rollback', 'acme', '--to', 'two'], '--to must be a version number'],
      [['--api-url', 'http://api.example.com/prod', 'diff', 'acme'], 'must be https://'],
      [['--api-url', 'not a url', 'diff', 'acme'], 'is not a URL'],
    ])('%j: exit 2 before any request', async (argv, message) => {
      // Act
      const run = await destinations(...argv);

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(message);
      expect(api.requests).toEqual([]);
    });
  });
});

describe('the API client', () => {
  it.each([
    [
      'https://abc.execute-api.us-east-1.amazonaws.com/prod/',
      'https://abc.execute-api.us-east-1.amazonaws.com/prod',
    ],
    ['https://api.example.com', 'https://api.example.com'],
    ['http://127.0.0.1:4510', 'http://127.0.0.1:4510'],
    ['http://localhost:4510//', 'http://localhost:4510'],
  ])('takes %s as %s', (given, normalised) => {
    expect(normaliseApiUrl(given)).toBe(normalised);
  });

  it('encodes each value of a path as one segment', () => {
    expect(apiPath`/v1/workspaces/${'a b'}/destinations/${'../x'}`).toBe(
      '/v1/workspaces/a%20b/destinations/..%2Fx',
    );
  });

  it('gives up on an API that does not answer, naming it', async () => {
    // Prepare
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    const client = new ApiClient('https://api.example.com/prod/', undefined, hanging, 50);

    // Act
    const call = client.call('GET', '/v1/sign-in');

    // Assess
    await expect(call).rejects.toThrow('no answer from https://api.example.com/prod in 0.05 s');
  });
});
