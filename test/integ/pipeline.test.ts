import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { compileMapping } from '../../lambda/shared/data-mapping';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { readDeadLetterQueue } from '../../lib/dead-letters/read-queue';
import { redrive } from '../../lib/dead-letters/redrive';
import { readLogFile } from '../../lib/trace/log-sources';
import { renderTrace, traceEvent } from '../../lib/trace/timeline';
import { eventKey, payloadDigest } from '../../local/ledger';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS, type LocalWorkspace } from '../../local/provision';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom, withDuplicates } from '../../local/test-events';
import { BAD_INPUT_CASES, CORPUS_PERSONAL_DATA } from '../support/bad-input-corpus';

const DRAIN_TIMEOUT_MS = 90_000;
const DISPATCHER_LOG = path.join(mkdtempSync(path.join(tmpdir(), 'event-delivery-')), 'dispatcher.log');
// Each test may wait for the pipeline to drain.
jest.setTimeout(120_000);
/** A workspace-2 destination pointing at workspace-1's topic and delivery role. */
const WRONG_ID = 'not-my-account';
const WORKSPACES = ['workspace-1', 'workspace-2'];
const SCOPES = WORKSPACES.flatMap((w) => Object.values(DESTINATION_IDS).map((d) => `${w}/${d}`));

/** The corpus names workspace `ws-acme`; locally the workspace is `workspace-1`. */
const localCorpusBody = (body: string) =>
  body.replace('"workspace_id": "ws-acme"', '"workspace_id": "workspace-1"');

/** Every processing of an event by a consumer scope, in order: a repeat would be a duplicate processed twice. */
const processingsIn = (pipeline: LocalPipeline, scope: string) =>
  [...(pipeline.ledger.orderByVisitor.get(scope)?.values() ?? [])].flat();

