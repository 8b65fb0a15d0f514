import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { listStatus } from '../../lib/destination-status/status-table';
import { emulatorClient, PLATFORM_ACCOUNT } from '../../local/accounts';
import { LocalPipeline } from '../../local/pipeline';
import type { DemoReport } from '../../local/report';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom, withDuplicates } from '../../local/test-events';

jest.setTimeout(180_000);

describe('local pipeline with one destination hung for a while', () => {
  let pipeline: LocalPipeline;
  const random = seededRandom(7);
  const bodies = withDuplicates(generateEvents(60, { random, visitors: 15 }), 0.1, random);
  const HUNG_SECONDS = 12;
  let report: DemoReport;
  let statusAfterRecovery: Awaited<ReturnType<typeof listStatus>>;

  beforeAll(async () => {
    const started = Date.now();
    // Every call to the function takes 20 s, longer than any call budget, for the first 12 s.
    pipeline = await LocalPipeline.start({
      destinationFaults: [
        { destinationId: 'customer-fn', kind: 'slow', delayMs: 20_000, seconds: HUNG_SECONDS },
      ],
    });
    const summary = await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, bodies);
    expect(await pipeline.waitUntilDrained(150_000)).toBe(true);
    report = await pipeline.report({ bodies, sent: summary, startedAt: started });
    statusAfterRecovery = await listStatus(
      emulatorClient(DynamoDBClient, pipeline.messagingEndpoint, PLATFORM_ACCOUNT),
      pipeline.resources.destinationStatusTable,
    );
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('recorded the hung destination as failing in the status table while its circuit was open, and cleared it on recovery', () => {
    expect(statusAfterRecovery).toEqual([
      {
        destinationId: 'workspace-1/customer-fn',
        failingSince: null,
        lastFailureAt: null,
        lastErrorCode: null,
        disabledAt: null,
        disabledReason: null,
      },
    ]);
  });

  it('opened the hung destination circuit, and no other', () => {
    expect(report.destinationFaults?.[0].calls).toBeGreaterThan(0);
    expect(report.destinations['workspace-1/customer-fn'].circuitOpenings).toBeGreaterThanOrEqual(1);
    expect(report.destinations['workspace-1/customer-topic'].circuitOpenings).toBe(0);
    expect(report.destinations['workspace-1/customer-fifo'].circuitOpenings).toBe(0);
  });

  it('kept the other destinations at their usual latency, well inside the hung window', () => {
    for (const id of ['workspace-1/customer-topic', 'workspace-1/customer-fifo']) {
      expect(report.destinations[id].latencyMs.p99).toBeLessThan(HUNG_SECONDS * 1000 * 0.75);
    }
  });

  it('once the destination recovered, delivered every event to it, each processed once', () => {
    expect(report.unaccounted).toBe(0);
    expect(report.processedMoreThanOnce).toBe(0);
    for (const destination of Object.values(report.destinations)) expect(destination.delivered).toBe(60);
    expect(report.deadLetters).toEqual([]);
    expect(report.verdict).toMatch(/^PASS/);
  });
});
