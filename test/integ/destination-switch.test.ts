import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DISABLED_BY_WORKSPACE } from '../../lambda/control-plane/deliveries/destination-switch';
import { listStatus } from '../../lib/destination-status/status-table';
import { emulatorClient, PLATFORM_ACCOUNT } from '../../local/accounts';
import { eventKey } from '../../local/ledger';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';
import { ApiClient, signIn } from '../support/control-plane-client';

jest.setTimeout(180_000);

const W1 = 'workspace-1';
const DISABLED = DESTINATION_IDS.topic;
const OTHERS = Object.values(DESTINATION_IDS).filter((id) => id !== DISABLED) as string[];
const scope = (id: string) => `${W1}/${id}`;
/**
 * How long the dispatcher serves a destination's status from memory (DynamoDbDisabledDestinations'
 * default `cacheMs`, which no variable changes, locally neither): it reads the status table at the
 * destination's first delivery, so an enable is seen at most this long after that read.
 */
const DISPATCHER_STATUS_CACHE_MS = 60_000;

interface Letter {
  id: string;
  errorCode: string;
  destinationId?: string;
  distinctId?: string;
}

const distinctIdOf = (body: string): string => JSON.parse(body).event.distinct_id;
const keyOf = (id: string, body: string) => {
  const { visitor, event } = JSON.parse(body);
  return eventKey(scope(id), visitor.visitor_id, event.distinct_id);
};

/**
 * A workspace's editor disables one of its live destinations through the API, on a fresh
 * pipeline (the dispatcher has read no destination's status yet). The events sent afterwards are
 * dead-lettered for it with DestinationDisabled, and delivered to every other destination; the
 * change is audited. Enabled again, and its letters redriven once the dispatcher's status cache
 * has expired, the events reach it, each once, and no other destination again.
 */
