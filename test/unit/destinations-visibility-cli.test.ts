import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ROUTES } from '../../lambda/control-plane/routes';
import { FakeApi, type RecordedRequest, runDestinations } from '../support/destinations-cli-harness';

/*
 * `npm run destinations` health, failures, story, dead-letters and alerts: API-only commands,
 * each against a fake API that records what it was sent (routes/deliveries.ts, dead-letters.ts,
 * alerts.ts) and answers canned JSON. Exit statuses: 0 done, 1 failed, 2 usage or a bad value.
 */

const KEY = `edk_0123456789abcdef_${'s'.repeat(43)}`;
const W = '/v1/workspaces/acme';
const TOPIC = 'arn:aws:sns:us-east-1:111122223333:alerts';
const ROLE = 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery';
const LETTER_1 = '1767225600000-0f8fa2a6-1b3c-4d5e-8f90-123456789abc';
const LETTER_2 = '1767225601000-1f8fa2a6-1b3c-4d5e-8f90-123456789abc';

const figures = (extra: object = {}) => ({
  delivered: 120,
  failed: { total: 3, byCode: { AccessDenied: 2, Timeout: 1 } },
  retriesScheduled: 2,
  deadLettered: { total: 1, byCode: { AccessDenied: 1 } },
  blockedByConsent: 0,
  offloaded: 0,
  latencyMs: { delivered: 120, p50: { fromMs: 250, toMs: 500 }, p99: { fromMs: 1000, toMs: 2500 } },
  lastSuccessAt: '2026-01-01T10:00:00.000Z',
  lastFailure: { at: '2026-01-01T10:05:00.000Z', code: 'AccessDenied', reason: 'not authorized', attempt: 2 },
  ...extra,
});
const HEALTH = {
  workspace: 'acme',
  window: 'day',
  from: '2025-12-31T10:10:00.000Z',
  to: '2026-01-01T10:10:00.000Z',
  generatedAt: '2026-01-01T10:10:00.000Z',
  totals: figures(),
  destinations: [
    {
      destinationId: 'orders',
      type: 'sns',
      live: true,
      ...figures(),
      circuit: {
        state: 'open',
        changedAt: '2026-01-01T10:05:00.000Z',
        reason: 'AccessDenied',
        openedInWindow: 1,
        failingSince: null,
      },
      disabled: { at: '2026-01-01T10:06:00.000Z', reason: 'failing for 24 h' },
    },
  ],
};
const FAILURES = {
  workspace: 'acme',
  destination: 'orders',
  window: 'hour',
  from: '2026-01-01T09:10:00.000Z',
  to: '2026-01-01T10:10:00.000Z',
  failures: [
    {
      at: '2026-01-01T10:05:00.000Z',
      distinctIdHash: '0123456789abcdef0123',
      code: 'AccessDenied',
      reason: 'not authorized to perform sns:Publish',
      attempt: 2,
      outcome: 'dead-lettered',
    },
  ],
};
const STORY = {
  workspace: 'acme',
  distinctIdHash: 'abcdefabcdefabcdefab',
  consumerEventKeyHash: 'feedfeedfeed',
  window: 'day',
  from: '2025-12-31T10:10:00.000Z',
  to: '2026-01-01T10:10:00.000Z',
  found: true,
  steps: [
    { kind: 'received', at: '2026-01-01T10:00:00.000Z', attempt: 1 },
    {
      kind: 'failed',
      at: '2026-01-01T10:00:01.000Z',
      destinationId: 'orders',
      destinationType: 'sns',
      errorCode: 'Timeout',
      errorMessage: 'no answer in 5 s',
      next: 'retry scheduled',
    },
    { kind: 'received', at: '2026-01-01T10:01:00.000Z', attempt: 2, redriven: true },
    { kind: 'delivered', at: '2026-01-01T10:01:01.000Z', destinationId: 'orders', destinationType: 'sns' },
  ],
};
const LETTER = {
  id: LETTER_1,
  at: '2026-01-01T00:00:00.000Z',
  errorCode: 'AccessDenied',
  reason: 'not authorized to perform sns:Publish',
  attempts: 3,
  destinationId: 'orders',
  distinctId: 'user-1',
  mappingVersion: 3,
  expiresAt: '2026-01-15T00:00:00.000Z',
};
const PAGE = { letters: [LETTER], nextCursor: LETTER_1 };
const outcome = (extra: object) => ({
  matched: 2,
  notFound: [],
  remaining: 0,
  remainingExact: true,
  left: [],
  failed: 0,
  ...extra,
});
const CHANNEL = { topicArn: TOPIC, roleArn: ROLE, deadLetterThreshold: 10 };

