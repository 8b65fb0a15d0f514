import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CircuitBreakers,
  DEFAULT_BREAKER_SETTINGS,
} from '../../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import type { Destination } from '../../lambda/shared/destination-config';
import { capturingLogger } from '../support/capture-logs';
import { dispatchDependencies } from '../support/dispatch-dependencies';
import {
  everyEntryPublished,
  everyMessageSent,
  ingestMessage,
  lambdaDestination,
  registryOf,
  sqsRecord,
  standardTopicDestination,
} from '../support/fixtures';

/**
 * Capacity is shared by workspace: one workspace's destinations, however many and however slow,
 * never take the call slots or the time another workspace's events need, on a standard or a FIFO
 * ingest queue.
 */

const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);

const ATTACKER = 'ws-attacker';
const VICTIM = 'ws-victim';
const attackerFunctions: Destination[] = [1, 2, 3, 4].map((n) => ({
  ...lambdaDestination,
  workspaceId: ATTACKER,
  externalId: 'ext-attacker-000001',
  id: `slow-fn-${n}`,
  functionArn: `arn:aws:lambda:us-east-1:111122223333:function:slow-${n}`,
  invocationType: 'RequestResponse' as const,
}));
const victimTopic: Destination = {
  ...standardTopicDestination,
  workspaceId: VICTIM,
  externalId: 'ext-victim-00000001',
  topicArn: 'arn:aws:sns:us-east-1:444455556666:events',
  roleArn: 'arn:aws:iam::444455556666:role/event-delivery/EventDelivery',
};

let logs: ReturnType<typeof capturingLogger>;

beforeEach(() => {
  sns.reset();
  lambda.reset();
  sqs.reset();
  sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);
  logs = capturingLogger();
});

const dependencies = (destinations: Destination[], overrides: Partial<DispatchDependencies> = {}) =>
  dispatchDependencies(registryOf(destinations), logs.logger, { concurrency: 16, ...overrides });

const event = (workspaceId: string, distinctId: string, visitorId: string) =>
  ingestMessage({ workspaceId, event: { distinct_id: distinctId }, visitor: { visitor_id: visitorId } });

/** When each published event went out, by distinct id, in ms from `since`. */
function publishTimes(since: number): Map<string, number> {
  const times = new Map<string, number>();
  sns.on(PublishBatchCommand).callsFake((input) => {
    for (const entry of input.PublishBatchRequestEntries ?? []) {
      times.set(entry.MessageAttributes?.distinct_id.StringValue ?? '', Date.now() - since);
    }
    return everyEntryPublished(input);
  });
  return times;
}

/** Every Invoke answers after `ms` (or hangs, when longer than the test). */
function invokesAnswerAfter(ms: number): void {
  lambda
    .on(InvokeCommand)
    .callsFake(
      () =>
        new Promise((resolve) =>
          setTimeout(() => resolve({ StatusCode: 200, Payload: undefined }), ms).unref(),
        ),
    );
}

describe('capacity shared by workspace', () => {
  it("delivers a workspace's events at once beside another workspace's four hung destinations", async () => {
    // Prepare: 50 events of the attacker (to all four of its hung functions) queued first, then
    // 50 of the victim (to its topic). Calls that hang are cut after 1 s of patience: the victim's
    // events must go out well before that, not after the attacker's calls are cut (a bound with
    // room for a loaded machine, where the test once took 425 ms to publish against a 200 ms cut).
    invokesAnswerAfter(60_000);
    const started = Date.now();
    const published = publishTimes(started);
    const records = [
      ...Array.from({ length: 50 }, (_, i) => sqsRecord(event(ATTACKER, `a${i}`, `v${i}`))),
      ...Array.from({ length: 50 }, (_, i) => sqsRecord(event(VICTIM, `b${i}`, `v${i}`))),
    ];
    const breakers = new CircuitBreakers({
      ...DEFAULT_BREAKER_SETTINGS,
      minPatienceMs: 1_000,
      maxPatienceMs: 1_000,
    });

    // Act
    const response = await dispatchBatch(
      records,
      dependencies([...attackerFunctions, victimTopic], { breakers }),
    );

    // Assess: all 50 of the victim's events published within its first calls, the batch over
    // once the attacker's calls had run out of patience, only the attacker's records failed.
    const took = Date.now() - started;
    expect(published.size).toBe(50);
    expect(Math.max(...published.values())).toBeLessThan(500);
    expect(took).toBeLessThan(5_000);
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    expect(records.filter((r) => failed.has(r.messageId)).every((r) => r.body.includes(ATTACKER))).toBe(true);
    expect(failed.size).toBe(50);
  });

  it('gives every slot to whoever still has calls once the others are done', async () => {
    // Prepare: one quick topic event and 64 events to one function answering after 20 ms.
    let inFlight = 0;
    let peak = 0;
    lambda.on(InvokeCommand).callsFake(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight -= 1;
      return { StatusCode: 202 };
    });
    sns.on(PublishBatchCommand).callsFake(everyEntryPublished);
    const functionOnly = { ...lambdaDestination, events: ['Order Completed'] };
    const topicOnly = { ...standardTopicDestination, events: ['Signed Up'] };
    const records = [
      sqsRecord(ingestMessage({ event: { distinct_id: 's', event: 'Signed Up' } })),
      ...Array.from({ length: 64 }, (_, i) => sqsRecord(ingestMessage({ event: { distinct_id: `o${i}` } }))),
    ];

    // Act
    const response = await dispatchBatch(records, dependencies([functionOnly, topicOnly]));

    // Assess: the function used all 16 slots, not a static half.
    expect(response.batchItemFailures).toEqual([]);
    expect(peak).toBe(16);
  });
});

