import {
  dispatcherCost,
  dispatcherTimeCostPerMillion,
  gbSecondsPerMillion,
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
