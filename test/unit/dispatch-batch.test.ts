import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeliveryClients } from '../../lambda/dispatcher/deliver/clients';
import { BrokenDestinations } from '../../lambda/dispatcher/deliver/failure-memory/broken-destinations';
import {
  CircuitBreakers,
  DEFAULT_BREAKER_SETTINGS,
} from '../../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../lambda/dispatcher/errors';
import { type Destination, destinationKey } from '../../lambda/shared/destination-config';
import { distinctIdHash } from '../../lambda/shared/log-ids';
import { capturingLogger } from '../support/capture-logs';
import {
  everyEntryPublished,
  everyMessageSent,
  fifoTopicDestination,
  ingestMessage,
  invokeResponsePayload,
  lambdaDestination,
  PERSONAL_DATA,
  registryOf,
  sqsRecord,
  standardTopicDestination,
  WORKSPACE_ID,
} from '../support/fixtures';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest-dlq';

const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);

const clients: DeliveryClients = { client: (Client) => new Client({ region: 'us-east-1' }) };

let logs: ReturnType<typeof capturingLogger>;

function dependencies(
  destinations: Destination[],
  overrides: Partial<DispatchDependencies> = {},
): DispatchDependencies {
  return {
    registry: registryOf(destinations),
    clients,
    sqs: new SQSClient({ region: 'us-east-1' }),
    deadLetterQueue: { url: DLQ_URL, fifo: false },
    logger: logs.logger,
    maxReceiveCount: 5,
    concurrency: 4,
    ...overrides,
  };
}

/** Every PublishBatch succeeds, entry by entry. */
const publishSucceeds = () => sns.on(PublishBatchCommand).callsFake(everyEntryPublished);

const deadLettersSucceed = () => sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);

const deadLetterEntries = () =>
  sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
const publishedDistinctIds = () =>
  sns
    .commandCalls(PublishBatchCommand)
    .map((c) =>
      (c.args[0].input.PublishBatchRequestEntries ?? []).map(
        (e) => e.MessageAttributes?.distinct_id.StringValue,
      ),
    );

const event = (distinctId: string, visitorId = 'visitor_123', name = 'Order Completed') =>
  ingestMessage({ event: { distinct_id: distinctId, event: name }, visitor: { visitor_id: visitorId } });