describe('disabling and enabling a destination through the API, on the local platform', () => {
  let pipeline: LocalPipeline;
  let editor: ApiClient;
  let viewer: ApiClient;
  let dynamodb: DynamoDBClient;
  /** Before the first event was sent: the dispatcher cannot have read the status earlier. */
  let firstSentAt: number;
  const events = generateEvents(16, { random: seededRandom(41), visitors: 4 });
  const path = (action: string, destination: string = DISABLED) =>
    `/v1/workspaces/${W1}/destinations/${destination}/${action}`;

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({
      workspaces: 1,
      registryCacheTtlSeconds: 1,
      controlPlane: { seedAccess: true },
    });
    const { controlPlane, access } = pipeline;
    if (!controlPlane || !access) throw new Error('the control plane did not start');
    const as = async (user: { username: string; password: string }) =>
      new ApiClient(
        controlPlane.apiUrl,
        await signIn(pipeline.messagingEndpoint, controlPlane.userPoolClientId, user),
      );
    editor = await as(access.workspaces[W1].users.editor);
    viewer = await as(access.workspaces[W1].users.viewer);
    dynamodb = emulatorClient(DynamoDBClient, pipeline.messagingEndpoint, PLATFORM_ACCOUNT);
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('lets the editor disable a live destination once (then answers it already was), not the viewer, and no unknown one', async () => {
    // Act
    const refused = await viewer.post(path('disable'));
    const unknown = await editor.post(path('disable', 'customer-nowhere'));
    const disabled = await editor.post(path('disable'));
    const again = await editor.post(path('disable'));

    // Assess
    expect(refused).toMatchObject({ status: 403, body: { code: 'Forbidden' } });
    expect(unknown).toMatchObject({ status: 404, body: { code: 'DestinationNotFound' } });
    expect(disabled).toMatchObject({
      status: 200,
      body: { destination: DISABLED, enabled: false, changed: true },
    });
    expect(again).toMatchObject({
      status: 200,
      body: { destination: DISABLED, enabled: false, changed: false },
    });
    const rows = await listStatus(dynamodb, pipeline.resources.destinationStatusTable);
    expect(rows).toEqual([
      expect.objectContaining({
        destinationId: scope(DISABLED),
        disabledAt: expect.any(String),
        disabledReason: DISABLED_BY_WORKSPACE,
      }),
    ]);
  });

  it('dead-letters the events sent afterwards for that destination alone, with DestinationDisabled; the others get every one', async () => {
    // Prepare
    firstSentAt = Date.now();

    // Act
    await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, events);
    expect(await pipeline.waitUntilDrained(60_000)).toBe(true);

    // Assess
    const queued = (await pipeline.deadLetters()).filter((l) => l.source === 'platform');
    expect(queued.map((l) => [l.destinationId, l.errorCode])).toEqual(
      events.map(() => [DISABLED, 'DestinationDisabled']),
    );
    expect(queued.map((l) => distinctIdOf(l.body)).sort()).toEqual(events.map(distinctIdOf).sort());
    expect(pipeline.ledger.processedIn(scope(DISABLED)).size).toBe(0);
    for (const id of OTHERS)
      expect({ id, processed: pipeline.ledger.processedIn(scope(id)).size }).toEqual({
        id,
        processed: events.length,
      });
    const listed = await editor.get(`/v1/workspaces/${W1}/dead-letters?limit=100`);
    expect(listed.status).toBe(200);
    const letters: Letter[] = listed.body.letters;
    expect(letters).toHaveLength(events.length);
    for (const letter of letters)
      expect(letter).toMatchObject({ errorCode: 'DestinationDisabled', destinationId: DISABLED });
  });

  it('lists destination.disable in the audit log, done by the editor, once', async () => {
    // Prepare
    const me = await editor.get('/v1/me');

    // Act
    const audit = await viewer.get(`/v1/workspaces/${W1}/audit-events?limit=20`);

    // Assess
    expect(audit.status).toBe(200);
    const switches = audit.body.events.filter((e: { action: string }) =>
      ['destination.disable', 'destination.enable'].includes(e.action),
    );
    expect(switches).toEqual([
      expect.objectContaining({
        action: 'destination.disable',
        target: `destination/${DISABLED}`,
        actor: expect.objectContaining({ type: 'user', id: me.body.userId }),
      }),
    ]);
  });

  it("delivers its redriven letters once it is enabled (and the dispatcher's status cache has expired), each once, to it alone", async () => {
    // Prepare
    const deliveredBefore = new Map(OTHERS.map((id) => [id, pipeline.gateway.delivered.get(scope(id)) ?? 0]));
    const enabled = await editor.post(path('enable'));
    expect(enabled).toMatchObject({
      status: 200,
      body: { destination: DISABLED, enabled: true, changed: true },
    });
    expect(await editor.post(path('enable'))).toMatchObject({ status: 200, body: { changed: false } });
    const cacheExpiresIn = firstSentAt + DISPATCHER_STATUS_CACHE_MS + 1_000 - Date.now();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, cacheExpiresIn)));

    // Act
    const redrive = await editor.post(`/v1/workspaces/${W1}/dead-letters/redrive`, {
      filter: { destination: DISABLED },
    });
    expect(await pipeline.waitUntilDrained(30_000)).toBe(true);

    // Assess
    expect(redrive).toMatchObject({
      status: 200,
      body: { matched: events.length, redriven: events.length, failed: 0 },
    });
    const processed = pipeline.ledger.processedIn(scope(DISABLED));
    expect(events.filter((e) => !processed.has(keyOf(DISABLED, e)))).toEqual([]);
    expect(pipeline.ledger.duplicatesSkipped.get(scope(DISABLED)) ?? 0).toBe(0);
    for (const id of OTHERS)
      expect({ id, delivered: pipeline.gateway.delivered.get(scope(id)) ?? 0 }).toEqual({
        id,
        delivered: deliveredBefore.get(id),
      });
    const remaining = await editor.get(`/v1/workspaces/${W1}/dead-letters`);
    expect(remaining.body.letters).toEqual([]);
    const rows = await listStatus(dynamodb, pipeline.resources.destinationStatusTable);
    expect(rows.find((r) => r.destinationId === scope(DISABLED))).toMatchObject({
      disabledAt: null,
      disabledReason: null,
    });
    const audit = await editor.get(`/v1/workspaces/${W1}/audit-events?limit=20`);
    expect(audit.body.events.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['destination.enable', 'destination.disable']),
    );
  });
});