function cannedApi(): FakeApi {
  return new FakeApi()
    .on('GET', `${W}/health`, { json: HEALTH })
    .on('GET', `${W}/destinations/orders/failures`, { json: FAILURES })
    .on('GET', `${W}/events/ana%40example.com`, { json: STORY })
    .on('GET', `${W}/events/a%20b`, { json: { ...STORY, found: false, steps: [] } })
    .on('GET', `${W}/dead-letters`, { json: PAGE })
    .on('GET', `${W}/dead-letters/${LETTER_1}`, { json: { ...LETTER, body: '{"event":{}}' } })
    .on('POST', `${W}/dead-letters/redrive`, {
      json: outcome({ redriven: 2, notRemoved: 0, remaining: 30, remainingExact: false }),
    })
    .on('POST', `${W}/dead-letters/discard`, { json: outcome({ discarded: 1, notFound: [LETTER_2] }) })
    .on('GET', `${W}/alerts`, { json: { channel: CHANNEL } })
    .on('PUT', `${W}/alerts`, ({ body }) => ({
      json: {
        channel: (body as { channel: object | null }).channel && {
          deadLetterThreshold: 10,
          ...(body as { channel: object }).channel,
        },
      },
    }))
    .on('POST', `${W}/alerts/test`, { json: { sent: true } });
}

