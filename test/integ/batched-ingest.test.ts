import { eventsOfBody } from '../../lambda/shared/ingest-batch';
import { eventKey } from '../../local/ledger';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import { batchBodies, sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';

const DRAIN_TIMEOUT_MS = 90_000;
jest.setTimeout(120_000);
const WORKSPACES = ['workspace-1', 'workspace-2'];
const SCOPES = WORKSPACES.flatMap((w) => Object.values(DESTINATION_IDS).map((d) => `${w}/${d}`));

/** A batched message's events, valid ones only, as `[scope-less ids]` per workspace. */
function validEvents(bodies: readonly string[]) {
  return bodies.flatMap((body) =>
    eventsOfBody(body).events.flatMap(({ message }) =>
      message.ok
        ? [
            {
              workspaceId: message.workspaceId,
              visitorId: message.payload.visitor.visitor_id,
              distinctId: message.payload.event.distinct_id,
            },
          ]
        : [],
    ),
  );
}

describe('local pipeline, batched ingest messages', () => {
  let pipeline: LocalPipeline;
  // 24 events per workspace, the same ids in both, 8 to a message.
  const events = generateEvents(48, { random: seededRandom(11), visitors: 6, workspaces: WORKSPACES });
  const batches = batchBodies(events, 8);
  /** workspace-1's events around an element without a visitor id (with an email, which no reason may echo). */
  const invalidElement = {
    event: { event: 'Signed Up', distinct_id: 'evt_bad' },
    visitor: { email: 'someone@example.com' },
  };
  const foreignElement = {
    workspace_id: 'workspace-2',
    event: { event: 'Signed Up', distinct_id: 'evt_foreign' },
    visitor: { visitor_id: 'v-foreign' },
  };
  const neighbours = generateEvents(4, {
    random: seededRandom(12),
    visitors: 2,
    workspaces: ['workspace-1'],
  }).map((body) => {
    const { workspace_id: _, ...element } = JSON.parse(body);
    return element;
  });
  const mixed = JSON.stringify({
    workspace_id: 'workspace-1',
    events: [neighbours[0], invalidElement, neighbours[1], foreignElement, neighbours[2], neighbours[3]],
  });
  const emptyEnvelope = JSON.stringify({ workspace_id: 'workspace-1', events: [] });
  const extraKeyEnvelope = JSON.stringify({
    workspace_id: 'workspace-1',
    events: [neighbours[0]],
    source: 'x',
  });
  const unknownWorkspace = JSON.stringify({ workspace_id: 'workspace-9', events: neighbours.slice(0, 2) });

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({ workspaces: 2 });
    const sent = await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, [
      ...batches,
      mixed,
      emptyEnvelope,
      extraKeyEnvelope,
      unknownWorkspace,
    ]);
    expect(sent.rejected).toEqual([]);
    expect(await pipeline.waitUntilDrained(DRAIN_TIMEOUT_MS)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it("delivers every event of every batch to each of its workspace's destinations, once, in its own workspace", () => {
    const expected = validEvents([...batches, mixed]);

    for (const scope of SCOPES) {
      const workspaceId = scope.split('/')[0];
      const own = expected.filter((e) => e.workspaceId === workspaceId);
      const processed = pipeline.ledger.processedIn(scope);
      expect({
        scope,
        missing: own.filter((e) => !processed.has(eventKey(scope, e.visitorId, e.distinctId))),
      }).toEqual({ scope, missing: [] });
      expect(processed.size).toBe(own.length);
      const processings = [...(pipeline.ledger.orderByVisitor.get(scope)?.values() ?? [])].flat();
      expect(processings).toHaveLength(new Set(processings).size);
    }
  });

  it('dead-letters an invalid element alone, with its own body and reason, while its neighbours are delivered', async () => {
    // Prepare
    const [, bad, , foreign] = eventsOfBody(mixed).events;

    // Act
    const letters = await pipeline.deadLetters();

    // Assess
    const badLetters = letters.filter((l) => l.body === bad.body);
    expect(badLetters.map((l) => [l.errorCode, l.destinationId])).toEqual([['InvalidEvent', undefined]]);
    expect(badLetters[0].errorMessage).toContain('visitor.visitor_id');
    expect(badLetters[0].errorMessage).not.toContain('someone@example.com');
    const foreignLetters = letters.filter((l) => l.body === foreign.body);
    expect(foreignLetters.map((l) => l.errorCode)).toEqual(['InvalidEvent']);
    expect(foreignLetters[0].errorMessage).toContain('workspace_id belongs to the batch');
    // Never the whole message: its valid events were delivered.
    expect(letters.filter((l) => l.body === mixed)).toEqual([]);
    for (const neighbour of neighbours) {
      const scope = `workspace-1/${DESTINATION_IDS.topic}`;
      const key = eventKey(scope, neighbour.visitor.visitor_id, neighbour.event.distinct_id);
      expect(pipeline.ledger.processedIn(scope).has(key)).toBe(true);
    }
    // workspace-2 never saw the element that named it.
    const foreignScope = `workspace-2/${DESTINATION_IDS.topic}`;
    expect(
      pipeline.ledger.processedIn(foreignScope).has(eventKey(foreignScope, 'v-foreign', 'evt_foreign')),
    ).toBe(false);
  });

  it('dead-letters an invalid envelope once, whole, with its reason', async () => {
    const letters = await pipeline.deadLetters();

    const empty = letters.filter((l) => l.body === emptyEnvelope);
    const extraKey = letters.filter((l) => l.body === extraKeyEnvelope);
    expect(empty.map((l) => l.errorCode)).toEqual(['InvalidEvent']);
    expect(empty[0].errorMessage).toContain('events: must be a non-empty array');
    expect(extraKey.map((l) => l.errorCode)).toEqual(['InvalidEvent']);
    expect(extraKey[0].errorMessage).toContain('only workspace_id and events');
  });

  it('dead-letters each event of a batch naming a workspace that does not exist, each with its own body', async () => {
    const letters = await pipeline.deadLetters();
    const bodies = eventsOfBody(unknownWorkspace).events.map((e) => e.body);

    const found = letters.filter((l) => bodies.includes(l.body));
    expect(found.map((l) => l.errorCode)).toEqual(['WorkspaceNotFound', 'WorkspaceNotFound']);
    expect(new Set(found.map((l) => l.body))).toEqual(new Set(bodies));
  });
});

describe('local pipeline, batched ingest messages on a FIFO ingest queue', () => {
  let pipeline: LocalPipeline;
  // 4 visitors, their events spread over five messages of 8.
  const events = generateEvents(40, { random: seededRandom(13), visitors: 4 });

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({ fifoIngestQueue: true });
    const sent = await sendBodies(
      pipeline.producer,
      pipeline.resources.ingestQueue.url,
      batchBodies(events, 8),
    );
    expect(sent.rejected).toEqual([]);
    expect(await pipeline.waitUntilDrained(DRAIN_TIMEOUT_MS)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it("keeps each visitor's events in send order at the FIFO topic's, FIFO queue's and stream's consumers, within and across batches", () => {
    const sentOrder = new Map<string, string[]>();
    for (const body of events) {
      const { event, visitor } = JSON.parse(body);
      sentOrder.set(visitor.visitor_id, [...(sentOrder.get(visitor.visitor_id) ?? []), event.distinct_id]);
    }

    for (const destination of [
      DESTINATION_IDS.fifoTopic,
      DESTINATION_IDS.fifoQueue,
      DESTINATION_IDS.stream,
    ]) {
      const received = pipeline.ledger.orderByVisitor.get(`workspace-1/${destination}`);
      expect({ destination, visitors: received?.size }).toEqual({ destination, visitors: sentOrder.size });
      for (const [visitor, order] of sentOrder) expect(received?.get(visitor)).toEqual(order);
    }
  });

  it('groups every batched message by its workspace', () => {
    expect(pipeline.unscopedGroups).toBe(0);
  });
});
