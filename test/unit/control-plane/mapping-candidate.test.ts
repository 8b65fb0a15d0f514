import { createHash, createHmac } from 'node:crypto';
import type { Caller } from '../../../lambda/control-plane/access/caller';
import type { Role } from '../../../lambda/control-plane/access/roles';
import type { ApiRequest } from '../../../lambda/control-plane/http/api-request';
import { handleRequest, routeTable, toApiError } from '../../../lambda/control-plane/http/router';
import type { WorkspaceRegistry } from '../../../lambda/control-plane/registry/workspace-registry';
import { ROUTES } from '../../../lambda/control-plane/routes';
import type { ControlPlaneServices } from '../../../lambda/control-plane/services';
import type { DestinationSpec } from '../../../lambda/shared/destination-config';
import { specOf, standardTopicDestination } from '../../support/fixtures';

/*
 * POST /mapping/test with a `candidate`: the mapping being edited, not yet saved, previewed on
 * its one destination. The registry is a fake holding the saved destinations; nothing is written.
 */

const WS = 'ws-acme';
const TEST = '/v1/workspaces/{workspace}/mapping/test';
const HMAC_KEY = Buffer.alloc(32, 7);
const EMAIL = ' Pat@Example.com ';
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (text: string) => createHmac('sha256', HMAC_KEY).update(text).digest('hex');

/** Live: sends the email as is, to visitors who consented to marketing. */
const marketing = {
  ...specOf(standardTopicDestination),
  id: 'marketing',
  requiredConsent: ['marketing'],
  mapping: { mode: 'all', properties: { 'visitor.email': 'keep' } },
} as DestinationSpec;
/** Live: the privacy-safe defaults. */
const analytics = { ...specOf(standardTopicDestination), id: 'analytics' } as DestinationSpec;
/** Drafted, not live yet. */
const drafted = { ...specOf(standardTopicDestination), id: 'drafted' } as DestinationSpec;

const ROLES: Record<string, Role> = { viewer: 'viewer', editor: 'editor' };
const person = (userId: string): Caller => ({ kind: 'user', userId, username: userId, operator: false });

/** An ingest message of this workspace, as a producer sends it. */
const event = (extra: object = {}) => ({
  workspace_id: WS,
  event: { event: 'Order Completed', distinct_id: 'e1' },
  visitor: { visitor_id: 'v1', email: EMAIL },
  consent: ['marketing'],
  ...extra,
});

function fakeServices(live: readonly DestinationSpec[] = [marketing, analytics]) {
  const hmacKey = jest.fn(async (_workspace: string) => HMAC_KEY);
  // Only reads: any write (or other call) through the registry fails the test.
  const registry = new Proxy(
    {
      draft: async () => [marketing, analytics, drafted],
      liveRecord: async () => ({ destinations: live }),
    },
    {
      get: (target, name) => {
        if (name === 'then') return undefined;
        if (name in target) return target[name as keyof typeof target];
        throw new Error(`the preview called registry.${String(name)}`);
      },
    },
  ) as unknown as WorkspaceRegistry;
  const services = {
    members: {
      roleOf: async (workspace: string, userId: string) => (workspace === WS ? ROLES[userId] : undefined),
    },
    registry: () => registry,
    hmacKey,
  } as unknown as ControlPlaneServices;
  return { services, hmacKey };
}

const TABLE = routeTable(ROUTES);

interface Result {
  line: number;
  destination: string;
  outcome: string;
  // biome-ignore lint/suspicious/noExplicitAny: a delivered payload, read as the API answered it
  payload?: any;
  reason?: string;
}

