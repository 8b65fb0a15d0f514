import { createHash } from 'node:crypto';
import { mappingReport, testMappings, toCsv } from '../../lambda/control-plane/registry/mapping-report';
import { specOf, standardTopicDestination } from '../support/fixtures';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const marketing = {
  ...specOf(standardTopicDestination),
  events: ['Order Completed'],
  requiredConsent: ['marketing'],
  mapping: {
    mode: 'all' as const,
    events: { 'Order Completed': 'order_completed' },
    properties: { 'visitor.email': 'keep' as const },
  },
};
const plain = { ...specOf(standardTopicDestination), id: 'analytics' };
const line = (extra: object) =>
  JSON.stringify({
    workspace_id: 'ws-acme',
    event: { event: 'Order Completed', distinct_id: 'e1' },
    visitor: { visitor_id: 'v1', email: ' Pat@Example.com ', phone: '+1 555 0100' },
    ...extra,
  });

describe('mapping test', () => {
  it('prints what each destination would receive, or why not, as the dispatcher computes it', () => {
    const results = testMappings(
      'ws-acme',
      [marketing, plain],
      [line({ consent: ['marketing'] }), line({}), 'nope'],
    );

    expect(results.map(({ line: n, destination, outcome }) => [n, destination, outcome])).toEqual([
      [1, 'marketing', 'delivered'],
      [1, 'analytics', 'delivered'],
      [2, 'marketing', 'blocked by consent'],
      [2, 'analytics', 'delivered'],
      [3, '*', 'invalid'],
    ]);
    expect(results[0].payload?.event.event).toBe('order_completed');
    expect(results[0].payload?.visitor.email).toBe(' Pat@Example.com ');
    expect(results[1].payload?.visitor).toEqual({
      visitor_id: 'v1',
      email: sha('pat@example.com'),
      phone: sha('15550100'),
    });
  });

  it('reports an event past the mapping limits for the destination it would be dead-lettered for', () => {
    const expanding = JSON.stringify({
      workspace_id: 'ws-acme',
      event: { event: 'Order Completed', distinct_id: 'e1' },
      visitor: { visitor_id: 'v1', email: new Array(90_000).fill('0000000') },
    });

    const results = testMappings('ws-acme', [marketing, plain], [expanding]);

    expect(results.map(({ destination, outcome, reason }) => [destination, outcome, reason])).toEqual([
      ['marketing', 'blocked by consent', 'requires marketing'],
      [
        'analytics',
        'invalid',
        'MappingLimitExceeded: mapping limit maxMappedBytes exceeded: the mapped event would be larger than 2097152 bytes',
      ],
    ]);
  });
});

describe('mapping export', () => {
  it('lists per destination the events, their outgoing names, the consent and every property treatment', () => {
    const rows = mappingReport([marketing, plain]);

    expect(rows.filter((r) => r.destination === 'marketing')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          events: 'Order Completed → order_completed',
          consent: 'marketing',
          property: 'visitor.email',
          treatment: 'sent as is',
        }),
        expect.objectContaining({
          property: 'any property named like "phonenumber"',
          treatment: 'SHA-256 of the normalised value',
        }),
        expect.objectContaining({
          property: 'any property named like "dateofbirth"',
          treatment: 'replaced by [redacted]',
        }),
        expect.objectContaining({
          property: expect.stringMatching(
            /^any property whose last words are one of those names.*billing_phone/,
          ),
          treatment: 'as that name',
        }),
        expect.objectContaining({
          property: 'email addresses and phone numbers inside any other string',
          treatment: 'each replaced in place by the SHA-256 of its normalised value',
        }),
      ]),
    );
    expect(rows.find((r) => r.destination === 'analytics')?.consent).toBe('none required');
    const csv = toCsv(rows).split('\n');
    expect(csv[0]).toBe('destination,type,arn,events,consent,mode,scope,property,treatment');
    expect(csv).toHaveLength(rows.length + 1);
  });
});
