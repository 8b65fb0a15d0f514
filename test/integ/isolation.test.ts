import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSEvent } from 'aws-lambda';
import { attackerFunctions, HEALTHY, HUNG } from '../../bench/isolation';
import { LoopbackAws } from '../../bench/loopback-aws';
import { createDispatcherHandler } from '../../lambda/dispatcher/create-handler';
import {
  type CircuitTransition,
  DEFAULT_BREAKER_SETTINGS,
} from '../../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import type { DispatcherEnvironment } from '../../lambda/dispatcher/environment';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/settle/retry';
import type { DestinationInput } from '../../lambda/shared/destination-config';
import { invocationContext } from '../../local/lambda-context';
import { ingestMessage, sqsRecord, WORKSPACE_ID } from '../support/fixtures';

jest.setTimeout(60_000);

const batch = (from: number, size: number): SQSEvent => ({
  Records: Array.from({ length: size }, (_, i) =>
    sqsRecord(
      ingestMessage({
        event: { distinct_id: `evt_${from + i}` },
        visitor: { visitor_id: `visitor_${(from + i) % 10}` },
      }),
      { sentAt: Date.now() },
    ),
  ),
});

describe('the real dispatcher with one destination that never answers in time (loopback AWS)', () => {
  const aws = new LoopbackAws({ delayMs: (target) => (target === 'hung' ? 20_000 : 0) });
  let transitions: CircuitTransition[];

  const handlerFor = (destinations: DestinationInput[], environment: Partial<DispatcherEnvironment> = {}) =>
    createDispatcherHandler(
      {
        destinationsJson: JSON.stringify({
          workspaces: [{ id: WORKSPACE_ID, externalId: 'isolation-external-id-01', destinations }],
        }),
        deadLetterQueue: { url: `${aws.endpoint}/111122223333/dlq`, fifo: false },
        maxReceiveCount: 5,
        concurrency: 16,
        region: 'us-east-1',
        retry: { ...DEFAULT_RETRY_POLICY, queueUrl: `${aws.endpoint}/111122223333/ingest` },
        ...environment,
      },
      {
        overrides: { endpoint: aws.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
        logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
        onCircuitTransition: (t) => transitions.push(t),
      },
    );

  beforeAll(() => aws.start());
  afterAll(() => aws.stop());
  beforeEach(() => {
    aws.reset();
    transitions = [];
  });

  it('delivers to the healthy destinations, schedules every hung delivery for retry with its reason, and opens its circuit', async () => {
    // Prepare
    const handler = handlerFor([...HEALTHY, HUNG]);

    // Act
    const started = Date.now();
    const first = await handler(batch(0, 100), invocationContext(30_000));
    const firstMs = Date.now() - started;
    const second = await handler(batch(100, 100), invocationContext(30_000));

    // Assess: well inside the deadline; the records acknowledged; nothing lost.
    expect(firstMs).toBeLessThan(10_000);
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    for (const target of ['orders', 'events', 'orders.fifo'])
      expect(aws.counts.delivered.get(target)).toBe(200);
    expect(aws.counts.delivered.get('hung')).toBeUndefined();
    expect(aws.counts.sqsMessages.get(HUNG.id)).toBe(200);
    expect(aws.counts.retryReasons).toEqual(
      new Map([
        ['DeliveryTimedOut', 100],
        ['CircuitOpen', 100],
      ]),
    );
    expect(aws.counts.sqsGroups.get(`${WORKSPACE_ID}/${HUNG.id}`)).toBeGreaterThan(0);
    expect(transitions).toEqual([
      expect.objectContaining({ destinationId: `${WORKSPACE_ID}/${HUNG.id}`, to: 'open' }),
    ]);
  });

  it('settles before the deadline when a call outlasts the function, retrying the delivery with DeadlineExceeded', async () => {
    // Prepare: patience longer than the function, so only the deadline can end the call.
    const handler = handlerFor([HUNG], {
      breaker: { ...DEFAULT_BREAKER_SETTINGS, minPatienceMs: 60_000, maxPatienceMs: 60_000 },
    });

    // Act
    const started = Date.now();
    const response = await handler(batch(0, 5), invocationContext(6_000));

    // Assess
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(response.batchItemFailures).toEqual([]);
    expect(aws.counts.sqsMessages.get(HUNG.id)).toBe(5);
    expect(aws.counts.retryReasons.get('DeadlineExceeded')).toBe(5);
  });
});

describe('the real dispatcher beside a hostile workspace with four hung functions (loopback AWS)', () => {
  const aws = new LoopbackAws({ delayMs: (target) => (target.startsWith('hung') ? 20_000 : 0) });
  const ATTACKER = 'ws-attacker';

  beforeAll(() => aws.start());
  afterAll(() => aws.stop());

  it("delivers every one of the victim's events in each batch, well inside the deadline", async () => {
    // Prepare: each batch half the victim's events, half the attacker's, interleaved.
    const handler = createDispatcherHandler(
      {
        destinationsJson: JSON.stringify({
          workspaces: [
            { id: WORKSPACE_ID, externalId: 'victim-external-id-0001', destinations: HEALTHY },
            { id: ATTACKER, externalId: 'attacker-external-id-01', destinations: attackerFunctions(4) },
          ],
        }),
        deadLetterQueue: { url: `${aws.endpoint}/111122223333/dlq`, fifo: false },
        maxReceiveCount: 5,
        concurrency: 16,
        region: 'us-east-1',
        retry: { ...DEFAULT_RETRY_POLICY, queueUrl: `${aws.endpoint}/111122223333/ingest` },
      },
      {
        overrides: { endpoint: aws.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
        logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
      },
    );
    const mixed = (from: number): SQSEvent => ({
      Records: Array.from({ length: 100 }, (_, i) =>
        sqsRecord(
          ingestMessage({
            workspaceId: i % 2 === 0 ? WORKSPACE_ID : ATTACKER,
            event: { distinct_id: `evt_${from + i}` },
            visitor: { visitor_id: `visitor_${(from + i) % 10}` },
          }),
          { sentAt: Date.now() },
        ),
      ),
    });

    // Act: three batches, as one execution environment takes them.
    const took: number[] = [];
    for (let b = 0; b < 3; b++) {
      const started = Date.now();
      const response = await handler(mixed(b * 100), invocationContext(30_000));
      took.push(Date.now() - started);
      expect(response.batchItemFailures).toEqual([]);
    }

    // Assess: the victim's 150 events reached each of its destinations; the attacker's were
    // scheduled for retry (cut, then deferred by their open circuits); no batch came near its
    // 27 s delivery deadline, as every one did when the attacker's calls held all 16 slots.
    for (const target of ['orders', 'events', 'orders.fifo'])
      expect(aws.counts.delivered.get(target)).toBe(150);
    // Every SQS message here is a retry of the attacker's: 150 events to each of 4 functions.
    const retries = [...aws.counts.sqsMessages.values()].reduce((sum, n) => sum + n, 0);
    expect(retries).toBe(600);
    expect(aws.counts.sqsGroups.size).toBe(4);
    expect([...aws.counts.retryReasons.keys()].sort()).toEqual(['CircuitOpen', 'DeliveryTimedOut']);
    expect(Math.max(...took)).toBeLessThan(5_000);
  });
});