describe('FIFO ingest: order per (workspace, message group)', () => {
  const fifoRecord = (workspaceId: string, distinctId: string, group: string) =>
    sqsRecord(event(workspaceId, distinctId, 'visitor_1'), { messageId: distinctId, messageGroupId: group });

  it("never holds a workspace's events behind another's failure in a message group of the same id", async () => {
    // Prepare: both workspaces' producers used the bare visitor id as the group; the attacker's
    // function fails its first call.
    const attackerFunction = attackerFunctions[0];
    lambda
      .on(InvokeCommand)
      .rejectsOnce(Object.assign(new Error('boom'), { name: 'ServiceException' }))
      .resolves({ StatusCode: 200 });
    const published = publishTimes(Date.now());
    const records = [
      fifoRecord(ATTACKER, 'a1', 'visitor_1'),
      fifoRecord(VICTIM, 'b1', 'visitor_1'),
      fifoRecord(ATTACKER, 'a2', 'visitor_1'),
      fifoRecord(VICTIM, 'b2', 'visitor_1'),
    ];

    // Act
    const response = await dispatchBatch(records, dependencies([attackerFunction, victimTopic]));

    // Assess: the attacker's group is held behind its failure; the victim's went through.
    expect([...published.keys()].sort()).toEqual(['b1', 'b2']);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }, { itemIdentifier: 'a2' }]);
  });

  it('never makes a message group wait for a slow destination it does not go to', async () => {
    // Prepare: the attacker's group goes to a function answering after 300 ms (never failing);
    // the victim's group, three events, to its topic.
    invokesAnswerAfter(300);
    const started = Date.now();
    const published = publishTimes(started);
    const records = [
      fifoRecord(ATTACKER, 'a1', `${ATTACKER}:visitor_1`),
      fifoRecord(VICTIM, 'b1', `${VICTIM}:visitor_1`),
      fifoRecord(ATTACKER, 'a2', `${ATTACKER}:visitor_1`),
      fifoRecord(VICTIM, 'b2', `${VICTIM}:visitor_1`),
      fifoRecord(ATTACKER, 'a3', `${ATTACKER}:visitor_1`),
      fifoRecord(VICTIM, 'b3', `${VICTIM}:visitor_1`),
    ];

    // Act
    const response = await dispatchBatch(records, dependencies([attackerFunctions[0], victimTopic]));

    // Assess: the victim's three events went out in order, each without waiting for the function.
    expect(response.batchItemFailures).toEqual([]);
    expect([...published.keys()]).toEqual(['b1', 'b2', 'b3']);
    expect(published.get('b3')).toBeLessThan(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
  });

  it('still shares batch calls between message groups moving in step', async () => {
    // Prepare: ten groups of one workspace, two events each, to one topic.
    sns.on(PublishBatchCommand).callsFake(everyEntryPublished);
    const records = [0, 1].flatMap((n) =>
      Array.from({ length: 10 }, (_, g) => fifoRecord(VICTIM, `g${g}-${n}`, `${VICTIM}:visitor_${g}`)),
    );

    // Act
    const response = await dispatchBatch(records, dependencies([victimTopic]));

    // Assess: one PublishBatch of ten per wave, not one per event.
    expect(response.batchItemFailures).toEqual([]);
    const calls = sns
      .commandCalls(PublishBatchCommand)
      .map((c) => c.args[0].input.PublishBatchRequestEntries?.length);
    expect(calls).toEqual([10, 10]);
  });

  it('warns, naming only the workspace, when a producer sends groups without their workspace', async () => {
    sns.on(PublishBatchCommand).callsFake(everyEntryPublished);

    await dispatchBatch(
      [fifoRecord(VICTIM, 'b1', 'visitor_1'), fifoRecord(VICTIM, 'b2', `${VICTIM}:visitor_1`)],
      dependencies([victimTopic]),
    );

    const warnings = logs
      .lines()
      .filter((line) => line.includes('FIFO message groups without their workspace'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ workspaceIds: [VICTIM] });
    expect(warnings[0]).not.toContain('visitor_1');
  });
});
