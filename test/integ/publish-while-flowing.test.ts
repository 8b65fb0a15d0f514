import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WorkspaceRegistry } from '../../lambda/control-plane/registry/workspace-registry';
import { emulatorClient, PLATFORM_ACCOUNT } from '../../local/accounts';
import { eventKey } from '../../local/ledger';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';

jest.setTimeout(180_000);

const TTL_SECONDS = 1;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('publish and rollback while events flow (local platform, two workspaces)', () => {
  let pipeline: LocalPipeline;
  const workspaces = ['workspace-1', 'workspace-2'];
  const events = generateEvents(240, { random: seededRandom(11), visitors: 12, workspaces });
  const scope = (workspace: string, destination: string) => `${workspace}/${destination}`;
  const versions: number[] = [];
  const mappingVersions: number[] = [];

  beforeAll(async () => {
    pipeline = await LocalPipeline.start({ workspaces: 2, registryCacheTtlSeconds: TTL_SECONDS });
    const registry = new WorkspaceRegistry(
      emulatorClient(DynamoDBClient, pipeline.messagingEndpoint, PLATFORM_ACCOUNT),
      pipeline.resources.registryTable,
      'arn:aws:iam::123456789012:user/test',
    );
    // Events go out in 24 slices; workspace 1 stops sending to its standard topic after slice 6
    // (publish without it) and starts again after slice 16 (rollback); slices are 400 ms apart.
    for (let slice = 0; slice < 24; slice++) {
      await sendBodies(
        pipeline.producer,
        pipeline.resources.ingestQueue.url,
        events.slice(slice * 10, slice * 10 + 10),
      );
      if (slice === 6) {
        await registry.removeDestination('workspace-1', DESTINATION_IDS.topic);
        versions.push((await registry.publish('workspace-1', 'stop the topic')).version);
      }
      if (slice === 16) versions.push((await registry.rollback('workspace-1')).version);
      // Workspace 2 changes its function's mapping mid-flow: the visitor's city is no longer sent.
      if (slice === 10) {
        await registry.updateDestination('workspace-2', DESTINATION_IDS.function, {
          mapping: { properties: { 'visitor.city': 'drop' } },
        });
        mappingVersions.push((await registry.publish('workspace-2', 'stop sending the city')).version);
      }
      await sleep(400);
    }
    expect(await pipeline.waitUntilDrained(120_000)).toBe(true);
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('published version 2 and rolled back as version 3', () => {
    expect(versions).toEqual([2, 3]);
    expect(mappingVersions).toEqual([2]);
  });

  it("applied workspace 2's new mapping within the TTL, each event processed once, none a payload mismatch", async () => {
    const report = await pipeline.report({
      bodies: events,
      sent: { sent: events.length, rejected: [], firstSentAt: new Map() },
      startedAt: Date.now(),
    });
    // The report maps each event with the destinations as provisioned (the city kept): after the
    // change the function's consumer gets events without it, by design.
    const { unexpectedContent, processedMoreThanOnce } = report;
    const cityless = events.filter((body) => JSON.parse(body).workspace_id === 'workspace-2').length / 24;
    expect(processedMoreThanOnce).toBe(0);
    expect(unexpectedContent).toBeGreaterThan(cityless * 6);
    expect((await pipeline.deadLetters()).filter((l) => l.source === 'consumer')).toEqual([]);
  });

  it('lost nothing across the switches: every other destination got every event of its workspace, once', async () => {
    for (const workspace of workspaces) {
      const sent = events.filter((body) => JSON.parse(body).workspace_id === workspace).length;
      for (const destination of [DESTINATION_IDS.function, DESTINATION_IDS.fifoTopic]) {
        expect({
          destination,
          processed: pipeline.ledger.processedIn(scope(workspace, destination)).size,
        }).toEqual({
          destination,
          processed: sent,
        });
      }
      expect(pipeline.ledger.processedIn(scope('workspace-2', DESTINATION_IDS.topic)).size).toBe(sent);
    }
    for (const [scope, byVisitor] of pipeline.ledger.orderByVisitor) {
      for (const ids of byVisitor.values()) expect({ scope, ids }).toEqual({ scope, ids: [...new Set(ids)] });
    }
    expect(await pipeline.deadLetters()).toEqual([]);
  });

  it("took workspace 1's topic out while version 2 was live, and back after the rollback, within the cache TTL", () => {
    const topicEvents = pipeline.ledger.processedIn(scope('workspace-1', DESTINATION_IDS.topic));
    const sentByKey = new Map(
      events.map((body, index) => {
        const { visitor, event } = JSON.parse(body);
        return [
          eventKey(scope('workspace-1', DESTINATION_IDS.topic), visitor.visitor_id, event.distinct_id),
          index,
        ];
      }),
    );
    const slices = new Set([...topicEvents.keys()].map((key) => Math.floor((sentByKey.get(key) ?? -1) / 10)));
    // Before the publish and after the rollback, with seconds of slack for the TTL and queue dwell.
    for (const early of [0, 1, 2, 3]) expect(slices).toContain(early);
    for (const late of [20, 21, 22, 23]) expect(slices).toContain(late);
    for (const off of [10, 11, 12]) expect(slices).not.toContain(off);
  });
});
