import { DRIVERS, driverOf } from '../../lambda/dispatcher/deliver/drivers';
import type { DriverRegistry } from '../../lambda/dispatcher/deliver/drivers/driver';
import { DELIVERY_PERMISSIONS } from '../../lambda/shared/delivery-permissions';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import {
  busDestination,
  fifoQueueDestination,
  fifoTopicDestination,
  ingestMessage,
  lambdaDestination,
  standardQueueDestination,
  standardTopicDestination,
  streamDestination,
} from '../support/fixtures';

const parsed = parseIngestMessage(JSON.stringify(ingestMessage()));
if (!parsed.ok) throw new Error(parsed.reason);
const { payload } = parsed;

describe('the driver registry', () => {
  it('has one driver per destination type, and the compiler refuses one without', () => {
    const { sqs: _, ...withoutSqs } = DRIVERS;
    // @ts-expect-error: a type of the config union without a driver does not compile (npm test type-checks).
    const incomplete: DriverRegistry = withoutSqs;

    expect(Object.keys(incomplete)).not.toContain('sqs');
    expect(Object.keys(DRIVERS).sort()).toEqual(Object.keys(DELIVERY_PERMISSIONS).sort());
    for (const [type, driver] of Object.entries(DRIVERS)) {
      expect(driver.permissions).toBe(DELIVERY_PERMISSIONS[type as keyof typeof DELIVERY_PERMISSIONS]);
    }
  });

  it('orders a visitor where the destination keeps order: FIFO topics and queues, and streams', () => {
    const keyOf = (destination: Parameters<typeof driverOf>[0]) =>
      driverOf(destination).orderKey(destination, payload);

    expect(keyOf(fifoTopicDestination)).toBe('topic:ws-acme/orders-fifo:visitor:visitor_123');
    expect(keyOf(fifoQueueDestination)).toBe('queue:ws-acme/orders-queue-fifo:visitor:visitor_123');
    expect(keyOf(streamDestination)).toBe('stream:ws-acme/clickstream:visitor:visitor_123');
    for (const unordered of [
      standardTopicDestination,
      standardQueueDestination,
      busDestination,
      lambdaDestination,
    ]) {
      expect(keyOf(unordered)).toBeUndefined();
    }
  });

  it("sizes an event as the destination counts it, against the destination's limit", () => {
    const message = JSON.stringify(payload);
    const sizeOf = (destination: Parameters<typeof driverOf>[0]) =>
      driverOf(destination).size(destination, { payload, message });
    const bytes = Buffer.byteLength(message);

    expect(sizeOf(lambdaDestination)).toEqual({ bytes, limit: 1_048_576 });
    // Attributes (SNS, SQS), the partition key (Kinesis), Source and DetailType (EventBridge) count too.
    expect(sizeOf(standardTopicDestination).bytes).toBeGreaterThan(bytes);
    expect(sizeOf(standardQueueDestination)).toEqual(sizeOf(standardTopicDestination));
    expect(sizeOf(streamDestination)).toEqual({ bytes: bytes + 'visitor_123'.length, limit: 1_048_576 });
    expect(sizeOf(busDestination)).toEqual({
      bytes: bytes + 'acme.cdp'.length + 'Order Completed'.length,
      limit: 262_144,
    });
  });

  it("classifies each service's per-entry failures: transient ones retried, the sender's dead-lettered", () => {
    const verdict = (type: keyof typeof DRIVERS, code: string, senderFault?: boolean) => {
      const error = DRIVERS[type].entryFailure(code, 'entry failed', senderFault);
      return `${error.code}/${error.retryable}`;
    };

    expect(verdict('sns', 'InternalError')).toBe('ServiceUnavailable/true');
    expect(verdict('sqs', 'SomethingNew', true)).toBe('InvalidParameter/false');
    expect(verdict('kinesis', 'ProvisionedThroughputExceededException')).toBe('Throttled/true');
    expect(verdict('kinesis', 'SomethingNew')).toBe('InvalidParameter/false');
    expect(verdict('eventbridge', 'ThrottlingException')).toBe('Throttled/true');
    expect(verdict('eventbridge', 'MalformedDetail')).toBe('InvalidParameter/false');
  });
});
