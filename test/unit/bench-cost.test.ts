import {
  BATCHED_EVENT_BYTES,
  batchedIngestCost,
  dispatcherCost,
  dispatcherTimeCostPerMillion,
  EVENTS_PER_MESSAGE,
  gbSecondsPerMillion,
  ingestRequestsPerEvent,
  offloadCostPerMillion,
  PRICES,
  pipesCost,
} from '../../bench/cost';

const standardTopic = {
  destinations: { snsStandard: 1, snsFifo: 0, lambda: 0 },
  batchSize: 100,
  messageBytes: 300,
};

describe('cost per million events', () => {
  it('bills PublishBatch per request: a tenth of the publishes of one call per event', () => {
    const batched = dispatcherCost(standardTopic, {
      deliveriesPerSecond: 10_000,
      snsStandardCallsPerDelivery: 0.1,
      snsFifoCallsPerDelivery: 0,
      lambdaCallsPerDelivery: 0,
    });
    const oneByOne = dispatcherCost(standardTopic, {
      deliveriesPerSecond: 10_000,
      snsStandardCallsPerDelivery: 1,
      snsFifoCallsPerDelivery: 0,
      lambdaCallsPerDelivery: 0,
    });

    expect(batched.lines['topic publishes (destination owner)']).toBeCloseTo(0.05, 6);
    expect(oneByOne.lines['topic publishes (destination owner)']).toBeCloseTo(0.5, 6);
    expect(batched.destinations).toBeCloseTo(0.05, 6);
  });

  it('charges the dispatcher one request per batch and GB-seconds for the time it measured', () => {
    // 1,000 deliveries per second: a million events take 1,000 s at 0.5 GB.
    const cost = dispatcherCost(standardTopic, {
      deliveriesPerSecond: 1_000,
      snsStandardCallsPerDelivery: 0.1,
      snsFifoCallsPerDelivery: 0,
      lambdaCallsPerDelivery: 0,
    });

    expect(cost.lines['dispatcher requests']).toBeCloseTo(10_000 * PRICES.lambdaPerRequest, 9);
    expect(cost.lines['dispatcher GB-seconds']).toBeCloseTo(500 * PRICES.lambdaArmPerGbSecond, 9);
    expect(cost.total).toBeCloseTo(cost.platform + cost.destinations, 9);
  });

  it('counts a pipe request and a target call per event and destination for EventBridge Pipes', () => {
    const cost = pipesCost({ ...standardTopic, destinations: { snsStandard: 1, snsFifo: 0, lambda: 1 } });

    expect(cost.lines['Pipes requests']).toBeCloseTo(0.8, 6);
    expect(cost.lines['topic publishes (destination owner)']).toBeCloseTo(0.5, 6);
    expect(cost.lines['function invocations (destination owner)']).toBeCloseTo(0.2, 6);
  });

  it('turns wall time per event into GB-seconds at 512 MB, and those into dollars', () => {
    // A batch of 100 in 150 ms: 1.5 ms per event, 1,500 s per million events at 0.5 GB.
    expect(gbSecondsPerMillion(0.0015)).toBeCloseTo(750, 9);
    expect(dispatcherTimeCostPerMillion(0.0015)).toBeCloseTo(750 * PRICES.lambdaArmPerGbSecond, 12);
  });

  it('prices offloaded payloads by the share of events offloaded', () => {
    expect(offloadCostPerMillion(0.01)).toBeCloseTo((10_000 * (0.005 + 0.0004)) / 1000, 9);
    expect(offloadCostPerMillion(0)).toBe(0);
  });
});

describe('ingest requests per event', () => {
  it('bills single messages under 6 KiB as a tenth of a request each to send, receive and delete', () => {
    const requests = ingestRequestsPerEvent(1, 300);

    expect(requests).toEqual({ send: 0.1, receive: 0.1, delete: 0.1, total: expect.closeTo(0.3, 9) });
  });

  it('bills a batched payload by its 64 KiB chunks: 100 events of 1 KiB, 10 messages a call, 16 chunks per 1,000 events', () => {
    // 10 messages of 100 × 1,024 + 64 bytes: 1,024,640 bytes, within 1 MiB, 16 chunks of 64 KiB.
    const requests = ingestRequestsPerEvent(100, 1_024);

    expect(requests.send).toBeCloseTo(16 / 1_000, 9);
    expect(requests.receive).toBeCloseTo(16 / 1_000, 9);
    expect(requests.delete).toBeCloseTo(1 / 1_000, 9);
  });

  it('sends fewer messages a call when 10 would pass 1 MiB, and receives 10 a call all the same', () => {
    // 1,000 events of 1 KiB: one message a call (1,024,064 bytes, 16 chunks); received 10 a call (157 chunks).
    const requests = ingestRequestsPerEvent(1_000, 1_024);

    expect(requests.send).toBeCloseTo(16 / 1_000, 9);
    expect(requests.receive).toBeCloseTo(157 / 10_000, 9);
    expect(requests.delete).toBeCloseTo(1 / 10_000, 9);
  });

  it('refuses what no ingest message can carry', () => {
    expect(() => ingestRequestsPerEvent(0, 300)).toThrow(RangeError);
    expect(() => ingestRequestsPerEvent(1_001, 300)).toThrow(/from 1 to 1000/);
    expect(() => ingestRequestsPerEvent(1_000, 2_000)).toThrow(/do not fit one SQS message/);
  });
});

describe('cost per million events with batched ingest messages', () => {
  const measured = {
    deliveriesPerSecond: 1_550,
    snsStandardCallsPerDelivery: 0.1,
    snsFifoCallsPerDelivery: 0,
    lambdaCallsPerDelivery: 0,
  };

  it("keeps single messages at today's figures: 0.3 SQS requests per event, one invocation per batch", () => {
    const cost = dispatcherCost(standardTopic, measured);

    expect(cost.lines['SQS requests']).toBeCloseTo(0.3 * PRICES.sqsStandardPerRequest * 1e6, 9);
    expect(cost.lines['dispatcher requests']).toBeCloseTo(10_000 * PRICES.lambdaPerRequest, 9);
  });

  it('invokes the dispatcher once per 10 messages of N events', () => {
    const cost = batchedIngestCost(standardTopic, measured, 100);

    expect(cost.lines['dispatcher requests']).toBeCloseTo(1_000 * PRICES.lambdaPerRequest, 9);
    // Time per event as measured, whatever the batching.
    expect(cost.lines['dispatcher GB-seconds']).toBeCloseTo(
      dispatcherCost(standardTopic, measured).lines['dispatcher GB-seconds'],
      12,
    );
  });

  it('brings the platform under $0.03 per million events at 100 events of 1 KiB per message, from $0.12 of SQS alone', () => {
    const [one, ten, hundred] = EVENTS_PER_MESSAGE.map((n) => batchedIngestCost(standardTopic, measured, n));

    expect(EVENTS_PER_MESSAGE).toEqual([1, 10, 100]);
    expect(BATCHED_EVENT_BYTES).toBe(1_024);
    expect(one.lines['SQS requests']).toBeCloseTo(0.12, 9);
    expect(ten.platform).toBeLessThan(one.platform);
    expect(hundred.platform).toBeLessThan(ten.platform);
    expect(hundred.lines['SQS requests']).toBeCloseTo(((16 + 16 + 1) / 1_000) * 0.4, 9);
    expect(hundred.platform).toBeLessThanOrEqual(0.03);
    expect(hundred.destinations).toBeCloseTo(one.destinations, 9);
  });
});
