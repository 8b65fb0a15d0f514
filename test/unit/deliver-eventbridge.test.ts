import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import type { OutgoingEvent } from '../../lambda/dispatcher/deliver/drivers/driver';
import { planEventBatches, putEvents } from '../../lambda/dispatcher/deliver/drivers/eventbridge';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { busDestination, ingestMessage } from '../support/fixtures';

const eventBridge = mockClient(EventBridgeClient);

const event = (overrides: Record<string, unknown> = {}): OutgoingEvent => {
  const parsed = parseIngestMessage(JSON.stringify(ingestMessage({ event: overrides })));
  if (!parsed.ok) throw new Error(parsed.reason);
  return { payload: parsed.payload, message: JSON.stringify(parsed.payload) };
};

beforeEach(() => eventBridge.reset());

describe('planEventBatches', () => {
  it("puts the payload as Detail, the event name as DetailType, the destination's Source, on its bus", () => {
    const one = event();

    const [[{ entry }]] = planEventBatches(busDestination, [one]).batches;

    expect(entry).toEqual({
      EventBusName: busDestination.eventBusArn,
      Source: 'acme.cdp',
      DetailType: 'Order Completed',
      Detail: one.message,
    });
  });

  it('puts at most 10 entries and 256 KiB in a call', () => {
    const small = Array.from({ length: 12 }, (_, i) => event({ distinct_id: `e${i}` }));
    const large = Array.from({ length: 3 }, (_, i) =>
      event({ distinct_id: `l${i}`, event_properties: { blob: 'x'.repeat(100_000) } }),
    );

    expect(planEventBatches(busDestination, small).batches.map((b) => b.length)).toEqual([10, 2]);
    expect(planEventBatches(busDestination, large).batches.map((b) => b.length)).toEqual([2, 1]);
  });

  it('fails, with its reason, an event over the size limit or with a name too long for a DetailType', () => {
    const events = [
      event({ distinct_id: 'ok' }),
      event({ distinct_id: 'big', event_properties: { blob: 'x'.repeat(300_000) } }),
      event({ distinct_id: 'long-name', event: 'n'.repeat(129) }),
    ];

    const { batches, rejected } = planEventBatches(busDestination, events);

    expect(batches.flat().map((p) => p.index)).toEqual([0]);
    expect(rejected.map(({ index, result }) => [index, !result.ok && result.error.code])).toEqual([
      [1, 'PayloadTooLarge'],
      [2, 'InvalidParameter'],
    ]);
  });
});

describe('putEvents', () => {
  it('reads each entry: internal failures and throttling retried, malformed or unauthorised not', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 3,
      Entries: [
        { EventId: 'id-0' },
        { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
        { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' },
        { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'no' },
      ],
    });
    const [batch] = planEventBatches(
      busDestination,
      ['a', 'b', 'c', 'd'].map((id) => event({ distinct_id: id })),
    ).batches;

    const results = await putEvents(new EventBridgeClient({ region: 'us-east-1' }), batch);

    expect(results.map((r) => (r.ok ? 'ok' : `${r.error.code}/${r.error.retryable}`))).toEqual([
      'ok',
      'Throttled/true',
      'ServiceUnavailable/true',
      'AccessDenied/false',
    ]);
  });
});
