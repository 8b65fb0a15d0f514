import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { distinctIdHash } from '../../lambda/shared/log-ids';
import { LocalPipeline } from '../../local/pipeline';
import type { DemoReport } from '../../local/report';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';
import { type Answer, ApiClient, signIn } from '../support/control-plane-client';

jest.setTimeout(150_000);

const FAILING = 'customer-fn';
/** Long enough to cover the first sends after start (the window counts from the pipeline's wiring). */
const FAULT_SECONDS = 20;

/**
 * Customers see their own deliveries through the API, from the dispatcher's log lines: one
 * workspace's function fails (5xx) for a window, then recovers. Its health shows the failures by
 * the injected error code and the deliveries the run's report counts; its failures and an event's
 * story show the attempts. The other workspace, with the same destination ids and the same
 * distinct ids, sees none of it.
 */
describe('delivery visibility on the local platform', () => {
  let pipeline: LocalPipeline;
  let report: DemoReport;
  const api: Record<string, ApiClient> = {};
  const logDirectory = mkdtempSync(path.join(tmpdir(), 'delivery-visibility-'));
  const workspaces = ['workspace-1', 'workspace-2'];
  // The k-th event of each workspace has the same visitor and distinct id: hashes differ by workspace.
  const bodies = generateEvents(60, { random: seededRandom(25), visitors: 10, workspaces });
  const distinctIds = [...new Set(bodies.map((b) => JSON.parse(b).event.distinct_id as string))];

  beforeAll(async () => {
    const startedAt = Date.now();
    pipeline = await LocalPipeline.start({
      workspaces: 2,
      controlPlane: { seedAccess: true },
      dispatcherLogFile: path.join(logDirectory, 'dispatcher.log'),
      destinationFaults: [
        { destinationId: `workspace-1/${FAILING}`, kind: 'server-error', seconds: FAULT_SECONDS },
      ],
    });
    const { controlPlane, access } = pipeline;
    if (!controlPlane || !access) throw new Error('the control plane did not start');
    const sent = await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, bodies);
    expect(await pipeline.waitUntilDrained(100_000)).toBe(true);
    report = await pipeline.report({ bodies, sent, startedAt });
    for (const workspace of workspaces) {
      api[workspace] = new ApiClient(
        controlPlane.apiUrl,
        await signIn(
          pipeline.messagingEndpoint,
          controlPlane.userPoolClientId,
          access.workspaces[workspace].users.viewer,
        ),
      );
    }
  }, 150_000);

  afterAll(async () => {
    await pipeline?.stop();
    rmSync(logDirectory, { recursive: true, force: true });
  });

  const health = async (workspace: string): Promise<Answer> =>
    api[workspace].get(`/v1/workspaces/${workspace}/health?window=hour`);
  const destination = (answer: Answer, id: string) =>
    answer.body.destinations.find((d: { destinationId: string }) => d.destinationId === id);

  it('ran the fault: the failing function’s calls failed, and every event was accounted for', () => {
    expect(pipeline.destinationFaults?.counts.get(`workspace-1/${FAILING}`)).toBeGreaterThan(0);
    expect(report.unaccounted).toBe(0);
    expect(report.verdict).toMatch(/^PASS/);
  });

  it('shows the failing workspace’s health: the failures by the injected code, the deliveries the report counts', async () => {
    // Act
    const answer = await health('workspace-1');

    // Assess
    expect(answer.status).toBe(200);
    const failing = destination(answer, FAILING);
    expect(failing.delivered).toBeGreaterThan(0);
    // The gateway answers the injected fault as Lambda's 5xx ServiceException.
    expect(Object.keys(failing.failed.byCode)).toContain('ServiceUnavailable');
    expect(failing.failed.total).toBeGreaterThan(0);
    expect(failing.retriesScheduled).toBeGreaterThan(0);
    expect(failing.lastFailure).toMatchObject({ code: expect.any(String) });
    expect(failing.circuit.openedInWindow).toBeGreaterThan(0);
    for (const d of answer.body.destinations) {
      const scope = report.destinations[`workspace-1/${d.destinationId}`];
      // Every delivery the dispatcher logged reached its consumer once (or was a duplicate it skipped).
      expect({ id: d.destinationId, delivered: d.delivered }).toEqual({
        id: d.destinationId,
        delivered: scope.delivered + scope.duplicatesSkipped,
      });
      expect(d.live).toBe(true);
    }
    expect(answer.body.totals.delivered).toBe(
      answer.body.destinations.reduce((n: number, d: { delivered: number }) => n + d.delivered, 0),
    );
    const delivered = destination(answer, 'customer-topic');
    expect(delivered.failed.total).toBe(0);
    expect(delivered.latencyMs.p50).toEqual({ fromMs: expect.any(Number), toMs: expect.any(Number) });
    expect(delivered.lastSuccessAt).not.toBeNull();
  });

  it('shows the other workspace none of it: same destination ids, nothing failed', async () => {
    // Act
    const answer = await health('workspace-2');

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.totals.failed.total).toBe(0);
    expect(answer.body.totals.retriesScheduled).toBe(0);
    expect(destination(answer, FAILING)).toMatchObject({
      failed: { total: 0 },
      lastFailure: null,
      circuit: { state: 'closed', openedInWindow: 0 },
    });
    for (const d of answer.body.destinations) {
      const scope = report.destinations[`workspace-2/${d.destinationId}`];
      expect(d.delivered).toBe(scope.delivered + scope.duplicatesSkipped);
    }
  });

  it('lists the failing function’s recent failures with the injected code: hashes, codes, attempts, no content', async () => {
    // Act
    const answer = await api['workspace-1'].get(
      `/v1/workspaces/workspace-1/destinations/${FAILING}/failures?limit=5`,
    );
    const other = await api['workspace-2'].get(`/v1/workspaces/workspace-2/destinations/${FAILING}/failures`);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body.failures).toHaveLength(5);
    for (const failure of answer.body.failures) {
      expect(failure).toMatchObject({
        code: 'ServiceUnavailable',
        attempt: expect.any(Number),
        distinctIdHash: expect.stringMatching(/^[0-9a-f]{20}$/),
        outcome: expect.stringMatching(/^(retry scheduled|dead-lettered)$/),
      });
    }
    const ats = answer.body.failures.map((f: { at: string }) => f.at);
    expect([...ats].sort().reverse()).toEqual(ats);
    expect(JSON.stringify(answer.body)).not.toMatch(/visitor_|@example\.com|evt_/);
    expect(other.body.failures).toEqual([]);
  });

  it('tells a failed event’s story in its workspace: received, failed with the code, retried, delivered', async () => {
    // Prepare: an event that failed at the function, by the hash its failure names.
    const failures = await api['workspace-1'].get(
      `/v1/workspaces/workspace-1/destinations/${FAILING}/failures?limit=100`,
    );
    const hashes = new Set(failures.body.failures.map((f: { distinctIdHash: string }) => f.distinctIdHash));
    const distinctId = distinctIds.find((id) => hashes.has(distinctIdHash('workspace-1', id))) as string;
    expect(distinctId).toBeDefined();

    // Act
    const story = await api['workspace-1'].get(
      `/v1/workspaces/workspace-1/events/${encodeURIComponent(distinctId)}?visitorId=v1`,
    );

    // Assess
    expect(story.status).toBe(200);
    expect(story.body).toMatchObject({ workspace: 'workspace-1', found: true });
    const steps = story.body.steps as { kind: string; destinationId?: string; errorCode?: string }[];
    expect(steps[0]).toMatchObject({ kind: 'received', attempt: 1 });
    expect(steps).toContainEqual(
      expect.objectContaining({ kind: 'failed', destinationId: FAILING, errorCode: 'ServiceUnavailable' }),
    );
    expect(steps.filter((s) => s.kind === 'received').length).toBeGreaterThan(1);
    expect(steps.some((s) => s.destinationId === FAILING && s.kind !== 'received')).toBe(true);
    expect(story.body.consumerEventKeyHash).toMatch(/^[0-9a-f]{20}$/);
  });

  it('never tells the other workspace the first one’s story, though its event has the same distinct id', async () => {
    // Prepare: the same distinct id, in workspace-2 (which had no fault).
    const failures = await api['workspace-1'].get(
      `/v1/workspaces/workspace-1/destinations/${FAILING}/failures?limit=100`,
    );
    const hashes = new Set(failures.body.failures.map((f: { distinctIdHash: string }) => f.distinctIdHash));
    const distinctId = distinctIds.find((id) => hashes.has(distinctIdHash('workspace-1', id))) as string;

    // Act
    const story = await api['workspace-2'].get(
      `/v1/workspaces/workspace-2/events/${encodeURIComponent(distinctId)}`,
    );
    const trespass = await api['workspace-2'].get(
      `/v1/workspaces/workspace-1/events/${encodeURIComponent(distinctId)}`,
    );
    const healthOfOther = await api['workspace-2'].get('/v1/workspaces/workspace-1/health');

    // Assess
    expect(story.status).toBe(200);
    expect(story.body.distinctIdHash).toBe(distinctIdHash('workspace-2', distinctId));
    const steps = story.body.steps as { kind: string; errorCode?: string }[];
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.filter((s) => s.kind === 'received')).toHaveLength(1);
    expect(steps.filter((s) => s.kind === 'failed' || s.errorCode)).toEqual([]);
    expect(trespass.status).toBe(404);
    expect(healthOfOther.status).toBe(404);
  });
});
