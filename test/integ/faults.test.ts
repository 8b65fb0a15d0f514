import { LocalPipeline } from '../../local/pipeline';
import type { DemoReport } from '../../local/report';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom, withDuplicates, withOversize } from '../../local/test-events';

jest.setTimeout(180_000);

describe('local pipeline under injected faults', () => {
  let pipeline: LocalPipeline;
  const random = seededRandom(99);
  // Oversize events among them: their uploads to the payload bucket fail too.
  const bodies = withDuplicates(
    withOversize(generateEvents(80, { random, visitors: 20 }), 8, random),
    0.1,
    random,
  );
  let report: DemoReport;

  beforeAll(async () => {
    const started = Date.now();
    // 40%: the SDK retries each call three times itself, so at 20% too few failures would get through.
    pipeline = await LocalPipeline.start({ faults: { rate: 0.4, seed: 3 } });
    const summary = await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, bodies);
    expect(await pipeline.waitUntilDrained(150_000)).toBe(true);
    report = await pipeline.report({ bodies, sent: summary, startedAt: started });
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('injected faults of most kinds, and the dispatcher retried per destination', () => {
    expect(pipeline.faults?.total).toBeGreaterThan(10);
    expect(Object.values(pipeline.faults?.counts ?? {}).filter((n) => n > 0).length).toBeGreaterThanOrEqual(
      4,
    );
    expect(pipeline.retriesReceived).toBeGreaterThan(0);
    expect(pipeline.gateway.counts.payloadUploadFaults).toBeGreaterThan(0);
  });

  it('accounts for every event: delivered everywhere, each processed once per consumer', () => {
    expect(report.unaccounted).toBe(0);
    expect(report.processedMoreThanOnce).toBe(0);
    for (const destination of Object.values(report.destinations)) expect(destination.delivered).toBe(80);
    expect(report.destinations['workspace-1/customer-topic'].offloaded).toBe(8);
    expect(report.verdict).toMatch(/^PASS/);
  });
});