describe('local pipeline, standard ingest queue', () => {
  let pipeline: LocalPipeline;
  const random = seededRandom(42);
  // 20 events per workspace, with the same visitor and event ids in both.
  const events = generateEvents(40, { random, visitors: 8, workspaces: WORKSPACES });
  const perWorkspace = events.length / WORKSPACES.length;
  const invalid = [
    '{"workspace_id": "workspace-1", "event": {"event": "Signed Up"}, "visitor": {"email": "someone@example.com"}}',
    'not json',
    JSON.stringify({
      workspace_id: 'workspace-2',
      event: { event: 'Page Viewed', distinct_id: 'evt_x' },
      visitor: { visitor_id: 'v' },
      extra: true,
    }),
  ];

  beforeAll(async () => {
    let first: LocalWorkspace | undefined;
    pipeline = await LocalPipeline.start({
      workspaces: 2,
      dispatcherLogFile: DISPATCHER_LOG,
      // Workspace 2 points a destination at workspace 1's topic and delivery role: the role's trust
      // policy wants workspace 1's external id, and the dispatcher sends workspace 2's.
      configure: (workspace, provisioned) => {
        if (!first) {
          first = workspace;
          return provisioned;
        }
        const topic = first.destinations.find((d) => d.id === DESTINATION_IDS.topic);
        return [
          ...provisioned,
          {
            id: WRONG_ID,
            type: 'sns',
            topicArn: topic?.type === 'sns' ? topic.topicArn : '',
            roleArn: first.deliveryRoleArn,
            events: ['*'],
          },
        ];
      },
    });
    // One batch mixing invalid and valid messages, then the rest with 25% duplicates.
    const mixed = [...invalid, ...events.slice(0, 7)];
    await pipeline.producer.send(
      new SendMessageBatchCommand({
        QueueUrl: pipeline.resources.ingestQueue.url,
        Entries: mixed.map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    await sendBodies(
      pipeline.producer,
      pipeline.resources.ingestQueue.url,
      withDuplicates(events.slice(7), 0.25, random),
    );
    const corpus = BAD_INPUT_CASES.map((c) => localCorpusBody(c.body));
    const sent = await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, corpus);
    expect(sent.rejected).toEqual([]);
    expect(await pipeline.waitUntilDrained(DRAIN_TIMEOUT_MS)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it("delivers every valid event to each of its workspace's destinations (a function, two topics, a stream, a bus, two queues), through the real consumer", () => {
    for (const scope of SCOPES) {
      expect(pipeline.ledger.processedIn(scope).size).toBe(perWorkspace);
    }
    expect(pipeline.gateway.counts.invocations).toBeGreaterThanOrEqual(events.length);
  });

  it("never lets one workspace's event stand in for another's, though their ids are the same", () => {
    const sent = new Map(WORKSPACES.map((w) => [w, new Set<string>()]));
    // What each consumer should see: the event as the default mapping shapes it (personal data hashed).
    const defaults = compileMapping(undefined);
    for (const body of events) {
      const parsed = parseIngestMessage(body);
      if (parsed.ok) sent.get(parsed.workspaceId)?.add(payloadDigest(defaults.apply(parsed.payload)));
    }
    for (const scope of SCOPES) {
      const own = sent.get(scope.split('/')[0]) as Set<string>;
      const processed = [...(pipeline.ledger.digests.get(scope)?.values() ?? [])];
      expect(processed).toHaveLength(perWorkspace);
      expect(processed.filter((digest) => !own.has(digest))).toEqual([]);
    }
    // The same visitor and event ids in both workspaces' scopes: ids repeat, content does not.
    const ids = (scope: string) =>
      [
        ...new Set(
          [...(pipeline.ledger.orderByVisitor.get(scope) ?? [])].flatMap(([visitor, distinctIds]) =>
            distinctIds.map((id) => JSON.stringify([visitor, id])),
          ),
        ),
      ].sort();
    expect(ids('workspace-1/customer-fifo')).toHaveLength(perWorkspace);
    expect(ids('workspace-1/customer-fifo')).toEqual(ids('workspace-2/customer-fifo'));
  });

  it('processes duplicates once in each consumer scope', () => {
    for (const scope of SCOPES) {
      const processings = processingsIn(pipeline, scope);
      expect(processings).toHaveLength(new Set(processings).size);
    }
    // The Lambda destination has no deduplication of its own: the consumer skipped the repeats.
    const skipped = WORKSPACES.map(
      (w) => pipeline.ledger.duplicatesSkipped.get(`${w}/${DESTINATION_IDS.function}`) ?? 0,
    );
    expect(skipped[0] + skipped[1]).toBeGreaterThanOrEqual(8);
  });

  it('dead-letters invalid messages with their reason while the rest of their batch is delivered', async () => {
    const letters = await pipeline.deadLetters();
    const invalidLetters = letters.filter((l) => invalid.includes(l.body));

    expect(invalidLetters.map((l) => l.errorCode).sort()).toEqual([
      'InvalidEvent',
      'InvalidEvent',
      'InvalidJson',
    ]);
    expect(invalidLetters.find((l) => l.body === invalid[0])?.errorMessage).toContain('visitor.visitor_id');
    expect(invalidLetters.find((l) => l.body === invalid[2])?.errorMessage).toContain('Unrecognized key');
    expect(JSON.stringify(invalidLetters.map((l) => l.errorMessage))).not.toContain('someone@example.com');
    for (const body of events.slice(0, 7)) {
      const { workspace_id, event, visitor } = JSON.parse(body);
      const scope = `${workspace_id}/${DESTINATION_IDS.topic}`;
      expect(
        pipeline.ledger.processedIn(scope).has(eventKey(scope, visitor.visitor_id, event.distinct_id)),
      ).toBe(true);
    }
  });

  it('dead-letters every case of the bad-input corpus after one attempt, with its code', async () => {
    const letters = await pipeline.deadLetters();

    for (const c of BAD_INPUT_CASES) {
      const matching = letters.filter((l) => l.body === localCorpusBody(c.body));
      expect({ name: c.name, codes: matching.map((l) => l.errorCode) }).toEqual({
        name: c.name,
        codes: [c.errorCode],
      });
    }
    const messages = JSON.stringify(letters.map((l) => l.errorMessage));
    for (const personal of CORPUS_PERSONAL_DATA) expect(messages).not.toContain(personal);
  });

  it("dead-letters with AccessDenied what a workspace sends to another workspace's delivery role, and delivers none of it", async () => {
    const letters = (await pipeline.deadLetters()).filter((l) => l.destinationId === WRONG_ID);

    expect(pipeline.gateway.counts.assumeRoleDenied).toBeGreaterThanOrEqual(1);
    expect(new Set(letters.map((l) => l.errorCode))).toEqual(new Set(['AccessDenied']));
    expect(new Set(letters.map((l) => JSON.parse(l.body).workspace_id))).toEqual(new Set(['workspace-2']));
    expect(new Set(letters.map((l) => JSON.parse(l.body).event.distinct_id)).size).toBe(perWorkspace);
    // Workspace 1's topic consumer saw only workspace 1's events (checked by content above).
    expect(pipeline.ledger.processedIn(`workspace-1/${DESTINATION_IDS.topic}`).size).toBe(perWorkspace);
  });
  it('redrives only the selected dead letters, to their destination alone, keeping their distinct_id', async () => {
    // Prepare
    const before = await pipeline.deadLetters();
    const accessDenied = before.filter((l) => l.destinationId === WRONG_ID).length;
    const skippedBefore = new Map(pipeline.ledger.duplicatesSkipped);

    // Act: a dry run, then the real redrive of that destination's letters.
    const dryRun = await redrive(pipeline.producer, {
      deadLetterQueueUrl: pipeline.resources.deadLetterQueue.url,
      ingestQueueUrl: pipeline.resources.ingestQueue.url,
      destinationId: WRONG_ID,
      dryRun: true,
    });
    const moved = await redrive(pipeline.producer, {
      deadLetterQueueUrl: pipeline.resources.deadLetterQueue.url,
      ingestQueueUrl: pipeline.resources.ingestQueue.url,
      destinationId: WRONG_ID,
      errorCode: 'AccessDenied',
    });
    expect(await pipeline.waitUntilDrained(DRAIN_TIMEOUT_MS)).toBe(true);

    // Assess: the role still refuses the wrong external id, so they come back, with the same
    // distinct_ids; no other destination saw them again; the other dead letters were not touched.
    expect(dryRun).toMatchObject({ selected: accessDenied, moved: 0 });
    expect(moved).toMatchObject({ selected: accessDenied, moved: accessDenied, failed: 0 });
    const after = await pipeline.deadLetters();
    expect(after).toHaveLength(before.length);
    const ids = (letters: typeof before) =>
      letters
        .filter((l) => l.destinationId === WRONG_ID)
        .map((l) => JSON.parse(l.body).event.distinct_id)
        .sort();
    expect(ids(after)).toEqual(ids(before));
    expect(new Map(pipeline.ledger.duplicatesSkipped)).toEqual(skippedBefore);
  });

  it('traces a redriven event from the dispatcher log and the dead-letter queue, per workspace, ids and codes only', async () => {
    // Prepare: an event of workspace 2 dead-lettered for the wrong destination, then redriven (above).
    // An event sent once: a producer's duplicate (10% are sent twice) has two stories, both true.
    const letters = (await pipeline.deadLetters()).filter((l) => l.destinationId === WRONG_ID);
    const letterIds: string[] = letters.map((l) => JSON.parse(l.body).event.distinct_id);
    const distinctId = letterIds.find((id) => letterIds.indexOf(id) === letterIds.lastIndexOf(id)) as string;
    const queued = await readDeadLetterQueue(pipeline.producer, pipeline.resources.deadLetterQueue.url, 5);

    // Act
    const lines = readLogFile(DISPATCHER_LOG, 0);
    const both = traceEvent({ distinctId }, lines, queued);
    const [trace] = traceEvent({ distinctId, workspaceId: 'workspace-2' }, lines, queued);

    // Assess: the same id in both workspaces, told apart; workspace 2's story in order.
    expect(both.map((t) => t.workspaceId)).toEqual(['workspace-1', 'workspace-2']);
    const kinds = trace.steps.map((s) => `${s.kind}${'destinationId' in s ? ` ${s.destinationId}` : ''}`);
    expect(kinds[0]).toBe('received');
    expect(kinds).toContain(`dead-lettered ${WRONG_ID}`);
    expect(trace.steps).toContainEqual(expect.objectContaining({ kind: 'received', redriven: true }));
    const redrivenAt = trace.steps.findIndex((s) => s.kind === 'received' && s.redriven);
    expect(kinds.slice(redrivenAt + 1)).toEqual([`dead-lettered ${WRONG_ID}`]);
    expect(kinds.filter((k) => k.startsWith('delivered'))).not.toContain(`delivered ${WRONG_ID}`);
    expect(trace.inDeadLetterQueue).toEqual([
      { destinationId: WRONG_ID, errorCode: 'AccessDenied', attempts: 1 },
    ]);
    const text = renderTrace([trace]);
    expect(text).toContain(`${WRONG_ID}: dead-lettered, AccessDenied`);
    expect(text).not.toMatch(/@|example\.com/);
  });
});

describe('local pipeline, FIFO ingest queue', () => {
  let pipeline: LocalPipeline;
  const events = generateEvents(40, { random: seededRandom(7), visitors: 4 });

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({ fifoIngestQueue: true });
    await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, events);
    expect(await pipeline.waitUntilDrained(DRAIN_TIMEOUT_MS)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it("keeps each visitor's events in send order at the FIFO topic's consumer", () => {
    const sentOrder = new Map<string, string[]>();
    for (const body of events) {
      const { event, visitor } = JSON.parse(body);
      sentOrder.set(visitor.visitor_id, [...(sentOrder.get(visitor.visitor_id) ?? []), event.distinct_id]);
    }
    const received = pipeline.ledger.orderByVisitor.get(`workspace-1/${DESTINATION_IDS.fifoTopic}`);

    expect(received?.size).toBe(sentOrder.size);
    for (const [visitor, order] of sentOrder) expect(received?.get(visitor)).toEqual(order);
  });
});
