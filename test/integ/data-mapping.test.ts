import { withExampleMappings } from '../../local/example-mappings';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import type { DemoReport } from '../../local/report';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';

jest.setTimeout(120_000);

describe('data mapping and consent on the local platform', () => {
  let pipeline: LocalPipeline;
  let report: DemoReport;
  const events = generateEvents(60, { random: seededRandom(21), visitors: 10, consent: true });

  beforeAll(async () => {
    const startedAt = Date.now();
    pipeline = await LocalPipeline.start({
      configure: (_workspace, provisioned) => withExampleMappings(provisioned),
    });
    const sent = await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, events);
    expect(await pipeline.waitUntilDrained(90_000)).toBe(true);
    report = await pipeline.report({ bodies: events, sent, startedAt });
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it("gives each destination's consumer exactly its own mapped payload, and nothing else", () => {
    expect(report.unexpectedContent).toBe(0);
    expect(report.unaccounted).toBe(0);
    expect(report.processedMoreThanOnce).toBe(0);
    expect(report.verdict).toMatch(/^PASS/);
  });

  it('withholds from the marketing topic exactly the events whose visitor did not consent', () => {
    const withoutMarketing = events.filter((body) => !JSON.parse(body).consent.includes('marketing')).length;
    const topic = report.destinations[`workspace-1/${DESTINATION_IDS.topic}`];

    expect(withoutMarketing).toBeGreaterThan(0);
    expect(topic.blockedByConsent).toBe(withoutMarketing);
    expect(topic.delivered).toBe(events.length - withoutMarketing);
    expect(report.destinations[`workspace-1/${DESTINATION_IDS.function}`].delivered).toBe(events.length);
    expect(report.deadLetters).toEqual([]);
  });
});
