import { eventsOfBody, MAX_EVENTS_PER_MESSAGE, toBatchBodies } from '../../lambda/shared/ingest-batch';
import { MAX_VALUES, parseIngestMessage } from '../../lambda/shared/ingest-message';
import { ingestMessage, WORKSPACE_ID } from '../support/fixtures';

/** A batch body of these single messages' events (their own workspace_id left out). */
const batchOf = (events: unknown[], workspaceId = WORKSPACE_ID) =>
  JSON.stringify({ workspace_id: workspaceId, events });
const element = (distinctId: string, visitorId = 'visitor_1') => {
  const { workspace_id: _, ...rest } = ingestMessage({
    event: { distinct_id: distinctId },
    visitor: { visitor_id: visitorId },
  });
  return rest;
};

describe('eventsOfBody', () => {
  it('reads a single ingest message as one event, its body unchanged', () => {
    const body = JSON.stringify(ingestMessage({ event: { distinct_id: 'e1' } }));

    const { batched, events } = eventsOfBody(body);

    expect(batched).toBe(false);
    expect(events).toEqual([{ body, message: parseIngestMessage(body) }]);
  });

  it("splits a batch into ingest messages of the batch's workspace, each as parseIngestMessage reads it", () => {
    const { batched, events } = eventsOfBody(batchOf([element('e1'), element('e2', 'visitor_2')]));

    expect(batched).toBe(true);
    expect(events).toHaveLength(2);
    for (const [index, { body, message }] of events.entries()) {
      // The body is a plain ingest message: what a retry, a dead letter or a redrive carries.
      expect(JSON.parse(body)).toEqual({
        workspace_id: WORKSPACE_ID,
        ...element(`e${index + 1}`, `visitor_${index + 1}`),
      });
      expect(message).toEqual(parseIngestMessage(body));
      expect(message.ok).toBe(true);
    }
  });

  it('gives each invalid element its own reason and leaves its neighbours valid', () => {
    const { events } = eventsOfBody(
      batchOf([
        element('e1'),
        { event: { event: 'x' }, visitor: {} },
        'not an event',
        { ...element('e4'), workspace_id: 'ws-other' },
        element('e5'),
      ]),
    );

    expect(
      events.map(({ message }) => (message.ok ? 'ok' : `${message.errorCode}: ${message.reason}`)),
    ).toEqual([
      'ok',
      'InvalidEvent: visitor.visitor_id: Invalid input: expected string, received undefined',
      'InvalidEvent: events[2]: must be an object (an event, its visitor and user)',
      'InvalidEvent: events[3]: workspace_id belongs to the batch, not to its events',
      'ok',
    ]);
    // A refused element is dead-lettered as it came, in a batch of its own: a redrive refuses it
    // again, never routes it to the workspace it names.
    expect(JSON.parse(events[3].body)).toEqual({
      workspace_id: WORKSPACE_ID,
      events: [{ ...element('e4'), workspace_id: 'ws-other' }],
    });
    expect(eventsOfBody(events[3].body).events[0].message).toMatchObject({ ok: false });
  });

  it('refuses a batch whose envelope is wrong as one invalid event, the body as it came', () => {
    const cases: [string, string][] = [
      [batchOf([element('e1')], 'Not A Workspace'), "workspace_id: a batch's workspace_id is required"],
      [JSON.stringify({ events: [element('e1')] }), "workspace_id: a batch's workspace_id is required"],
      [batchOf([]), 'events: must be a non-empty array of events'],
      [JSON.stringify({ workspace_id: WORKSPACE_ID, events: {} }), 'events: must be a non-empty array'],
      [
        JSON.stringify({ workspace_id: WORKSPACE_ID, events: [element('e1')], extra: 1 }),
        'batch: only workspace_id',
      ],
      [
        batchOf(Array.from({ length: MAX_EVENTS_PER_MESSAGE + 1 }, (_, i) => element(`e${i}`))),
        `events: at most ${MAX_EVENTS_PER_MESSAGE} events`,
      ],
    ];

    for (const [body, reason] of cases) {
      const { batched, events } = eventsOfBody(body);
      expect(batched).toBe(false);
      expect(events).toHaveLength(1);
      expect(events[0].body).toBe(body);
      expect(events[0].message).toMatchObject({ ok: false, errorCode: 'InvalidEvent' });
      expect((events[0].message as { reason: string }).reason).toContain(reason);
    }
  });

  it('bounds the values of a whole batch, not of each event: the events past the bound are refused', () => {
    const wide = (id: string) => ({
      ...element(id),
      event: { event: 'x', distinct_id: id, event_properties: { list: new Array(MAX_VALUES / 4).fill(0) } },
    });

    const { events } = eventsOfBody(batchOf([wide('e1'), wide('e2'), wide('e3'), wide('e4'), wide('e5')]));

    expect(events.slice(0, 3).every(({ message }) => message.ok)).toBe(true);
    expect(events.at(-1)?.message).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`more than ${MAX_VALUES} values`),
    });
  });

  it('is no way around the rules of a single message: a prototype key in an element is refused', () => {
    const body = `{"workspace_id":"${WORKSPACE_ID}","events":[{"event":{"event":"x"},"visitor":{"visitor_id":"v","__proto__":{"admin":true}}}]}`;

    const [{ message }] = eventsOfBody(body).events;

    expect(message).toMatchObject({ ok: false, reason: 'visitor: key "__proto__" is not allowed' });
  });

  it('keeps invalid JSON and oversize bodies as parseIngestMessage reads them', () => {
    expect(eventsOfBody('not json').events[0].message).toEqual(parseIngestMessage('not json'));
  });
});

describe('toBatchBodies', () => {
  it('packs events by workspace, in order, at most perMessage and maxBytes each', () => {
    const messages = [
      ingestMessage({ event: { distinct_id: 'a1' } }),
      ingestMessage({ event: { distinct_id: 'b1' }, workspaceId: 'ws-other' }),
      ingestMessage({ event: { distinct_id: 'a2' } }),
      ingestMessage({ event: { distinct_id: 'a3' } }),
    ];

    const bodies = toBatchBodies(messages, 2, 1_000_000);

    const split = bodies.map((body) =>
      eventsOfBody(body).events.map(({ message }) => (message.ok ? message.payload.event.distinct_id : '?')),
    );
    // Order holds within a workspace; workspaces' bodies may interleave.
    expect(split).toHaveLength(3);
    expect(split).toEqual(expect.arrayContaining([['a1', 'a2'], ['a3'], ['b1']]));
    expect(split.findIndex((ids) => ids[0] === 'a1')).toBeLessThan(split.findIndex((ids) => ids[0] === 'a3'));
    // Room for one event a message, not two: the byte limit splits where the count would not.
    const maxBytes = Buffer.byteLength(JSON.stringify(messages[0])) + 60;
    const bySize = toBatchBodies([messages[0], messages[2], messages[3]], 100, maxBytes);
    expect(bySize).toHaveLength(3);
    for (const body of bySize) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxBytes);
  });
});
