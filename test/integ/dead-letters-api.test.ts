import { eventKey } from '../../local/ledger';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import type { DeadLetterRecord } from '../../local/report';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';
import { ApiClient, signIn } from '../support/control-plane-client';

jest.setTimeout(180_000);

const FAILING = DESTINATION_IDS.topic;
const W1 = 'workspace-1';
const W2 = 'workspace-2';
/** From the local gateway's start: long enough to outlast the rest of start-up, sending, and the first deliveries. */
const FAULT_SECONDS = 30;

interface Letter {
  id: string;
  errorCode: string;
  destinationId?: string;
  distinctId?: string;
  body?: string;
}

/** Every letter the API lists, page by page. */
async function listAll(api: ApiClient, workspace: string, query = ''): Promise<Letter[]> {
  const letters: Letter[] = [];
  let cursor: string | undefined;
  do {
    const { status, body } = await api.get(
      `/v1/workspaces/${workspace}/dead-letters?limit=10${query}${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(status).toBe(200);
    letters.push(...body.letters);
    cursor = body.nextCursor;
  } while (cursor);
  return letters;
}

const distinctIdOf = (body: string): string => JSON.parse(body).event.distinct_id;
const workspaceOf = (body: string): string => JSON.parse(body).workspace_id;

/**
 * One workspace's destination fails for a while, and what it hits is dead-lettered (one attempt
 * each). Through the API, as that workspace's people: its letters listed as the dead-letter queue
 * holds them, one shown (its body to the editor, not to the viewer), one discarded (audited), the
 * rest redriven once the fault is over, each then processed exactly once at that destination and
 * at no other. The other workspace's admin sees none of it and can touch none of it.
 */
describe("a workspace's own dead letters through the API, on the local platform", () => {
  let pipeline: LocalPipeline;
  let editor: ApiClient;
  let viewer: ApiClient;
  let otherAdmin: ApiClient;
  let queued: DeadLetterRecord[];
  let listed: Letter[];
  let discarded: Letter;
  /** When the fault is over: its window starts as the local gateway does. */
  let faultOverAt: number;
  const events = generateEvents(40, { random: seededRandom(25), visitors: 8, workspaces: [W1, W2] });
  const w1Events = events.filter((body) => workspaceOf(body) === W1);

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({
      workspaces: 2,
      controlPlane: { seedAccess: true },
      maxDeliveryAttempts: 1,
      destinationFaults: [
        { destinationId: `${W1}/${FAILING}`, kind: 'server-error', seconds: FAULT_SECONDS },
      ],
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
    otherAdmin = await as(access.workspaces[W2].users.admin);
    // The fault must still be on when the events reach the destination.
    faultOverAt = (pipeline.destinationFaults?.startedAt ?? 0) + FAULT_SECONDS * 1000;
    expect(faultOverAt - Date.now()).toBeGreaterThan(10_000);
    await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, events);
    // Drained: what the fault hit is dead-lettered, what it deferred delivered once it was over.
    expect(await pipeline.waitUntilDrained(90_000)).toBe(true);
    queued = (await pipeline.deadLetters()).filter((l) => l.source === 'platform');
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it("lists the workspace's letters as the dead-letter queue holds them: same count, same events, their reason", async () => {
    // Prepare
    const expected = queued.filter((l) => workspaceOf(l.body) === W1);

    // Act
    listed = await listAll(editor, W1);

    // Assess
    expect(expected.length).toBeGreaterThan(0);
    expect(queued.filter((l) => workspaceOf(l.body) === W2)).toEqual([]);
    expect(listed).toHaveLength(expected.length);
    expect(listed.map((l) => l.distinctId).sort()).toEqual(expected.map((l) => distinctIdOf(l.body)).sort());
    for (const letter of listed) {
      expect(letter).toMatchObject({ errorCode: 'RetriesExhausted', destinationId: FAILING });
      expect(letter).not.toHaveProperty('body');
    }
    expect(await listAll(viewer, W1, `&destination=${FAILING}&code=RetriesExhausted`)).toHaveLength(
      listed.length,
    );
    expect(await listAll(viewer, W1, '&code=AccessDenied')).toEqual([]);
  });

  it('shows a letter with its body to the editor, without it to the viewer', async () => {
    // Prepare
    const [letter] = listed;
    const original = queued.find(
      (l) => distinctIdOf(l.body) === letter.distinctId && workspaceOf(l.body) === W1,
    );

    // Act
    const asEditor = await editor.get(`/v1/workspaces/${W1}/dead-letters/${letter.id}`);
    const asViewer = await viewer.get(`/v1/workspaces/${W1}/dead-letters/${letter.id}`);

    // Assess
    expect(asEditor.status).toBe(200);
    expect(asEditor.body.body).toBe(original?.body);
    expect(asEditor.headers.get('cache-control')).toBe('no-store');
    expect(asViewer.status).toBe(200);
    expect(asViewer.body).toMatchObject({ id: letter.id, errorCode: 'RetriesExhausted' });
    expect(asViewer.body).not.toHaveProperty('body');
  });

  it("hides them from the other workspace's admin, who can neither read, redrive nor discard them", async () => {
    // Prepare
    const ids = listed.map((l) => l.id);

    // Act
    const ownList = await listAll(otherAdmin, W2);
    const byOwnPath = await otherAdmin.get(`/v1/workspaces/${W2}/dead-letters/${ids[0]}`);
    const byTheirPath = await otherAdmin.get(`/v1/workspaces/${W1}/dead-letters/${ids[0]}`);
    const listTheirs = await otherAdmin.get(`/v1/workspaces/${W1}/dead-letters`);
    const redriveTheirs = await otherAdmin.post(`/v1/workspaces/${W1}/dead-letters/redrive`, { filter: {} });
    const discardTheirs = await otherAdmin.post(`/v1/workspaces/${W1}/dead-letters/discard`, {
      letters: ids,
    });
    const redriveByIds = await otherAdmin.post(`/v1/workspaces/${W2}/dead-letters/redrive`, { letters: ids });
    const discardByIds = await otherAdmin.post(`/v1/workspaces/${W2}/dead-letters/discard`, { letters: ids });

    // Assess
    expect(ownList).toEqual([]);
    expect(byOwnPath).toMatchObject({ status: 404, body: { code: 'DeadLetterNotFound' } });
    for (const answer of [byTheirPath, listTheirs, redriveTheirs, discardTheirs])
      expect(answer).toMatchObject({ status: 404, body: { code: 'WorkspaceNotFound' } });
    expect(redriveByIds.body).toMatchObject({ matched: 0, redriven: 0, notFound: ids });
    expect(discardByIds.body).toMatchObject({ matched: 0, discarded: 0, notFound: ids });
    expect(await listAll(editor, W1)).toHaveLength(listed.length);
  });

  it('refuses the viewer a redrive or a discard', async () => {
    // Act
    const redrive = await viewer.post(`/v1/workspaces/${W1}/dead-letters/redrive`, { filter: {} });
    const discard = await viewer.post(`/v1/workspaces/${W1}/dead-letters/discard`, { filter: {} });

    // Assess
    expect(redrive.status).toBe(403);
    expect(discard.status).toBe(403);
  });

  it('discards a letter, and audits it with its actor', async () => {
    // Prepare
    discarded = listed[listed.length - 1];

    // Act
    const { status, body } = await editor.post(`/v1/workspaces/${W1}/dead-letters/discard`, {
      letters: [discarded.id],
    });

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({ matched: 1, discarded: 1, failed: 0, notFound: [] });
    const gone = await editor.get(`/v1/workspaces/${W1}/dead-letters/${discarded.id}`);
    expect(gone).toMatchObject({ status: 404, body: { code: 'DeadLetterNotFound' } });
    const me = await editor.get('/v1/me');
    const audit = await editor.get(`/v1/workspaces/${W1}/audit-events?limit=10`);
    expect(audit.body.events[0]).toMatchObject({
      action: 'dead-letters.discard',
      target: 'dead-letters',
      actor: { type: 'user', id: me.body.userId },
      after: { selection: { letters: 1 }, matched: 1, discarded: 1 },
    });
  });

  it('redrives the rest once the fault is over: each processed exactly once at that destination, and at no other again', async () => {
    // Prepare
    const scope = (id: string) => `${W1}/${id}`;
    const ids = Object.values(DESTINATION_IDS) as string[];
    const deliveredBefore = new Map(ids.map((id) => [id, pipeline.gateway.delivered.get(scope(id)) ?? 0]));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, faultOverAt - Date.now()) + 500));
    const duplicatesBefore = new Map(
      ids.map((id) => [id, pipeline.ledger.duplicatesSkipped.get(scope(id)) ?? 0]),
    );

    // Act
    const { status, body } = await editor.post(`/v1/workspaces/${W1}/dead-letters/redrive`, {
      filter: { destination: FAILING },
    });
    expect(await pipeline.waitUntilDrained(60_000)).toBe(true);

    // Assess
    expect(status).toBe(200);
    expect(body).toMatchObject({
      matched: listed.length - 1,
      redriven: listed.length - 1,
      failed: 0,
      notRemoved: 0,
      remaining: 0,
      remainingExact: true,
    });
    expect(await listAll(editor, W1)).toEqual([]);
    const processed = pipeline.ledger.processedIn(scope(FAILING));
    const keyOf = (body: string) => {
      const { visitor, event } = JSON.parse(body);
      return eventKey(scope(FAILING), visitor.visitor_id, event.distinct_id);
    };
    const missing = w1Events.filter(
      (e) => distinctIdOf(e) !== discarded.distinctId && !processed.has(keyOf(e)),
    );
    expect(missing).toEqual([]);
    const discardedEvent = w1Events.find((e) => distinctIdOf(e) === discarded.distinctId) ?? '';
    expect(processed.has(keyOf(discardedEvent))).toBe(false);
    // Delivered again to the failed destination alone, each once; no consumer saw one twice.
    for (const id of ids)
      expect({
        id,
        delivered: (pipeline.gateway.delivered.get(scope(id)) ?? 0) - (deliveredBefore.get(id) ?? 0),
        duplicates: pipeline.ledger.duplicatesSkipped.get(scope(id)) ?? 0,
      }).toEqual({
        id,
        delivered: id === FAILING ? listed.length - 1 : 0,
        duplicates: duplicatesBefore.get(id),
      });
    const audit = await editor.get(`/v1/workspaces/${W1}/audit-events?limit=10`);
    expect(audit.body.events[0]).toMatchObject({
      action: 'dead-letters.redrive',
      after: { selection: { filter: { destination: FAILING } }, matched: listed.length - 1 },
    });
  });
});
