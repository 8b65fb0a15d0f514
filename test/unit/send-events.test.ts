import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { eventsOfBody, MAX_EVENTS_PER_MESSAGE } from '../../lambda/shared/ingest-batch';
import { isWorkspaceGroup } from '../../lambda/shared/ingest-message';
import { MAX_INGEST_BODY_BYTES, SQS_MAX_MESSAGE_BYTES } from '../../lambda/shared/queue-limits';
import {
  batchBodies,
  batchMessageGroupId,
  eventCountOf,
  eventIdsOf,
  MAX_BATCH_BODY_BYTES,
  messageGroupOf,
  SQS_BATCH_LIMITS,
  sendBodies,
} from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';

const STANDARD = 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest';
const FIFO = 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest.fifo';
const sqs = mockClient(SQSClient);

const single = (
  workspace: string,
  distinctId: string,
  visitorId = 'v1',
  extra: Record<string, unknown> = {},
) =>
  JSON.stringify({
    workspace_id: workspace,
    event: { event: 'Page Viewed', distinct_id: distinctId },
    visitor: { visitor_id: visitorId },
    ...extra,
  });

/** Every entry SendMessageBatch was called with, call by call. */
const sentCalls = (): SendMessageBatchRequestEntry[][] =>
  sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);

beforeEach(() => {
  sqs.reset();
  sqs
    .on(SendMessageBatchCommand)
    .callsFake(({ Entries = [] }: { Entries?: SendMessageBatchRequestEntry[] }) => ({
      Successful: Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}`, MD5OfMessageBody: '' })),
      Failed: [],
    }));
});

describe('batchBodies', () => {
  it('packs single messages up to N events per batched message, one workspace each, order kept within a workspace', () => {
    // Prepare: 7 events round-robin over two workspaces.
    const bodies = generateEvents(7, { random: seededRandom(3), workspaces: ['ws-a', 'ws-b'] });

    // Act
    const batched = batchBodies(bodies, 2);

    // Assess: every event once, as the dispatcher will split it; no batch mixes workspaces.
    const split = batched.map((body) => eventsOfBody(body));
    expect(split.every((s) => s.batched)).toBe(true);
    expect(split.map((s) => s.events.length).sort()).toEqual([1, 2, 2, 2]);
    const workspacesOf = (s: (typeof split)[number]) =>
      new Set(s.events.map(({ message }) => (message.ok ? message.workspaceId : 'invalid')));
    expect(split.map((s) => workspacesOf(s).size)).toEqual([1, 1, 1, 1]);
    const inOrder = (workspace: string) =>
      bodies
        .filter((b) => JSON.parse(b).workspace_id === workspace)
        .map((b) => JSON.parse(b).event.distinct_id);
    const unpacked = (workspace: string) =>
      split
        .flatMap((s) => s.events)
        .flatMap(({ message }) =>
          message.ok && message.workspaceId === workspace ? [message.payload.event.distinct_id] : [],
        );
    expect(unpacked('ws-a')).toEqual(inOrder('ws-a'));
    expect(unpacked('ws-b')).toEqual(inOrder('ws-b'));
  });

  it('gives each event of a batch the body the dispatcher would have got as a single message', () => {
    const bodies = [single('ws-a', 'e1'), single('ws-a', 'e2', 'v2', { consent: ['analytics'] })];

    const [batch] = batchBodies(bodies, 10);

    expect(eventsOfBody(batch).events.map((e) => JSON.parse(e.body))).toEqual(
      bodies.map((b) => JSON.parse(b)),
    );
  });

  it('leaves the bodies unchanged at one event per message', () => {
    const bodies = [single('ws-a', 'e1'), 'not json', single('ws-b', 'e2')];

    expect(batchBodies(bodies, 1)).toEqual(bodies);
  });

  it('passes batches, and bodies that cannot share one, through as they are, where they were', () => {
    // Prepare
    const batch = JSON.stringify({
      workspace_id: 'ws-a',
      events: [{ event: { event: 'x' }, visitor: { visitor_id: 'v' } }],
    });
    const badWorkspace = single('Not A Workspace', 'e9');
    const bodies = [single('ws-a', 'e1'), batch, 'not json', '[1,2]', badWorkspace, single('ws-a', 'e2')];

    // Act
    const result = batchBodies(bodies, 10);

    // Assess: a run of singles is packed up to the next body that cannot join it.
    expect(result).toHaveLength(6);
    expect(result.slice(1, 5)).toEqual([batch, 'not json', '[1,2]', badWorkspace]);
    expect(eventsOfBody(result[0]).events.map((e) => JSON.parse(e.body).event.distinct_id)).toEqual(['e1']);
    expect(eventsOfBody(result[5]).events.map((e) => JSON.parse(e.body).event.distinct_id)).toEqual(['e2']);
  });

  it('keeps an invalid single message of a valid workspace as an element: dead-lettered alone, not with its batch', () => {
    const bodies = [single('ws-a', 'e1'), single('ws-a', 'e2', 'v1', { extra: true }), single('ws-a', 'e3')];

    const [batch] = batchBodies(bodies, 10);

    const ok = eventsOfBody(batch).events.map((e) => e.message.ok);
    expect(ok).toEqual([true, false, true]);
  });

  it('keeps every batch within the dispatcher limit, at most the ingest queue limit', () => {
    // Prepare: events of about 200 KB each, so five do not fit one message.
    const big = Array.from({ length: 12 }, (_, i) =>
      single('ws-a', `e${i}`, 'v1', { user: { note: 'x'.repeat(200_000) } }),
    );

    // Act
    const batched = batchBodies(big, MAX_EVENTS_PER_MESSAGE);

    // Assess
    expect(MAX_BATCH_BODY_BYTES).toBe(MAX_INGEST_BODY_BYTES);
    expect(batched.length).toBeGreaterThan(2);
    for (const body of batched) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_INGEST_BODY_BYTES);
    expect(batched.reduce((n, body) => n + eventCountOf(body), 0)).toBe(12);
  });
});

describe('sendBodies', () => {
  it('fills SendMessageBatch calls up to 10 messages and 1 MiB', async () => {
    // Prepare: 4 messages of about 300 KB: three fit 1 MiB, the fourth goes in a second call.
    const bodies = Array.from({ length: 4 }, (_, i) =>
      single('ws-a', `e${i}`, 'v1', { user: { note: 'x'.repeat(300_000) } }),
    );
    const small = Array.from({ length: 12 }, (_, i) => single('ws-a', `s${i}`));

    // Act
    const large = await sendBodies(new SQSClient({}), STANDARD, bodies);
    const calls = sentCalls().map((entries) => entries.length);
    sqs.resetHistory();
    await sendBodies(new SQSClient({}), STANDARD, small);

    // Assess
    expect(SQS_BATCH_LIMITS).toEqual({ maxCount: 10, maxBytes: SQS_MAX_MESSAGE_BYTES });
    expect(large.sent).toBe(4);
    expect(calls).toEqual([3, 1]);
    expect(sentCalls().map((entries) => entries.length)).toEqual([10, 2]);
  });

  it('groups a batched message by its workspace on a FIFO queue, a single message by workspace and visitor', async () => {
    // Prepare
    const [batch] = batchBodies([single('ws-a', 'e1', 'v1'), single('ws-a', 'e2', 'v2')], 10);
    const bodies = [batch, single('ws-b', 'e3', 'v3')];

    // Act
    await sendBodies(new SQSClient({}), FIFO, bodies);

    // Assess
    const [entries] = sentCalls();
    expect(entries.map((e) => e.MessageGroupId)).toEqual(['ws-a:batched', 'ws-b:v3']);
    expect(entries.map((e) => e.MessageBody)).toEqual(bodies);
    expect(entries.every((e) => typeof e.MessageDeduplicationId === 'string')).toBe(true);
    expect(isWorkspaceGroup('ws-a', batchMessageGroupId('ws-a'))).toBe(true);
  });

  it('sends no group on a standard queue', async () => {
    await sendBodies(new SQSClient({}), STANDARD, batchBodies([single('ws-a', 'e1')], 10));

    expect(sentCalls()[0][0]).not.toHaveProperty('MessageGroupId');
  });
});

describe('messageGroupOf', () => {
  it('names the workspace of every batched message, even one the dispatcher will refuse', () => {
    expect(messageGroupOf('{"workspace_id":"ws-a","events":[]}')).toBe('ws-a:batched');
    expect(messageGroupOf('{"events":[{}]}')).toBe('no-workspace:batched');
    expect(messageGroupOf('null')).toBe('no-workspace:no-visitor');
    expect(messageGroupOf('not json')).toBe('no-workspace:no-visitor');
  });
});

describe('eventIdsOf', () => {
  it("expands a batched message into each valid event's ids, once each, leaving invalid ones out", () => {
    // Prepare
    const batch = JSON.stringify({
      workspace_id: 'ws-a',
      events: [
        { event: { event: 'x', distinct_id: 'e1' }, visitor: { visitor_id: 'v1' } },
        { event: { event: 'x', distinct_id: 'e2' }, visitor: { visitor_id: 'v2' }, workspace_id: 'ws-b' },
        { event: { event: 'x' }, visitor: { visitor_id: 'v3' } },
      ],
    });

    // Act
    const ids = eventIdsOf([
      batch,
      single('ws-a', 'e1'),
      'not json',
      '{"workspace_id":"ws-a","events":"no"}',
    ]);

    // Assess: the element naming another workspace is invalid; the third gets a derived id.
    expect(ids).toHaveLength(2);
    expect(ids[0]).toEqual({ workspaceId: 'ws-a', distinctId: 'e1', visitorId: 'v1' });
    expect(ids[1]).toMatchObject({
      workspaceId: 'ws-a',
      visitorId: 'v3',
      distinctId: expect.stringMatching(/^derived_/),
    });
  });

  it('counts the events a body carries', () => {
    expect(eventCountOf(single('ws-a', 'e1'))).toBe(1);
    expect(eventCountOf(batchBodies([single('ws-a', 'e1'), single('ws-a', 'e2')], 5)[0])).toBe(2);
    expect(eventCountOf('{"workspace_id":"ws-a","events":[]}')).toBe(1);
  });
});
