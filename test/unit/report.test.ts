import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { DeliveryLedger } from '../../local/ledger';
import { buildReport } from '../../local/report';

const topic = (account: string) => ({
  id: 'orders',
  type: 'sns' as const,
  topicArn: `arn:aws:sns:us-east-1:${account}:orders`,
  roleArn: `arn:aws:iam::${account}:role/event-delivery/EventDelivery`,
  events: ['*'],
});
// The same ids in both workspaces, different content.
const body = (workspace: string, total: number) =>
  JSON.stringify({
    workspace_id: workspace,
    event: { event: 'Order Completed', distinct_id: 'e1', event_properties: { total } },
    visitor: { visitor_id: 'v1' },
  });
const payloadOf = (text: string) => {
  const parsed = parseIngestMessage(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.payload;
};

function report(
  record: (ledger: DeliveryLedger, bodies: [string, string]) => void,
  extra: { fifoGroupsWithoutWorkspace?: number } = {},
) {
  const bodies: [string, string] = [body('ws-a', 1), body('ws-b', 2)];
  const ledger = new DeliveryLedger();
  record(ledger, bodies);
  return buildReport({
    sentBodies: bodies,
    rejected: [],
    firstSentAt: new Map(bodies.map((b) => [b, 0])),
    workspaces: [
      { id: 'ws-a', destinations: [topic('111111111111')] },
      { id: 'ws-b', destinations: [topic('222222222222')] },
    ],
    ledger,
    deadLetters: [],
    durationMs: 1,
    orderedScopes: [],
    offloaded: new Map(),
    ...extra,
  });
}

describe('the demo report', () => {
  it('passes when each workspace destination processed its own workspace events', () => {
    const result = report((ledger, [a, b]) => {
      ledger.recordProcessed('ws-a/orders', payloadOf(a));
      ledger.recordProcessed('ws-b/orders', payloadOf(b));
    });

    expect(result.crossWorkspaceDeliveries).toBe(0);
    expect(result.unaccounted).toBe(0);
    expect(Object.keys(result.destinations)).toEqual(['ws-a/orders', 'ws-b/orders']);
    expect(result.verdict).toMatch(/^PASS/);
  });

  it("fails when a destination processed another workspace's event, judged by content though the ids match", () => {
    const result = report((ledger, [a]) => {
      ledger.recordProcessed('ws-a/orders', payloadOf(a));
      ledger.recordProcessed('ws-b/orders', payloadOf(a));
    });

    expect(result.crossWorkspaceDeliveries).toBe(1);
    expect(result.verdict).toMatch(/^FAIL: .*1 delivered to another workspace/);
  });

  it('fails a FIFO ingest run where a message group did not name its workspace', () => {
    const processedAll = (ledger: DeliveryLedger, [a, b]: [string, string]) => {
      ledger.recordProcessed('ws-a/orders', payloadOf(a));
      ledger.recordProcessed('ws-b/orders', payloadOf(b));
    };

    const scoped = report(processedAll, { fifoGroupsWithoutWorkspace: 0 });
    const unscoped = report(processedAll, { fifoGroupsWithoutWorkspace: 2 });

    expect(scoped.verdict).toMatch(/^PASS/);
    expect(unscoped.verdict).toMatch(/^FAIL: .*2 FIFO message groups without their workspace/);
  });

  it('accounts for an event past the mapping limits by its dead letter for that destination', () => {
    const poison = JSON.stringify({
      workspace_id: 'ws-a',
      event: { event: 'Order Completed', distinct_id: 'poison' },
      visitor: { visitor_id: 'v1', email: new Array(90_000).fill('0000000') },
    });

    const result = buildReport({
      sentBodies: [poison],
      rejected: [],
      firstSentAt: new Map([[poison, 0]]),
      workspaces: [{ id: 'ws-a', destinations: [topic('111111111111')] }],
      ledger: new DeliveryLedger(),
      deadLetters: [
        { body: poison, errorCode: 'MappingLimitExceeded', destinationId: 'orders', source: 'platform' },
      ],
      durationMs: 1,
      orderedScopes: [],
      offloaded: new Map(),
    });

    expect(result.unaccounted).toBe(0);
    expect(result.verdict).toMatch(/^PASS/);
  });
});

describe('the demo report with mappings and consent', () => {
  const marketing = {
    ...topic('333333333333'),
    requiredConsent: ['marketing'],
    mapping: { properties: { 'visitor.email': 'domain_only' as const } },
  };
  const consented = JSON.stringify({
    workspace_id: 'ws-a',
    event: { event: 'Signed Up', distinct_id: 'e1' },
    visitor: { visitor_id: 'v1', email: 'pat@example.com' },
    consent: ['marketing'],
  });
  const refused = JSON.stringify({
    workspace_id: 'ws-a',
    event: { event: 'Signed Up', distinct_id: 'e2' },
    visitor: { visitor_id: 'v1', email: 'pat@example.com' },
  });
  const run = (record: (ledger: DeliveryLedger) => void) => {
    const ledger = new DeliveryLedger();
    record(ledger);
    return buildReport({
      sentBodies: [consented, refused],
      rejected: [],
      firstSentAt: new Map([
        [consented, 0],
        [refused, 0],
      ]),
      workspaces: [{ id: 'ws-a', destinations: [marketing] }],
      ledger,
      deadLetters: [],
      durationMs: 1,
      orderedScopes: [],
      offloaded: new Map(),
    });
  };
  const asMapped = { ...payloadOf(consented), visitor: { visitor_id: 'v1', email: 'example.com' } };

  it('expects the mapped payload, and no event the visitor did not consent to', () => {
    const result = run((ledger) => ledger.recordProcessed('ws-a/orders', asMapped));

    expect(result.verdict).toMatch(/^PASS/);
    expect(result.destinations['ws-a/orders']).toMatchObject({ delivered: 1, blockedByConsent: 1 });
  });

  it('fails when a consumer got the payload unmapped, or an event without consent', () => {
    expect(
      run((ledger) => ledger.recordProcessed('ws-a/orders', payloadOf(consented))).unexpectedContent,
    ).toBe(1);
    const leaked = run((ledger) => {
      ledger.recordProcessed('ws-a/orders', asMapped);
      ledger.recordProcessed('ws-a/orders', {
        ...payloadOf(refused),
        visitor: { visitor_id: 'v1', email: 'example.com' },
      });
    });
    expect(leaked.unexpectedContent).toBe(1);
    expect(leaked.verdict).toMatch(/^FAIL/);
  });
});
