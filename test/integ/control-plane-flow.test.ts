import type { DestinationInput } from '../../lambda/shared/destination-config';
import { eventKey } from '../../local/ledger';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';
import { ApiClient, signIn } from '../support/control-plane-client';

jest.setTimeout(180_000);

/**
 * A customer's whole way in, through the API only: sign in, add a Lambda destination by region
 * and function name and an SNS destination by region, topic ARN and role ARN, check both with a
 * test event, publish, see events arrive, roll back; every change in the audit log with its actor.
 */
describe('the control plane, end to end on the local platform', () => {
  let pipeline: LocalPipeline;
  let api: ApiClient;
  let adminUserId: string;
  const workspace = 'workspace-1';
  const base = `/v1/workspaces/${workspace}`;
  const provisioned: DestinationInput[] = [];
  const events = generateEvents(40, { random: seededRandom(24), visitors: 5, workspaces: [workspace] });

  beforeAll(async () => {
    // The workspace starts with nothing published: its customer adds its destinations.
    pipeline = await LocalPipeline.start({
      workspaces: 1,
      registryCacheTtlSeconds: 1,
      configure: (_workspace, destinations) => {
        provisioned.push(...destinations);
        return [];
      },
      controlPlane: { seedAccess: true },
    });
    const controlPlane = pipeline.controlPlane;
    const access = pipeline.access;
    if (!controlPlane || !access) throw new Error('the control plane did not start');
    const token = await signIn(
      pipeline.messagingEndpoint,
      controlPlane.userPoolClientId,
      access.workspaces[workspace].users.admin,
    );
    api = new ApiClient(controlPlane.apiUrl, token);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('knows who signed in and where they are a member', async () => {
    // Act
    const me = await api.get('/v1/me');

    // Assess
    expect(me.status).toBe(200);
    expect(me.body.workspaces).toEqual([{ workspace, role: 'admin' }]);
    adminUserId = me.body.userId;
  });

  it('lists the destination types with the fields the seed flows need', async () => {
    // Act
    const { status, body } = await api.get(`${base}/destination-types`);

    // Assess
    expect(status).toBe(200);
    const fields = (type: string) =>
      body.types.find((t: { type: string }) => t.type === type).fields.map((f: { name: string }) => f.name);
    expect(fields('lambda')).toEqual(
      expect.arrayContaining(['region', 'functionName', 'functionArn', 'roleArn']),
    );
    expect(fields('sns')).toEqual(expect.arrayContaining(['topicArn', 'roleArn']));
    expect(body.types.map((t: { type: string }) => t.type)).toEqual([
      'lambda',
      'sns',
      'kinesis',
      'eventbridge',
      'sqs',
    ]);
  });

  it('adds a Lambda destination by region and function name, and an SNS one by region, topic ARN and role ARN', async () => {
    // Prepare
    const local = pipeline.resources.workspaces[0];
    const [, , , region, , , functionName] = local.consumerFunctionArn.split(':');
    const topic = provisioned.find((d) => d.id === DESTINATION_IDS.topic) as { topicArn: string };

    // Act
    const lambda = await api.post(`${base}/destinations`, {
      id: DESTINATION_IDS.function,
      type: 'lambda',
      region,
      functionName,
      roleArn: local.deliveryRoleArn,
    });
    const sns = await api.post(`${base}/destinations`, {
      id: DESTINATION_IDS.topic,
      type: 'sns',
      region,
      topicArn: topic.topicArn,
      roleArn: local.deliveryRoleArn,
    });

    // Assess
    expect(lambda.status).toBe(201);
    expect(lambda.body).toMatchObject({ functionArn: local.consumerFunctionArn, events: ['*'] });
    expect(sns.status).toBe(201);
    const listed = await api.get(`${base}/destinations`);
    expect(listed.body.destinations.map((d: { status: string }) => d.status)).toEqual(['added', 'added']);
    expect(listed.headers.get('etag')).toBe('"1"');
  });

  it('checks both setups as the dispatcher, with a test event', async () => {
    for (const id of [DESTINATION_IDS.function, DESTINATION_IDS.topic]) {
      // Act
      const { status, body } = await api.post(`${base}/destinations/${id}/check`, { sendTestEvent: true });

      // Assess
      expect({
        id,
        status,
        ok: body.ok,
        failed: body.steps.filter((s: { verdict: string }) => s.verdict === 'fail'),
      }).toEqual({
        id,
        status: 200,
        ok: true,
        failed: [],
      });
      expect(body.source).toBe('draft');
    }
  });

  it('publishes against the live version it read, and refuses a stale one with 412', async () => {
    // Act
    const published = await api.post(
      `${base}/publish`,
      { note: 'first destinations' },
      { 'if-match': '"1"' },
    );
    const stale = await api.post(`${base}/publish`, { note: 'again' }, { 'if-match': '"1"' });

    // Assess
    expect(published.status).toBe(201);
    expect(published.body).toMatchObject({ version: 2, publishedBy: `user:${adminUserId}` });
    expect(published.headers.get('etag')).toBe('"2"');
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'PreconditionFailed' });
  });

  it('delivers events to both new destinations', async () => {
    // Prepare: the dispatcher picks the version up within its 1 s cache.
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // Act
    await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, events);

    // Assess
    expect(await pipeline.waitUntilDrained(90_000)).toBe(true);
    for (const id of [DESTINATION_IDS.function, DESTINATION_IDS.topic]) {
      const processed = pipeline.ledger.processedIn(`${workspace}/${id}`);
      const missing = events.filter((body) => {
        const { visitor, event } = JSON.parse(body);
        return !processed.has(eventKey(`${workspace}/${id}`, visitor.visitor_id, event.distinct_id));
      });
      // Besides the events: the setup check's test event.
      expect({ id, missing: missing.length, processed: processed.size }).toEqual({
        id,
        missing: 0,
        processed: events.length + 1,
      });
    }
  });

  it('rolls back to the version before, as a new version', async () => {
    // Act
    const rolled = await api.post(`${base}/rollback`, { note: 'undo' }, { 'if-match': '"2"' });

    // Assess
    expect(rolled.status).toBe(201);
    expect(rolled.body).toMatchObject({
      version: 3,
      action: 'rollback',
      restoredVersion: 1,
      destinations: [],
    });
    const versions = await api.get(`${base}/versions`);
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2, 3]);
    const diff = await api.get(`${base}/versions/3/diff`);
    expect(diff.body.changes.removed.sort()).toEqual(
      [DESTINATION_IDS.function, DESTINATION_IDS.topic].sort(),
    );
  });

  it('recorded every change with its actor, request and versions, in the audit log', async () => {
    // Act
    const { status, body } = await api.get(`${base}/audit-events?limit=20`);

    // Assess
    expect(status).toBe(200);
    const mine = body.events.filter((e: { actor: { id: string } }) => e.actor.id === adminUserId);
    expect(mine.map((e: { action: string }) => e.action)).toEqual([
      'workspace.rollback',
      'workspace.publish',
      'destination.create',
      'destination.create',
    ]);
    expect(mine[0]).toMatchObject({
      actor: { type: 'user', id: adminUserId },
      before: { liveVersion: 2 },
      after: { liveVersion: 3, restoredVersion: 1 },
      userAgent: 'control-plane-test/1.0',
    });
    for (const event of mine) expect(event.requestId).toMatch(/\S/);
    expect(JSON.stringify(body)).not.toMatch(/edk_[0-9a-f]{16}_/);
  });
});