describe('dispatchBatch', () => {
  beforeEach(() => {
    sns.reset();
    lambda.reset();
    sqs.reset();
    logs = capturingLogger();
  });
  afterEach(() => logs.restore());

  it('delivers each event to every matching destination: one Invoke per event, one PublishBatch per topic', async () => {
    // Prepare
    publishSucceeds();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const records = [
      sqsRecord(event('e1')),
      sqsRecord(event('e2', 'visitor_9')),
      sqsRecord(event('e3', 'visitor_9', 'Page Viewed')),
    ];

    // Act
    const response = await dispatchBatch(
      records,
      dependencies([lambdaDestination, standardTopicDestination, fifoTopicDestination]),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    const byTopic = sns.commandCalls(PublishBatchCommand).map((c) => c.args[0].input);
    expect(byTopic.filter((i) => i.TopicArn === standardTopicDestination.topicArn)).toHaveLength(1);
    // FIFO: visitor_9 has two events, so they go out one after another.
    expect(
      byTopic
        .filter((i) => i.TopicArn === fifoTopicDestination.topicArn)
        .map((i) => i.PublishBatchRequestEntries?.length),
    ).toEqual([2, 1]);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('dead-letters invalid records with their reason and delivers the rest of the batch', async () => {
    publishSucceeds();
    deadLettersSucceed();
    const invalid = sqsRecord('{"event": {"event": "x"}, "visitor": {"email": "jane.doe@example.com"}}', {
      messageId: 'bad-1',
    });
    const notJson = sqsRecord('not json at all', { messageId: 'bad-2' });
    const good = sqsRecord(event('e1'), { messageId: 'good' });

    const response = await dispatchBatch([invalid, good, notJson], dependencies([standardTopicDestination]));

    expect(response.batchItemFailures).toEqual([]);
    expect(publishedDistinctIds()).toEqual([['e1']]);
    expect(deadLetterEntries()).toEqual([
      expect.objectContaining({
        MessageBody: invalid.body,
        MessageAttributes: {
          error_code: { DataType: 'String', StringValue: 'InvalidEvent' },
          error_message: { DataType: 'String', StringValue: expect.stringContaining('visitor.visitor_id') },
          attempts: { DataType: 'Number', StringValue: '1' },
        },
      }),
      expect.objectContaining({
        MessageBody: 'not json at all',
        MessageAttributes: expect.objectContaining({
          error_code: { DataType: 'String', StringValue: 'InvalidJson' },
        }),
      }),
    ]);
  });

  it('dead-letters a message naming an unconfigured destination with DestinationNotFound', async () => {
    deadLettersSucceed();
    const record = sqsRecord(ingestMessage({ destinations: ['no-such-destination'] }));

    const response = await dispatchBatch([record], dependencies([standardTopicDestination]));

    expect(response.batchItemFailures).toEqual([]);
    expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
    expect(deadLetterEntries()[0].MessageAttributes).toMatchObject({
      error_code: { StringValue: 'DestinationNotFound' },
      destination_id: { StringValue: 'no-such-destination' },
    });
  });

  it('reports retryable failures as batch item failures and dead-letters permanent ones at once', async () => {
    deadLettersSucceed();
    lambda.on(InvokeCommand).rejects(
      Object.assign(new Error('slow down'), {
        name: 'TooManyRequestsException',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));
    const record = sqsRecord(event('e1'), { messageId: 'm1', receiveCount: 2 });

    const response = await dispatchBatch(
      [record],
      dependencies([lambdaDestination, standardTopicDestination]),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(deadLetterEntries()).toEqual([
      expect.objectContaining({
        MessageBody: record.body,
        MessageAttributes: {
          error_code: { DataType: 'String', StringValue: 'AccessDenied' },
          error_message: { DataType: 'String', StringValue: expect.stringContaining('AuthorizationError') },
          destination_id: { DataType: 'String', StringValue: 'marketing' },
          attempts: { DataType: 'Number', StringValue: '2' },
          mapping_version: { DataType: 'Number', StringValue: '0' },
          workspace_id: { DataType: 'String', StringValue: 'ws-acme' },
        },
      }),
    ]);
  });

  it('dead-letters with RetriesExhausted on the last receive instead of retrying', async () => {
    deadLettersSucceed();
    sns
      .on(PublishBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    const record = sqsRecord(event('e1'), { messageId: 'm1', receiveCount: 5 });

    const response = await dispatchBatch([record], dependencies([standardTopicDestination]));

    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetterEntries()[0].MessageAttributes).toMatchObject({
      error_code: { StringValue: 'RetriesExhausted' },
      error_message: { StringValue: expect.stringMatching(/^ServiceUnavailable after 5 attempts/) },
      destination_id: { StringValue: 'marketing' },
      attempts: { StringValue: '5' },
    });
  });

  it('reports the record as failed when its dead letter cannot be written: nothing is lost', async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
      Successful: [{ Id: input.Entries[1].Id, MessageId: 'ok', MD5OfMessageBody: '' }],
      Failed: [{ Id: input.Entries[0].Id, Code: 'KMS.DisabledException', SenderFault: true }],
    }));
    const records = [sqsRecord('{}', { messageId: 'lost-write' }), sqsRecord('[]', { messageId: 'written' })];

    const response = await dispatchBatch(records, dependencies([standardTopicDestination]));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'lost-write' }]);
  });

  it('reports every dead-lettered record as failed when the dead-letter queue is unreachable', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable' }));

    const response = await dispatchBatch(
      [sqsRecord('{}', { messageId: 'a' }), sqsRecord('[]', { messageId: 'b' })],
      dependencies([]),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }]);
  });

  it("keeps a visitor's later events behind a failed one on a FIFO topic, other visitors unaffected", async () => {
    // Prepare: visitor A's first event fails once; visitor B is healthy.
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
        const entries = input.PublishBatchRequestEntries;
        const failing = entries.filter((e) => e.MessageAttributes?.distinct_id.StringValue === 'a1');
        return {
          Successful: entries.filter((e) => !failing.includes(e)).map((e) => ({ Id: e.Id })),
          Failed: failing.map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
        };
      });
    const records = [
      sqsRecord(event('a1', 'A'), { messageId: 'a1' }),
      sqsRecord(event('b1', 'B'), { messageId: 'b1' }),
      sqsRecord(event('a2', 'A'), { messageId: 'a2' }),
      sqsRecord(event('b2', 'B'), { messageId: 'b2' }),
      sqsRecord(event('a3', 'A'), { messageId: 'a3' }),
    ];

    // Act
    const response = await dispatchBatch(records, dependencies([fifoTopicDestination]));

    // Assess: a2 and a3 were never sent ahead of a1; b2 went out after b1.
    expect(publishedDistinctIds()).toEqual([['a1', 'b1'], ['b2']]);
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'a1' },
      { itemIdentifier: 'a2' },
      { itemIdentifier: 'a3' },
    ]);
  });

  it("does not hold a standard topic's deliveries behind another visitor event failure", async () => {
    publishSucceeds();
    lambda
      .on(InvokeCommand)
      .rejectsOnce(Object.assign(new Error('boom'), { name: 'ServiceException' }))
      .resolves({ StatusCode: 202 });
    const records = [
      sqsRecord(event('a1', 'A'), { messageId: 'a1' }),
      sqsRecord(event('a2', 'A'), { messageId: 'a2' }),
    ];

    const response = await dispatchBatch(
      records,
      dependencies([lambdaDestination, standardTopicDestination]),
    );

    expect(publishedDistinctIds()).toEqual([['a1', 'a2']]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }]);
  });

  it('on a FIFO ingest queue keeps a message group in order across all destinations', async () => {
    publishSucceeds();
    lambda
      .on(InvokeCommand)
      .rejectsOnce(Object.assign(new Error('boom'), { name: 'ServiceException' }))
      .resolves({ StatusCode: 202 });
    const records = [
      sqsRecord(event('a1', 'A'), { messageId: 'a1', messageGroupId: 'A' }),
      sqsRecord(event('a2', 'A'), { messageId: 'a2', messageGroupId: 'A' }),
      sqsRecord(event('b1', 'B'), { messageId: 'b1', messageGroupId: 'B' }),
    ];

    const response = await dispatchBatch(
      records,
      dependencies([lambdaDestination, standardTopicDestination]),
    );

    // a1 failed at the function, so a2 went nowhere, not even to the healthy topic.
    expect(publishedDistinctIds()).toEqual([['a1', 'b1']]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a1' }, { itemIdentifier: 'a2' }]);
  });

  it('writes FIFO dead letters with a deduplication id, in a group that names no visitor', async () => {
    deadLettersSucceed();

    await dispatchBatch(
      [
        sqsRecord('{}', { messageGroupId: 'jane.doe@example.com' }),
        sqsRecord(event('e1'), { messageGroupId: 'ws-acme:jane.doe@example.com' }),
      ],
      dependencies([], { deadLetterQueue: { url: `${DLQ_URL}.fifo`, fifo: true } }),
    );

    const [invalid, unknown] = deadLetterEntries();
    expect(invalid).toMatchObject({
      MessageGroupId: expect.stringMatching(/^unknown:[\w-]{43}$/),
      MessageDeduplicationId: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    // The workspace in front: a redrive keeps workspaces' groups apart.
    expect(unknown.MessageGroupId).toMatch(/^ws-acme:[\w-]{43}$/);
    expect(JSON.stringify(deadLetterEntries().map((e) => e.MessageGroupId))).not.toContain('jane');
  });

  it('keeps at most `concurrency` calls in flight, and at most its share to any one destination', async () => {
    // Prepare: 20 events to two functions, each call taking 5 ms.
    const inFlight = new Map<string, number>();
    const peak = new Map<string, number>();
    lambda.on(InvokeCommand).callsFake(async (input: { FunctionName: string }) => {
      const count = (inFlight.get(input.FunctionName) ?? 0) + 1;
      inFlight.set(input.FunctionName, count);
      peak.set(input.FunctionName, Math.max(peak.get(input.FunctionName) ?? 0, count));
      const total = [...inFlight.values()].reduce((a, b) => a + b, 0);
      peak.set('total', Math.max(peak.get('total') ?? 0, total));
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight.set(input.FunctionName, (inFlight.get(input.FunctionName) ?? 1) - 1);
      return { StatusCode: 202 };
    });
    const other = {
      ...lambdaDestination,
      id: 'other-fn',
      functionArn: `${lambdaDestination.functionArn}-other`,
    };
    const records = Array.from({ length: 20 }, (_, i) => sqsRecord(event(`e${i}`, `v${i}`)));

    // Act
    const response = await dispatchBatch(
      records,
      dependencies([lambdaDestination, other], { concurrency: { total: 3, perDestination: 2 } }),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 40);
    expect(peak.get('total')).toBe(3);
    expect(peak.get(lambdaDestination.functionArn)).toBe(2);
    expect(peak.get(other.functionArn)).toBe(2);
  });

  it('logs ids and error codes, never personal data', async () => {
    deadLettersSucceed();
    sns
      .on(PublishBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: invokeResponsePayload({ errorType: 'Error', errorMessage: 'jane.doe@example.com is blocked' }),
    });
    const records = [
      sqsRecord(event('e1')),
      sqsRecord(
        '{"event":{"event":"x"},"visitor":{"email":"jane.doe@example.com"},"user":"jane.doe@example.com"}',
      ),
    ];
    const destinations = [
      { ...lambdaDestination, invocationType: 'RequestResponse' as const },
      standardTopicDestination,
    ];

    await dispatchBatch(records, dependencies(destinations));

    const lines = logs.lines();
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.join('\n')).toContain(`"distinctIdHash":"${distinctIdHash(WORKSPACE_ID, 'e1')}"`);
    expect(lines.join('\n')).not.toContain('"e1"');
    for (const personal of PERSONAL_DATA) expect(lines.join('\n')).not.toContain(personal);
    for (const entry of deadLetterEntries()) {
      for (const personal of PERSONAL_DATA)
        expect(JSON.stringify(entry.MessageAttributes)).not.toContain(personal);
    }
  });

  it.each([
    ['a standard', undefined],
    ['a FIFO', `${WORKSPACE_ID}:visitor_123`],
  ])(
    'on %s ingest queue writes the events received line while the first calls are out, once, before the lines after them',
    async (_queue, messageGroupId) => {
      // Prepare: what had been logged when the topic was first called.
      const messages = () =>
        logs.lines().map((line) => String((JSON.parse(line) as { message: unknown }).message));
      let loggedAtFirstCall: string[] | undefined;
      sns.on(PublishBatchCommand).callsFake((input) => {
        loggedAtFirstCall ??= messages();
        return everyEntryPublished(input);
      });

      // Act
      await dispatchBatch(
        [sqsRecord(event('e1'), { messageGroupId }), sqsRecord(event('e2'), { messageGroupId })],
        dependencies([standardTopicDestination]),
      );

      // Assess: not on the way to the first call, and still before what follows delivery.
      expect(loggedAtFirstCall).toBeDefined();
      expect(loggedAtFirstCall).not.toContain('events received');
      const written = messages();
      expect(written.filter((m) => m === 'events received')).toHaveLength(1);
      expect(written.indexOf('events received')).toBeLessThan(written.indexOf('deliveries'));
      expect(written.indexOf('deliveries')).toBeLessThan(written.indexOf('batch dispatched'));
    },
  );

  it('stops calling a destination that failed for good, for a while, without affecting the others', async () => {
    // Prepare
    deadLettersSucceed();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));
    let now = 1_000_000;
    const health = new BrokenDestinations(60_000, () => now);
    const deps = dependencies([lambdaDestination, standardTopicDestination], { brokenDestinations: health });

    // Act: a first batch fails at the topic; the next two come during and after the cool-down.
    await dispatchBatch([sqsRecord(event('e1'))], deps);
    await dispatchBatch([sqsRecord(event('e2')), sqsRecord(event('e3'))], deps);
    const callsDuringCooldown = sns.commandCalls(PublishBatchCommand).length;
    now += 60_000;
    await dispatchBatch([sqsRecord(event('e4'))], deps);

    // Assess
    expect(callsDuringCooldown).toBe(1);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 2);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 4);
    const topicLetters = deadLetterEntries().filter(
      (e) => e.MessageAttributes?.destination_id?.StringValue === 'marketing',
    );
    expect(topicLetters.map((e) => e.MessageAttributes?.error_code.StringValue)).toEqual([
      'AccessDenied',
      'AccessDenied',
      'AccessDenied',
      'AccessDenied',
    ]);
    expect(topicLetters[1].MessageAttributes?.error_message.StringValue).toMatch(
      /^destination unhealthy, not called: /,
    );
  });

  it('dead-letters a disabled destination events with DestinationDisabled, without calling it, the others delivered', async () => {
    // Prepare
    publishSucceeds();
    deadLettersSucceed();
    const status = {
      disabled: async (id: string) =>
        id === destinationKey(lambdaDestination)
          ? { disabledAt: 0, reason: 'failed every call for 24 h' }
          : undefined,
      reportFailing: async () => {},
      reportRecovered: async () => {},
    };

    // Act
    const response = await dispatchBatch(
      [sqsRecord(event('e1'))],
      dependencies([lambdaDestination, standardTopicDestination], { disabledDestinations: status }),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
    expect(publishedDistinctIds()).toEqual([['e1']]);
    expect(deadLetterEntries()).toEqual([
      expect.objectContaining({
        MessageAttributes: expect.objectContaining({
          error_code: { DataType: 'String', StringValue: 'DestinationDisabled' },
          destination_id: { DataType: 'String', StringValue: lambdaDestination.id },
        }),
      }),
    ]);
  });

  describe('calls cut for keeping the batch waiting', () => {
    const breakersWithShortPatience = () =>
      new CircuitBreakers({ ...DEFAULT_BREAKER_SETTINGS, minPatienceMs: 50, maxPatienceMs: 50 });
    /** Invokes of events whose id is listed never answer (until long after the test). */
    const hangFor = (hung: Set<string>) =>
      lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
        const { event: e } = JSON.parse(Buffer.from(input.Payload).toString('utf8'));
        if (!hung.has(e.distinct_id)) return Promise.resolve({ StatusCode: 202 });
        return new Promise((resolve) => setTimeout(() => resolve({ StatusCode: 202 }), 60_000).unref());
      });
    const records = () => Array.from({ length: 12 }, (_, i) => sqsRecord(event(`e${i}`, `v${i}`)));

    it('counts the stragglers of a destination that answered other calls as one failure: its circuit stays closed', async () => {
      // Prepare: 9 of 12 answer, the last 3 hang.
      hangFor(new Set(['e9', 'e10', 'e11']));
      const breakers = breakersWithShortPatience();

      // Act
      const response = await dispatchBatch(records(), dependencies([lambdaDestination], { breakers }));

      // Assess: the batch did not wait for them, and they are failed for retry, not lost.
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toHaveLength(3);
      expect(breakers.state(destinationKey(lambdaDestination))).toBe('closed');
    });

    it('opens the circuit of a destination that answered no call in the batch', async () => {
      hangFor(new Set(Array.from({ length: 12 }, (_, i) => `e${i}`)));
      const breakers = breakersWithShortPatience();

      // The deployed 16 calls in flight, all the batch's one destination's: its 12 calls, all sent
      // and cut, open its circuit at once.
      await dispatchBatch(records(), dependencies([lambdaDestination], { breakers, concurrency: 16 }));

      expect(breakers.state(destinationKey(lambdaDestination))).toBe('open');
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 12);
    });

    it("shares the call slots between the batch's destinations: a hung one holds only its share while others have calls", async () => {
      // Prepare: two functions; every call to the first hangs, the second answers at once.
      const hungFunction = {
        ...lambdaDestination,
        id: 'hung-fn',
        functionArn: `${lambdaDestination.functionArn}-hung`,
      };
      const invoked: string[] = [];
      lambda.on(InvokeCommand).callsFake((input: { FunctionName: string }) => {
        invoked.push(input.FunctionName);
        return input.FunctionName === hungFunction.functionArn
          ? new Promise((resolve) => setTimeout(() => resolve({ StatusCode: 202 }), 60_000).unref())
          : Promise.resolve({ StatusCode: 202 });
      });
      const breakers = breakersWithShortPatience();

      // Act: 12 events to each, 16 slots.
      const started = Date.now();
      const response = await dispatchBatch(
        records(),
        dependencies([hungFunction, lambdaDestination], { breakers, concurrency: 16 }),
      );

      // Assess: the hung function had its half of the slots (8 calls) until the other had made
      // all its 12; only then was it lent the rest; its calls were cut, its events failed for retry.
      const hungCalls = invoked.flatMap((arn, index) => (arn === hungFunction.functionArn ? [index] : []));
      const lastHealthy = invoked.lastIndexOf(lambdaDestination.functionArn);
      expect(invoked.filter((arn) => arn === lambdaDestination.functionArn)).toHaveLength(12);
      expect(hungCalls.filter((index) => index < lastHealthy)).toHaveLength(8);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(response.batchItemFailures).toHaveLength(12);
    });
  });

  it('acknowledges an event no destination accepts', async () => {
    const response = await dispatchBatch(
      [sqsRecord(event('e1', 'v', 'Signed Up'))],
      dependencies([lambdaDestination]),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).not.toHaveReceivedCommand(InvokeCommand);
  });

  describe('oversize events', () => {
    const oversize = (distinctId: string) =>
      ingestMessage({
        event: { distinct_id: distinctId, event_properties: { blob: 'x'.repeat(300_000) } },
        visitor: { visitor_id: 'visitor_123' },
      });
    const offloading = { ...standardTopicDestination, offloadOversize: true };
    const pointerTo = (distinctId: string) =>
      JSON.stringify({ offloaded_payload: { distinct_id: distinctId } });
    const offloadsTo = (store: jest.Mock) => ({ payloads: { offload: store } });

    it('offloads where the destination enables it, delivers the rest inline, dead-letters the others as too large', async () => {
      // Prepare
      publishSucceeds();
      deadLettersSucceed();
      lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
      const store = jest.fn(async (_d: Destination, payload: { event: { distinct_id: string } }) =>
        pointerTo(payload.event.distinct_id),
      );
      const records = [sqsRecord(oversize('big')), sqsRecord(event('small'))];

      // Act
      const response = await dispatchBatch(
        records,
        dependencies([offloading, lambdaDestination, fifoTopicDestination], offloadsTo(store)),
      );

      // Assess: one upload, for the topic that offloads; 300 KB fits the function's 1 MB.
      expect(response.batchItemFailures).toEqual([]);
      expect(store).toHaveBeenCalledTimes(1);
      expect(store.mock.calls[0][0]).toEqual(offloading);
      const published = sns
        .commandCalls(PublishBatchCommand)
        .filter((c) => c.args[0].input.TopicArn === offloading.topicArn)
        .flatMap((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
      expect(published.map((e) => e.Message)).toEqual([pointerTo('big'), expect.stringContaining('"small"')]);
      // The attributes still name the event, so subscription filter policies keep working.
      expect(published[0].MessageAttributes?.event_name.StringValue).toBe('Order Completed');
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 2);
      expect(deadLetterEntries()).toEqual([
        expect.objectContaining({
          MessageBody: records[0].body,
          MessageAttributes: expect.objectContaining({
            error_code: { DataType: 'String', StringValue: 'PayloadTooLarge' },
            destination_id: { DataType: 'String', StringValue: fifoTopicDestination.id },
          }),
        }),
      ]);
    });

    it('without a payload store, dead-letters with PayloadTooLarge even where the destination offloads', async () => {
      deadLettersSucceed();

      await dispatchBatch([sqsRecord(oversize('big'))], dependencies([offloading]));

      expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
      expect(deadLetterEntries()[0].MessageAttributes?.error_code.StringValue).toBe('PayloadTooLarge');
    });

    it('does not publish when the upload fails: a transient failure is retried, a permanent one dead-lettered', async () => {
      // Prepare
      deadLettersSucceed();
      const store = jest
        .fn()
        .mockRejectedValueOnce(new RetryableDeliveryError('Throttled', 'payload offload failed: SlowDown'))
        .mockRejectedValueOnce(
          new PermanentDeliveryError('OffloadFailed', 'payload offload failed: AccessDenied'),
        );
      const records = [sqsRecord(oversize('first')), sqsRecord(oversize('second'))];

      // Act
      const response = await dispatchBatch(records, dependencies([offloading], offloadsTo(store)));

      // Assess
      expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[0].messageId }]);
      expect(deadLetterEntries()).toEqual([
        expect.objectContaining({
          MessageBody: records[1].body,
          MessageAttributes: expect.objectContaining({
            error_code: { DataType: 'String', StringValue: 'OffloadFailed' },
          }),
        }),
      ]);
    });
  });
});
