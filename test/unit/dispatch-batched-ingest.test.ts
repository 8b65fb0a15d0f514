import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { MAX_EVENTS_PER_BATCH } from '../../lambda/dispatcher/settle/defer';
import { readRetryBundle } from '../../lambda/dispatcher/settle/retry-bundle';
import { batchBody, batchElement, mockedDeliveryAws } from '../support/batched-ingest';
import { capturingLogger } from '../support/capture-logs';
import {
  DLQ_URL,
  dispatchDependencies,
  INGEST_URL,
  TEST_RETRY_POLICY,
} from '../support/dispatch-dependencies';
import {
  ingestMessage,
  lambdaDestination,
  registryOf,
  sqsRecord,
  standardTopicDestination,
  WORKSPACE_ID,
} from '../support/fixtures';

const INGEST = INGEST_URL;
const DLQ = DLQ_URL;
const policy = { ...TEST_RETRY_POLICY, random: () => 0.5 };

const aws = mockedDeliveryAws();
const { sentTo, published, invoked, functionFailsFor } = aws;
let logs: ReturnType<typeof capturingLogger>;

const deps = (overrides: Partial<DispatchDependencies> = {}): DispatchDependencies =>
  dispatchDependencies(registryOf([lambdaDestination, standardTopicDestination]), logs.logger, overrides);

const element = batchElement;
const batch = batchBody;
/** The single ingest message an element stands for, as retries and dead letters carry it. */
const bodyOf = (distinctId: string, visitorId = 'visitor_1') =>
  JSON.stringify({ workspace_id: WORKSPACE_ID, ...element(distinctId, visitorId) });