/** Posts a mapping test as `who`: its answer, or the error it would answer with. */
async function test(body: unknown, options: { who?: string; services?: ControlPlaneServices } = {}) {
  const request: ApiRequest = {
    method: 'POST',
    resource: TEST,
    pathParameters: { workspace: WS },
    query: {},
    headers: {},
    body: JSON.stringify(body),
    requestId: 'req-1',
    caller: person(options.who ?? 'editor'),
  };
  try {
    const response = await handleRequest(request, TABLE, options.services ?? fakeServices().services);
    const json = response.json as { results: Result[] };
    return { status: response.status, results: json.results, body: json as Record<string, unknown> };
  } catch (error) {
    const known = toApiError(error);
    return {
      status: known?.status ?? 500,
      results: [] as Result[],
      body: { code: known?.code, message: (error as Error).message } as Record<string, unknown>,
    };
  }
}

describe('POST mapping/test with a candidate mapping', () => {
  it("previews the candidate's rules in place of the saved ones, on that destination alone", async () => {
    // Prepare
    const candidate = { destination: 'marketing', mapping: { properties: { 'visitor.email': 'hash' } } };

    // Act
    const saved = await test({ events: [event()] });
    const edited = await test({ events: [event()], candidate });

    // Assess
    expect(saved.status).toBe(200);
    expect(saved.results.map((r) => [r.destination, r.outcome])).toEqual([
      ['marketing', 'delivered'],
      ['analytics', 'delivered'],
    ]);
    expect(saved.results[0].payload.visitor.email).toBe(EMAIL);
    expect(edited.status).toBe(200);
    expect(edited.results).toEqual([
      {
        line: 1,
        destination: 'marketing',
        outcome: 'delivered',
        payload: expect.objectContaining({
          visitor: { visitor_id: 'v1', email: sha('pat@example.com') },
        }),
      },
    ]);
  });

  it("fetches the workspace's HMAC key for a candidate that uses hmac, and keys the value with it", async () => {
    // Prepare
    const { services, hmacKey } = fakeServices();
    const candidate = { destination: 'marketing', mapping: { properties: { 'visitor.email': 'hmac' } } };

    // Act
    const { status, results } = await test({ events: [event()], candidate }, { services });

    // Assess
    expect(status).toBe(200);
    expect(hmacKey).toHaveBeenCalledWith(WS);
    expect(results.map((r) => r.payload?.visitor.email)).toEqual([hmac('pat@example.com')]);
  });

  it('previews a null candidate mapping as the privacy-safe defaults', async () => {
    // Act
    const { status, results } = await test({
      events: [event()],
      candidate: { destination: 'marketing', mapping: null },
    });

    // Assess
    expect(status).toBe(200);
    expect(results).toHaveLength(1);
    expect(results[0].payload.visitor.email).toBe(sha('pat@example.com'));
  });

  it("keeps the saved required consent when the candidate leaves it out, and applies the candidate's when it gives one", async () => {
    // Prepare
    const withoutConsent = event({ consent: [] });

    // Act
    const kept = await test({
      events: [withoutConsent],
      candidate: { destination: 'marketing', mapping: null },
    });
    const cleared = await test({
      events: [withoutConsent],
      candidate: { destination: 'marketing', mapping: null, requiredConsent: null },
    });
    const required = await test({
      events: [withoutConsent],
      candidate: { destination: 'analytics', mapping: null, requiredConsent: ['analytics'] },
    });

    // Assess
    expect(kept.results.map((r) => [r.destination, r.outcome, r.reason])).toEqual([
      ['marketing', 'blocked by consent', 'requires marketing'],
    ]);
    expect(cleared.results.map((r) => [r.destination, r.outcome])).toEqual([['marketing', 'delivered']]);
    expect(required.results.map((r) => [r.destination, r.outcome, r.reason])).toEqual([
      ['analytics', 'blocked by consent', 'requires analytics'],
    ]);
  });

  it("previews a drafted destination's candidate with draft: true, and knows it only there", async () => {
    // Prepare
    const candidate = { destination: 'drafted', mapping: { properties: { 'visitor.email': 'domain_only' } } };

    // Act
    const fromDraft = await test({ events: [event()], draft: true, candidate });
    const fromLive = await test({ events: [event()], candidate });

    // Assess
    expect(fromDraft.status).toBe(200);
    expect(fromDraft.results.map((r) => [r.destination, r.payload?.visitor.email])).toEqual([
      ['drafted', 'example.com'],
    ]);
    expect(fromLive.status).toBe(404);
    expect(fromLive.body).toMatchObject({ code: 'DestinationNotFound' });
  });

  it('reports an event naming only another destination as not routed to the candidate’s, as the dispatcher would', async () => {
    // Prepare
    const toAnalyticsOnly = event({ destinations: ['analytics'] });

    // Act
    const { status, results } = await test({
      events: [toAnalyticsOnly],
      candidate: { destination: 'marketing', mapping: null },
    });

    // Assess
    expect(status).toBe(200);
    expect(results).toEqual([{ line: 1, destination: 'marketing', outcome: 'not routed' }]);
  });

  it('still reports an invalid event as such, for every destination', async () => {
    // Act
    const { status, results } = await test({
      events: ['not json', event()],
      candidate: { destination: 'marketing', mapping: null },
    });

    // Assess
    expect(status).toBe(200);
    expect(results.map((r) => [r.line, r.destination, r.outcome])).toEqual([
      [1, '*', 'invalid'],
      [2, 'marketing', 'delivered'],
    ]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a rule on the fixed visitor id',
      { properties: { 'visitor.visitor_id': 'hash' } },
      'visitor.visitor_id',
    ],
    ['a path outside the event', { properties: { 'secrets.email': 'keep' } }, 'secrets.email'],
    ['an unknown action', { properties: { 'visitor.email': 'encrypt' } }, 'visitor.email'],
    ['an unknown field', { colour: 'blue' }, 'colour'],
  ])(
    'answers a candidate mapping with %s with 400 InvalidRequest, naming the problem',
    async (_label, mapping, named) => {
      // Act
      const { status, body } = await test({
        events: [event()],
        candidate: { destination: 'marketing', mapping },
      });

      // Assess
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 'InvalidRequest' });
      expect(body.message).toContain('marketing');
      expect(body.message).toContain(named);
    },
  );

  it('answers a candidate with an invalid required consent with 400 InvalidRequest', async () => {
    // Act
    const { status, body } = await test({
      events: [event()],
      candidate: { destination: 'marketing', mapping: null, requiredConsent: ['Not a category!'] },
    });

    // Assess
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'InvalidRequest' });
    expect(body.message).toContain('requiredConsent');
  });

  it('answers a candidate for a destination the workspace does not have with 404 DestinationNotFound', async () => {
    // Act
    const { status, body } = await test({
      events: [event()],
      candidate: { destination: 'nowhere', mapping: null },
    });

    // Assess
    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'DestinationNotFound' });
    expect(body.message).toContain('nowhere');
  });

  it("fetches the HMAC key only for the candidate's mapping, not for another saved destination's", async () => {
    // Prepare
    const keyed = {
      ...analytics,
      mapping: { mode: 'all', properties: { 'visitor.email': 'hmac' } },
    } as DestinationSpec;
    const withCandidate = fakeServices([marketing, keyed]);
    const withoutCandidate = fakeServices([marketing, keyed]);
    const candidate = { destination: 'marketing', mapping: { properties: { 'visitor.email': 'hash' } } };

    // Act
    const previewed = await test({ events: [event()], candidate }, { services: withCandidate.services });
    const all = await test({ events: [event()] }, { services: withoutCandidate.services });

    // Assess
    expect(previewed.status).toBe(200);
    expect(withCandidate.hmacKey).not.toHaveBeenCalled();
    expect(all.status).toBe(200);
    expect(withoutCandidate.hmacKey).toHaveBeenCalledTimes(1);
  });

  it('refuses a viewer a preview: 403', async () => {
    // Act
    const { status, body } = await test(
      { events: [event()], candidate: { destination: 'marketing', mapping: null } },
      { who: 'viewer' },
    );

    // Assess
    expect(status).toBe(403);
    expect(body).toMatchObject({ code: 'Forbidden' });
  });
});
