import type { OutgoingEvent } from '../../lambda/dispatcher/deliver/drivers/driver';
import { planTopicBatches } from '../../lambda/dispatcher/deliver/drivers/sns';
import { planQueueBatches } from '../../lambda/dispatcher/deliver/drivers/sqs';
import { offloadKey } from '../../lambda/dispatcher/deliver/offload';
import type { Destination } from '../../lambda/shared/destination-config';
import {
  type EventIdentity,
  encodeEventIdentity,
  eventIdentityOf,
  hashEventIdentity,
} from '../../lambda/shared/event-identity';
import { type DeliveredPayload, parseIngestMessage } from '../../lambda/shared/ingest-message';
import { offloadPrefix } from '../../lib/constructs/payload-bucket';
import { DeliveryLedger } from '../../local/ledger';
import { buildReport } from '../../local/report';
import { fifoQueueDestination, fifoTopicDestination, ingestMessage } from '../support/fixtures';

/** The ingest body of an event of workspace ws-acme, from a visitor, with an id. */
const bodyOf = (visitorId: string, distinctId: string) =>
  JSON.stringify(ingestMessage({ visitor: { visitor_id: visitorId }, event: { distinct_id: distinctId } }));

const payloadOf = (visitorId: string, distinctId: string): DeliveredPayload => {
  const parsed = parseIngestMessage(bodyOf(visitorId, distinctId));
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.payload;
};

const outgoing = (payload: DeliveredPayload): OutgoingEvent => ({
  payload,
  message: JSON.stringify(payload),
});

/**
 * Pairs of (visitor_id, distinct_id) that are different events to a consumer but that the old
 * encoding, `visitor + "\n" + distinct_id`, merged: a newline inside an id moves the border.
 */
const CRAFTED: [string, [string, string], [string, string]][] = [
  ['a newline inside the visitor id', ['visitor\nevt', '1'], ['visitor', 'evt\n1']],
  ['a newline inside the distinct_id', ['v\n', 'e'], ['v', '\ne']],
];

describe('encodeEventIdentity', () => {
  const identity: EventIdentity = {
    workspaceId: 'ws-acme',
    destinationId: 'orders-fifo',
    visitorId: 'visitor_123',
    distinctId: 'evt_0001',
  };

  it('gives every part its own place, whatever the ids contain', () => {
    expect(JSON.parse(encodeEventIdentity(identity))).toEqual([
      'ws-acme',
      'orders-fifo',
      'visitor_123',
      'evt_0001',
    ]);
    for (const [, [v1, d1], [v2, d2]] of CRAFTED) {
      const one = { ...identity, visitorId: v1, distinctId: d1 };
      const other = { ...identity, visitorId: v2, distinctId: d2 };
      expect(encodeEventIdentity(one)).not.toBe(encodeEventIdentity(other));
      expect(hashEventIdentity(one)).not.toBe(hashEventIdentity(other));
    }
    // Lone surrogates (refused at ingest, but not by this function) are escaped, not both hashed as U+FFFD.
    expect(hashEventIdentity({ ...identity, visitorId: '\ud800' })).not.toBe(
      hashEventIdentity({ ...identity, visitorId: '\udbff' }),
    );
  });

  it('hashes to 64 hex characters, the same for the same identity', () => {
    expect(hashEventIdentity(identity)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashEventIdentity({ ...identity })).toBe(hashEventIdentity(identity));
  });
});