describe('dispatchBatch with batched ingest messages', () => {
  beforeEach(() => {
    aws.reset();
    logs = capturingLogger();
  });
  afterEach(() => logs.restore());

  it('delivers every event of a batch, and dead-letters an invalid one alone with its own body and reason', async () => {
    // Prepare
    const record = sqsRecord(
      batch(element('e1'), { event: { event: 'x' }, visitor: {} }, element('e3', 'visitor_3')),
      {
        messageId: 'm1',
      },
    );

    // Act
    const response = await dispatchBatch([record], deps());

    // Assess: its neighbours went everywhere, in calls shared as single messages' would be.
    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toEqual(['e1', 'e3']);
    expect(invoked()).toEqual(['e1', 'e3']);
    const [letter, ...others] = sentTo(DLQ);
    expect(others).toEqual([]);
    expect(JSON.parse(letter.MessageBody ?? '')).toEqual({
      workspace_id: WORKSPACE_ID,
      event: { event: 'x' },
      visitor: {},
    });
    expect(letter.MessageAttributes).toMatchObject({
      error_code: { StringValue: 'InvalidEvent' },
      error_message: {
        StringValue: 'visitor.visitor_id: Invalid input: expected string, received undefined',
      },
    });
  });

  it('retries a failed event for its destination alone, with its own body, and acknowledges the message', async () => {
    // Prepare: the function refuses e2 only.
    functionFailsFor('e2');
    const record = sqsRecord(batch(element('e1'), element('e2', 'visitor_2'), element('e3', 'visitor_3')), {
      messageId: 'm1',
      sentAt: Date.now(),
    });

    // Act
    const response = await dispatchBatch([record], deps({ retry: policy }));

    // Assess: e2 goes back for the function only; nothing of e1 or e3, nothing to the topic.
    expect(response.batchItemFailures).toEqual([]);
    const retries = sentTo(INGEST);
    expect(retries).toHaveLength(1);
    expect(retries[0].MessageAttributes?.target_destinations.StringValue).toBe(lambdaDestination.id);
    const body = retries[0].MessageBody ?? '';
    const bodies = readRetryBundle(body)?.map((e) => e.body) ?? [body];
    expect(bodies).toEqual([bodyOf('e2', 'visitor_2')]);
    expect(published()).toEqual(['e1', 'e2', 'e3']);
  });

  it('without a retry policy fails the message, so SQS redelivers it, and nothing else', async () => {
    functionFailsFor('e2');
    const records = [
      sqsRecord(batch(element('e1'), element('e2')), { messageId: 'm1' }),
      sqsRecord(batch(element('e3')), { messageId: 'm2' }),
    ];

    const response = await dispatchBatch(records, deps());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
  });

  it("on a FIFO ingest queue orders a batch's events per visitor, not across the message group", async () => {
    // Prepare: one group for the workspace's batches; visitor A's first event fails at the function.
    functionFailsFor('a1');
    const group = `${WORKSPACE_ID}:batched`;
    const records = [
      sqsRecord(batch(element('a1', 'A'), element('b1', 'B'), element('a2', 'A')), {
        messageId: 'm1',
        messageGroupId: group,
      }),
      sqsRecord(batch(element('b2', 'B'), element('a3', 'A')), { messageId: 'm2', messageGroupId: group }),
    ];

    // Act
    const response = await dispatchBatch(records, deps({ retry: policy }));

    // Assess: A's later events waited behind a1 everywhere; B's went through, in order, without waiting.
    expect(invoked()).toEqual(['a1', 'b1', 'b2']);
    expect(published()).toEqual(['a1', 'b1', 'b2']);
    // Both messages hold an A event that was not delivered: SQS redelivers them, in order.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(sentTo(INGEST)).toEqual([]);
  });

  it('dead-letters a batch whose envelope is wrong once, as it came', async () => {
    const body = JSON.stringify({ workspace_id: 'Not Valid', events: [element('e1')] });

    const response = await dispatchBatch([sqsRecord(body, { messageId: 'm1' })], deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(sentTo(DLQ).map((e) => [e.MessageBody, e.MessageAttributes?.error_code.StringValue])).toEqual([
      [body, 'InvalidEvent'],
    ]);
    expect(published()).toEqual([]);
  });

  it('never routes an event to another workspace, whatever an element says', async () => {
    const other = { ...element('x1'), workspace_id: 'ws-other' };
    const record = sqsRecord(batch(element('e1'), other, { ...element('x2'), destinations: ['marketing'] }));

    await dispatchBatch([record], deps({ registry: registryOf([standardTopicDestination]) }));

    expect(published()).toEqual(['e1', 'x2']);
    expect(sentTo(DLQ).map((e) => e.MessageAttributes?.error_message.StringValue)).toEqual([
      'events[1]: workspace_id belongs to the batch, not to its events',
    ]);
  });

  it(`prepares at most ${MAX_EVENTS_PER_BATCH} events a batch and sends the records past them back, bodies unchanged`, async () => {
    // Prepare: records of 1,000 events each, one more than the bound holds.
    const perRecord = 1_000;
    const records = Array.from({ length: MAX_EVENTS_PER_BATCH / perRecord + 1 }, (_, r) =>
      sqsRecord(batch(...Array.from({ length: perRecord }, (_, i) => element(`r${r}-${i}`, `v${i}`))), {
        messageId: `m${r}`,
        sentAt: Date.now(),
      }),
    );
    const last = records.at(-1);
    if (!last) throw new Error('no records');
    last.attributes.MessageGroupId = WORKSPACE_ID;
    last.messageAttributes = {
      redriven_at: { dataType: 'Number', stringValue: '1700000000000' },
      trace: { dataType: 'String', stringValue: 'abc' },
    } as never;

    // Act
    const response = await dispatchBatch(
      records,
      deps({ registry: registryOf([standardTopicDestination]), retry: policy }),
    );

    // Assess: the bound's worth delivered; the last record back on the ingest queue as it came, acknowledged.
    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toHaveLength(MAX_EVENTS_PER_BATCH);
    expect(published()).not.toContain(`r${records.length - 1}-0`);
    const [resent, ...others] = sentTo(INGEST);
    expect(others).toEqual([]);
    expect(resent).toMatchObject({
      MessageBody: last.body,
      MessageGroupId: WORKSPACE_ID,
      MessageAttributes: {
        redriven_at: { DataType: 'Number', StringValue: '1700000000000' },
        // No attempt used up: the record was not tried.
        retry_attempt: { DataType: 'Number', StringValue: '1' },
      },
    });
    // Only what the dispatcher reads: a producer's own attributes could pass SQS's 10.
    expect(resent.MessageAttributes?.trace).toBeUndefined();
    expect(resent.DelaySeconds).toBeUndefined();
  });

  it("defers a workspace's own records past the bound, not a neighbour's that came after them", async () => {
    // Prepare: workspace ws-acme's big batches fill the bound; ws-other's one event comes last.
    const big = (r: number) =>
      sqsRecord(batch(...Array.from({ length: 1_000 }, (_, i) => element(`a${r}-${i}`, `v${i}`))), {
        messageId: `a${r}`,
        messageGroupId: WORKSPACE_ID,
        standardQueue: true,
        sentAt: Date.now(),
      });
    const records = [
      ...Array.from({ length: MAX_EVENTS_PER_BATCH / 1_000 + 1 }, (_, r) => big(r)),
      sqsRecord(JSON.stringify(ingestMessage({ workspaceId: 'ws-other', event: { distinct_id: 'o1' } })), {
        messageId: 'o1',
        messageGroupId: 'ws-other',
        standardQueue: true,
      }),
    ];
    const registry = registryOf([
      standardTopicDestination,
      { ...standardTopicDestination, workspaceId: 'ws-other' },
    ]);

    // Act
    const response = await dispatchBatch(records, deps({ registry, retry: policy }));

    // Assess: the neighbour's event went out now; ws-acme's records past the bound went back
    // (its first four and the neighbour's one event fill 4,001 of the 5,000).
    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toContain('o1');
    const firstEventOf = (body = '') => JSON.parse(body).events[0].event.distinct_id;
    expect(sentTo(INGEST).map((e) => firstEventOf(e.MessageBody))).toEqual(['a4-0', 'a5-0']);
  });

  it('on a FIFO ingest queue defers nothing: its batches are 10 records at most', async () => {
    const records = Array.from({ length: MAX_EVENTS_PER_BATCH / 1_000 + 1 }, (_, r) =>
      sqsRecord(batch(...Array.from({ length: 1_000 }, (_, i) => element(`r${r}-${i}`, `v${i}`))), {
        messageId: `m${r}`,
        messageGroupId: `${WORKSPACE_ID}:batched`,
      }),
    );

    const response = await dispatchBatch(
      records,
      deps({ registry: registryOf([standardTopicDestination]), retry: policy }),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toHaveLength(records.length * 1_000);
    expect(sentTo(INGEST)).toEqual([]);
  });
});