/** A route's path template as a pattern: `{workspace}` is one segment. */
const ROUTE_PATTERNS = ROUTES.map((route) => ({
  method: route.method,
  pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`),
}));
const isRoute = (request: RecordedRequest) =>
  ROUTE_PATTERNS.some((r) => r.method === request.method && r.pattern.test(request.path));

describe('npm run destinations: deliveries, dead letters and alerts over the API', () => {
  let api: FakeApi;
  let apiUrl: string;
  let config: string;
  const env = () => ({
    EVENT_DELIVERY_API_URL: apiUrl,
    EVENT_DELIVERY_API_KEY: KEY,
    XDG_CONFIG_HOME: config,
  });
  const destinations = (...argv: string[]) => runDestinations(argv, { env: env() });
  const only = () => {
    expect(api.requests).toHaveLength(1);
    const [request] = api.requests;
    return { method: request.method, path: request.path, query: request.query, body: request.body };
  };

  beforeAll(async () => {
    config = mkdtempSync(path.join(tmpdir(), 'destinations-visibility-'));
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

  describe('each command sends its route, query and body', () => {
    it.each([
      [['health', 'acme'], { method: 'GET', path: `${W}/health`, query: {}, body: undefined }],
      [
        ['health', 'acme', '--window', 'week'],
        { method: 'GET', path: `${W}/health`, query: { window: 'week' }, body: undefined },
      ],
      [
        ['failures', 'acme', 'orders', '--limit', '5', '--window', 'hour'],
        {
          method: 'GET',
          path: `${W}/destinations/orders/failures`,
          query: { limit: '5', window: 'hour' },
          body: undefined,
        },
      ],
      [
        ['story', 'acme', 'ana@example.com', '--visitor-id', 'v-1'],
        {
          method: 'GET',
          path: `${W}/events/ana%40example.com`,
          query: { visitorId: 'v-1' },
          body: undefined,
        },
      ],
      [
        ['story', 'acme', 'a b', '--window', 'week'],
        { method: 'GET', path: `${W}/events/a%20b`, query: { window: 'week' }, body: undefined },
      ],
      [
        [
          'dead-letters',
          'list',
          'acme',
          '--destination',
          'orders',
          '--code',
          'AccessDenied',
          '--from',
          '2026-01-01',
          '--to',
          '2026-01-02T12:00:00Z',
          '--limit',
          '10',
          '--cursor',
          LETTER_2,
        ],
        {
          method: 'GET',
          path: `${W}/dead-letters`,
          query: {
            destination: 'orders',
            code: 'AccessDenied',
            from: '2026-01-01T00:00:00.000Z',
            to: '2026-01-02T12:00:00.000Z',
            limit: '10',
            cursor: LETTER_2,
          },
          body: undefined,
        },
      ],
      [
        ['dead-letters', 'show', 'acme', LETTER_1],
        { method: 'GET', path: `${W}/dead-letters/${LETTER_1}`, query: {}, body: undefined },
      ],
      [
        ['dead-letters', 'redrive', 'acme', LETTER_1, LETTER_2],
        {
          method: 'POST',
          path: `${W}/dead-letters/redrive`,
          query: {},
          body: { letters: [LETTER_1, LETTER_2] },
        },
      ],
      [
        ['dead-letters', 'redrive', 'acme', '--all'],
        { method: 'POST', path: `${W}/dead-letters/redrive`, query: {}, body: { filter: {} } },
      ],
      [
        ['dead-letters', 'redrive', 'acme', '--destination', 'orders', '--code', 'AccessDenied'],
        {
          method: 'POST',
          path: `${W}/dead-letters/redrive`,
          query: {},
          body: { filter: { destination: 'orders', code: 'AccessDenied' } },
        },
      ],
      [
        ['dead-letters', 'discard', 'acme', LETTER_1],
        { method: 'POST', path: `${W}/dead-letters/discard`, query: {}, body: { letters: [LETTER_1] } },
      ],
      [
        ['dead-letters', 'discard', 'acme', '--from', '2026-01-01T00:00:00Z'],
        {
          method: 'POST',
          path: `${W}/dead-letters/discard`,
          query: {},
          body: { filter: { from: '2026-01-01T00:00:00.000Z' } },
        },
      ],
      [['alerts', 'show', 'acme'], { method: 'GET', path: `${W}/alerts`, query: {}, body: undefined }],
      [
        ['alerts', 'set', 'acme', '--topic-arn', TOPIC, '--role-arn', ROLE, '--dead-letter-threshold', '25'],
        {
          method: 'PUT',
          path: `${W}/alerts`,
          query: {},
          body: { channel: { topicArn: TOPIC, roleArn: ROLE, deadLetterThreshold: 25 } },
        },
      ],
      [
        ['alerts', 'set', 'acme', '--topic-arn', TOPIC, '--role-arn', ROLE],
        {
          method: 'PUT',
          path: `${W}/alerts`,
          query: {},
          body: { channel: { topicArn: TOPIC, roleArn: ROLE } },
        },
      ],
      [
        ['alerts', 'set', 'acme', '--clear'],
        { method: 'PUT', path: `${W}/alerts`, query: {}, body: { channel: null } },
      ],
      [['alerts', 'test', 'acme'], { method: 'POST', path: `${W}/alerts/test`, query: {}, body: undefined }],
    ])('%j', async (argv, expected) => {
      // Act
      const run = await destinations(...argv);

      // Assess
      expect(run).toMatchObject({ status: 0, stderr: '' });
      expect(only()).toEqual(expected);
      expect(api.requests.every(isRoute)).toBe(true);
      expect(api.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    });
  });

  describe('what it prints', () => {
    it('health: a line per destination with its figures by code, circuit, disabled reason and last failure; a total', async () => {
      // Act
      const run = await destinations('health', 'acme', '--window', 'day');

      // Assess
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toContain('acme, the last day');
      expect(lines[1]).toMatch(/^ {2}orders /);
      for (const part of [
        'delivered 120',
        'failed 3 (AccessDenied 2, Timeout 1)',
        'retries 2',
        'dead-lettered 1 (AccessDenied 1)',
        'circuit open',
        'DISABLED (failing for 24 h)',
        'last failure AccessDenied',
      ])
        expect(lines[1]).toContain(part);
      expect(lines[2]).toMatch(/^ {2}total +delivered 120, failed 3 .*dead-lettered 1/);
    });

    it('failures: time, hash, code, attempt, outcome and reason', async () => {
      // Act
      const run = await destinations('failures', 'acme', 'orders');

      // Assess
      expect(run.stdout).toContain('0123456789abcdef0123');
      expect(run.stdout).toContain('AccessDenied');
      expect(run.stdout).toContain('attempt 2  dead-lettered: not authorized to perform sns:Publish');
    });

    it("story: the timeline's steps in order; not found when the logs do not name it", async () => {
      // Act
      const found = await destinations('story', 'acme', 'ana@example.com');
      const missing = await destinations('story', 'acme', 'a b');

      // Assess
      expect(found.stdout.trimEnd().split('\n')).toEqual([
        "event abcdefabcdefabcdefab in acme, the last day (the consumer's eventKeyHash feedfeedfeed):",
        '  2026-01-01T10:00:00.000Z  received, attempt 1',
        '  2026-01-01T10:00:01.000Z  orders (sns) failed, Timeout: no answer in 5 s, retry scheduled',
        '  2026-01-01T10:01:00.000Z  received, attempt 2, redriven',
        '  2026-01-01T10:01:01.000Z  orders (sns) delivered',
      ]);
      expect(missing.stdout).toContain('not found');
    });

    it('dead-letters list and show: the letters, the cursor for more, the body when given', async () => {
      // Act
      const list = await destinations('dead-letters', 'list', 'acme');
      const show = await destinations('dead-letters', 'show', 'acme', LETTER_1);

      // Assess
      expect(list.stdout).toContain(`${LETTER_1}  2026-01-01T00:00:00.000Z  AccessDenied`);
      expect(list.stdout).toContain(`--cursor ${LETTER_1}`);
      expect(show.stdout).toContain('body:        {"event":{}}');
    });

    it('redrive and discard: the counts the API answers, and what is left', async () => {
      // Act
      const redrive = await destinations('dead-letters', 'redrive', 'acme', '--all');
      const discard = await destinations('dead-letters', 'discard', 'acme', LETTER_1, LETTER_2);

      // Assess
      expect(redrive.stdout).toContain('redriven 2 of 2 matched in acme');
      expect(redrive.stdout).toContain('at least 30 more match: run the command again');
      expect(discard.stdout).toContain('discarded 1 of 2 matched in acme');
      expect(discard.stdout).toContain(`not found (expired, redriven or discarded): ${LETTER_2}`);
    });

    it('alerts show: where alerts go', async () => {
      // Act
      const run = await destinations('alerts', 'show', 'acme');

      // Assess
      expect(run.stdout).toContain(`acme's alerts go to ${TOPIC}, published through ${ROLE}`);
    });
  });

  describe('--json prints the API body', () => {
    it.each([
      [['health', 'acme'], HEALTH],
      [['failures', 'acme', 'orders'], FAILURES],
      [['story', 'acme', 'ana@example.com'], STORY],
      [['dead-letters', 'list', 'acme'], PAGE],
      [['dead-letters', 'show', 'acme', LETTER_1], { ...LETTER, body: '{"event":{}}' }],
      [
        ['dead-letters', 'redrive', 'acme', '--all'],
        outcome({ redriven: 2, notRemoved: 0, remaining: 30, remainingExact: false }),
      ],
      [['dead-letters', 'discard', 'acme', '--all'], outcome({ discarded: 1, notFound: [LETTER_2] })],
      [['alerts', 'show', 'acme'], { channel: CHANNEL }],
      [['alerts', 'set', 'acme', '--clear'], { channel: null }],
      [['alerts', 'test', 'acme'], { sent: true }],
    ])('%j', async (argv, body) => {
      // Act
      const run = await destinations('--json', ...argv);

      // Assess
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual(body);
    });
  });

  describe('when the API refuses or something failed', () => {
    async function against(fake: FakeApi, ...argv: string[]) {
      const url = await fake.start();
      try {
        return await runDestinations(argv, { env: { ...env(), EVENT_DELIVERY_API_URL: url } });
      } finally {
        await fake.stop();
      }
    }

    it.each([
      [['health', 'acme'], 'GET', `${W}/health`],
      [['failures', 'acme', 'orders'], 'GET', `${W}/destinations/orders/failures`],
      [['story', 'acme', 'u-1'], 'GET', `${W}/events/u-1`],
      [['dead-letters', 'list', 'acme'], 'GET', `${W}/dead-letters`],
      [['dead-letters', 'show', 'acme', LETTER_1], 'GET', `${W}/dead-letters/${LETTER_1}`],
      [['dead-letters', 'redrive', 'acme', '--all'], 'POST', `${W}/dead-letters/redrive`],
      [['dead-letters', 'discard', 'acme', LETTER_1], 'POST', `${W}/dead-letters/discard`],
      [['alerts', 'show', 'acme'], 'GET', `${W}/alerts`],
      [['alerts', 'set', 'acme', '--clear'], 'PUT', `${W}/alerts`],
      [['alerts', 'test', 'acme'], 'POST', `${W}/alerts/test`],
    ])('%j: 404 and 403 exit 1 with the code and message', async (argv, method, route) => {
      for (const [status, code] of [
        [404, 'WorkspaceNotFound'],
        [403, 'Forbidden'],
      ] as const) {
        // Act
        const run = await against(
          new FakeApi().on(method, route, { status, json: { code, message: 'refused', requestId: 'r' } }),
          ...argv,
        );

        // Assess
        expect(run).toMatchObject({ status: 1, stdout: '' });
        expect(run.stderr).toContain(`${code}: refused`);
      }
    });

    it('503 while the logs are busy: exit 1 with the code', async () => {
      // Act
      const run = await against(
        new FakeApi().on('GET', `${W}/health`, {
          status: 503,
          json: { code: 'DeliveryLogsBusy', message: 'every query slot is taken' },
        }),
        'health',
        'acme',
      );

      // Assess
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('DeliveryLogsBusy: every query slot is taken');
    });

    it('redrive with letters that failed, and a test alert not sent: exit 1, with the counts', async () => {
      // Prepare
      const fake = new FakeApi()
        .on('POST', `${W}/dead-letters/redrive`, { json: outcome({ redriven: 1, notRemoved: 0, failed: 1 }) })
        .on('POST', `${W}/alerts/test`, { json: { sent: false, error: 'AuthorizationError: not allowed' } });
      const url = await fake.start();

      try {
        // Act
        const redrive = await runDestinations(['dead-letters', 'redrive', 'acme', LETTER_1, LETTER_2], {
          env: { ...env(), EVENT_DELIVERY_API_URL: url },
        });
        const test = await runDestinations(['alerts', 'test', 'acme'], {
          env: { ...env(), EVENT_DELIVERY_API_URL: url },
        });

        // Assess
        expect(redrive.status).toBe(1);
        expect(redrive.stdout).toContain('redriven 1 of 2 matched in acme; 1 failed');
        expect(test.status).toBe(1);
        expect(test.stdout).toContain('AuthorizationError: not allowed');
      } finally {
        await fake.stop();
      }
    });

    it('400 (a bad value): exit 2, as the other commands', async () => {
      // Act
      const run = await against(
        new FakeApi().on('GET', `${W}/destinations/orders/failures`, {
          status: 400,
          json: { code: 'InvalidRequest', message: 'limit: must be at most 100' },
        }),
        'failures',
        'acme',
        'orders',
        '--limit',
        '500',
      );

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('limit: must be at most 100');
    });
  });

  describe('usage', () => {
    it.each([
      [['health', 'acme', '--window', 'month'], '--window must be hour, day, week'],
      [['failures', 'acme'], 'failures needs WORKSPACE DESTINATION'],
      [['story', 'acme', 'a/b'], 'holds "/"'],
      [['dead-letters', 'redrive', 'acme'], 'needs which letters, one way'],
      [['dead-letters', 'redrive', 'acme', LETTER_1, '--all'], 'needs which letters, one way'],
      [
        ['dead-letters', 'discard', 'acme', '--all', '--code', 'AccessDenied'],
        'needs which letters, one way',
      ],
      [['dead-letters', 'list', 'acme', '--from', 'yesterday'], '--from must be a date'],
      [['dead-letters', 'show', 'acme'], 'dead-letters show needs WORKSPACE LETTER'],
      [['dead-letters', 'resend', 'acme'], 'dead-letters needs list, show, redrive or discard'],
      [['alerts', 'set', 'acme', '--topic-arn', TOPIC], 'alerts set needs --topic-arn ARN --role-arn ARN'],
      [['alerts', 'set', 'acme', '--clear', '--topic-arn', TOPIC], 'alerts set takes --clear alone'],
      [
        ['alerts', 'set', 'acme', '--topic-arn', TOPIC, '--role-arn', ROLE, '--dead-letter-threshold', 'ten'],
        '--dead-letter-threshold must be a whole number',
      ],
      [['alerts', 'mute', 'acme'], 'alerts needs show, set or test'],
    ])('%j: exit 2 before any request', async (argv, message) => {
      // Act
      const run = await destinations(...argv);

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(message);
      expect(api.requests).toEqual([]);
    });

    it.each([
      ['health', 'acme'],
      ['failures', 'acme', 'orders'],
      ['story', 'acme', 'u-1'],
      ['dead-letters', 'list', 'acme'],
      ['alerts', 'show', 'acme'],
    ])('%s without the API (the table): refused as the other API-only commands', async (...argv) => {
      // Act
      const run = await runDestinations(['--table', 'registry', ...argv], {
        env: { XDG_CONFIG_HOME: config },
      });

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(
        `${argv[0]} needs the API: --api-url URL, or EVENT_DELIVERY_API_URL (the table is for the operator's bootstrap)`,
      );
      expect(api.requests).toEqual([]);
    });
  });
});