describe.each([
  [
    'an SNS FIFO topic',
    fifoTopicDestination as Destination,
    (payloads: DeliveredPayload[]) =>
      planTopicBatches(fifoTopicDestination, payloads.map(outgoing)).batches.flat(),
  ],
  [
    'an SQS FIFO queue',
    fifoQueueDestination as Destination,
    (payloads: DeliveredPayload[]) =>
      planQueueBatches(fifoQueueDestination, payloads.map(outgoing)).batches.flat(),
  ],
])('the deduplication id at %s', (_, destination, plan) => {
  const idsOf = (...payloads: DeliveredPayload[]) =>
    plan(payloads)
      .sort((a, b) => a.index - b.index)
      .map((p) => p.entry.MessageDeduplicationId);

  it("differs for two visitors' events sharing a distinct_id, so the service drops neither", () => {
    const [one, other] = idsOf(payloadOf('visitor-a', 'evt_1'), payloadOf('visitor-b', 'evt_1'));

    expect(one).toMatch(/^[0-9a-f]{64}$/);
    expect(other).not.toBe(one);
  });

  it.each(CRAFTED)('differs for a pair the old encoding merged: %s', (_, [v1, d1], [v2, d2]) => {
    const [one, other] = idsOf(payloadOf(v1, d1), payloadOf(v2, d2));

    expect(other).not.toBe(one);
  });

  it('is the same for the same event sent again, and differs in another workspace', () => {
    const event = payloadOf('visitor-a', 'evt_1');
    const [first] = idsOf(event);
    const [again] = idsOf(payloadOf('visitor-a', 'evt_1'));

    expect(again).toBe(first);
    expect(first).toBe(hashEventIdentity(eventIdentityOf(destination, event)));
    expect(hashEventIdentity(eventIdentityOf({ ...destination, workspaceId: 'ws-other' }, event))).not.toBe(
      first,
    );
  });
});

describe('offloadKey', () => {
  it("gives two visitors' events sharing a distinct_id their own objects", () => {
    const one = offloadKey(fifoTopicDestination, payloadOf('visitor-a', 'evt_1'));
    const other = offloadKey(fifoTopicDestination, payloadOf('visitor-b', 'evt_1'));

    expect(other).not.toBe(one);
  });

  it.each(CRAFTED)('gives a pair the old encoding merged their own objects: %s', (_, [v1, d1], [v2, d2]) => {
    expect(offloadKey(fifoTopicDestination, payloadOf(v1, d1))).not.toBe(
      offloadKey(fifoTopicDestination, payloadOf(v2, d2)),
    );
  });

  it("keeps the prefix the bucket policy gives the destination's delivery role: only the object name changed", () => {
    const key = offloadKey(fifoTopicDestination, payloadOf('visitor\nevt', '1'));

    expect(key.startsWith(offloadPrefix(fifoTopicDestination))).toBe(true);
    expect(key).toBe(`111122223333/ws-acme/orders-fifo/${key.split('/')[3]}`);
    expect(key.split('/')[3]).toMatch(/^[0-9a-f]{64}\.json$/);
  });
});

describe("the local runtime's ledger", () => {
  const scope = 'ws-acme/orders';
  const [, first, second] = CRAFTED[0];

  it('keeps both events of a pair the old key merged', () => {
    const ledger = new DeliveryLedger();

    ledger.recordProcessed(scope, payloadOf(...first));
    ledger.recordProcessed(scope, payloadOf(...second));

    expect(ledger.processedIn(scope).size).toBe(2);
    expect(ledger.digests.get(scope)?.size).toBe(2);
  });

  it('reports the second event of such a pair unaccounted for when only the first was processed', () => {
    const bodies = [bodyOf(...first), bodyOf(...second)];
    const ledger = new DeliveryLedger();
    ledger.recordProcessed(scope, payloadOf(...first));

    const report = buildReport({
      sentBodies: bodies,
      rejected: [],
      firstSentAt: new Map(bodies.map((b) => [b, 0])),
      workspaces: [
        {
          id: 'ws-acme',
          destinations: [
            {
              id: 'orders',
              type: 'sns',
              topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
              roleArn: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery',
              events: ['*'],
            },
          ],
        },
      ],
      ledger,
      deadLetters: [],
      durationMs: 1,
      orderedScopes: [],
      offloaded: new Map(),
    });

    expect(report.unique).toBe(2);
    expect(report.unaccounted).toBe(1);
    expect(report.destinations[scope].delivered).toBe(1);
    expect(report.verdict).toMatch(/^FAIL/);
  });
});
