import { eventsOfBody } from '../../lambda/shared/ingest-batch';
import { DeliveryLedger } from '../../local/ledger';
import { buildReport, type DeadLetterRecord, formatReport } from '../../local/report';

const topic = (account: string) => ({
  id: 'orders',
  type: 'sns' as const,
  topicArn: `arn:aws:sns:us-east-1:${account}:orders`,
  roleArn: `arn:aws:iam::${account}:role/event-delivery/EventDelivery`,
  events: ['*'],
});
const element = (distinctId: string, visitorId = 'v1') => ({
  event: { event: 'Order Completed', distinct_id: distinctId },
  visitor: { visitor_id: visitorId },
});
const batch = (workspace: string, events: unknown[]) => JSON.stringify({ workspace_id: workspace, events });

/** Records each valid event of these bodies as processed by its workspace's topic consumer, in order. */
function processAll(
  ledger: DeliveryLedger,
  bodies: readonly string[],
  skip: (distinctId: string) => boolean = () => false,
) {
  for (const body of bodies) {
    for (const { message } of eventsOfBody(body).events) {
      if (message.ok && !skip(message.payload.event.distinct_id))
        ledger.recordProcessed(`${message.workspaceId}/orders`, message.payload);
    }
  }
}

function report(
  sentBodies: string[],
  ledger: DeliveryLedger,
  deadLetters: DeadLetterRecord[] = [],
  orderedScopes: string[] = [],
) {
  return buildReport({
    sentBodies,
    rejected: [],
    firstSentAt: new Map(sentBodies.map((b) => [b, 0])),
    workspaces: [
      { id: 'ws-a', destinations: [topic('111111111111')] },
      { id: 'ws-b', destinations: [topic('222222222222')] },
    ],
    ledger,
    deadLetters,
    durationMs: 1,
    orderedScopes,
    offloaded: new Map(),
  });
}

const platformLetter = (body: string, errorCode = 'InvalidEvent'): DeadLetterRecord => ({
  body,
  errorCode,
  source: 'platform',
});

describe('the demo report, with batched messages', () => {
  const invalidElement = { ...element('bad'), workspace_id: 'ws-b' };
  const messages = [
    batch('ws-a', [element('e1'), invalidElement, element('e2', 'v2')]),
    batch('ws-b', [element('e1'), element('e3')]),
  ];
  const invalidEnvelope = batch('ws-a', []);
  /** The invalid element's own body, as the dispatcher dead-letters it. */
  const elementBody = eventsOfBody(messages[0]).events[1].body;

  it('expects every event of every batch, and counts messages and events sent', () => {
    // Prepare: one batch sent twice.
    const ledger = new DeliveryLedger();
    processAll(ledger, messages);

    // Act
    const result = report([...messages, messages[1], invalidEnvelope], ledger, [
      platformLetter(elementBody),
      platformLetter(invalidEnvelope),
    ]);

    // Assess
    expect(result.sent).toBe(4);
    expect(result.events).toBe(3 + 2 + 2 + 1);
    expect(result.unique).toBe(4 + 2);
    expect(result.destinations['ws-a/orders'].delivered).toBe(2);
    expect(result.destinations['ws-b/orders'].delivered).toBe(2);
    expect(result.unaccounted).toBe(0);
    expect(result.verdict).toMatch(/^PASS/);
    expect(formatReport(result)).toContain('Sent 4 messages carrying 8 events (6 unique events)');
  });

  it('misses an invalid element without its own dead letter, though its neighbours were delivered', () => {
    const ledger = new DeliveryLedger();
    processAll(ledger, messages);

    // The whole batch's body is not the element's letter.
    const result = report(messages, ledger, [platformLetter(messages[0])]);

    expect(result.unaccounted).toBe(1);
    expect(result.verdict).toMatch(/^FAIL: 1 events unaccounted for/);
  });

  it('misses an event of a batch that was neither delivered nor dead-lettered', () => {
    const ledger = new DeliveryLedger();
    processAll(ledger, messages, (id) => id === 'e3');

    const result = report(messages, ledger, [platformLetter(elementBody)]);

    expect(result.unaccounted).toBe(1);
    expect(result.unaccountedSamples[0]).toContain('"e3"');
  });

  it('expects an invalid envelope to be dead-lettered once, whole', () => {
    const result = report([invalidEnvelope], new DeliveryLedger());
    const lettered = report([invalidEnvelope], new DeliveryLedger(), [platformLetter(invalidEnvelope)]);

    expect(result.unique).toBe(1);
    expect(result.unaccounted).toBe(1);
    expect(lettered.unaccounted).toBe(0);
  });

  it("judges a batch's events by content per workspace: ws-b's copy of e1 is not ws-a's", () => {
    const ledger = new DeliveryLedger();
    processAll(ledger, messages);
    const [workspaceBCopy] = eventsOfBody(messages[1]).events;
    if (!workspaceBCopy.message.ok) throw new Error('expected a valid event');
    ledger.recordProcessed('ws-a/orders', {
      ...workspaceBCopy.message.payload,
      visitor: { visitor_id: 'v9' },
    });

    const result = report(messages, ledger, [platformLetter(elementBody)]);

    expect(result.unexpectedContent + result.crossWorkspaceDeliveries).toBe(1);
    expect(result.verdict).toMatch(/^FAIL/);
  });

  it("checks a visitor's order within a batch, whose events share their message's send time", () => {
    const ordered = [batch('ws-a', [element('e1'), element('e2'), element('e3')])];
    const inOrder = new DeliveryLedger();
    processAll(inOrder, ordered);
    const reversed = new DeliveryLedger();
    processAll(reversed, [batch('ws-a', [element('e3'), element('e2'), element('e1')])]);

    expect(report(ordered, inOrder, [], ['ws-a/orders']).fifoOrderViolations).toBe(0);
    expect(report(ordered, reversed, [], ['ws-a/orders']).fifoOrderViolations).toBe(2);
  });
});
