import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { MappingPins } from '../../lambda/dispatcher/prepare/mapping-pins';
import type { Registry } from '../../lambda/dispatcher/prepare/registry';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/settle/retry';
import { toRetryBundleBody } from '../../lambda/dispatcher/settle/retry-bundle';
import type { Destination } from '../../lambda/shared/destination-config';
import { resolveWorkspace } from '../../lambda/shared/workspace';
import { capturingLogger } from '../support/capture-logs';
import {
  EXTERNAL_ID,
  everyEntryPublished,
  everyMessageSent,
  fifoTopicDestination,
  ingestMessage,
  PERSONAL_DATA,
  registryOf,
  specOf,
  sqsRecord,
  standardTopicDestination,
  WORKSPACE_ID,
} from '../support/fixtures';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest-dlq';
const INGEST_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest';
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);

const marketing = {
  ...standardTopicDestination,
  requiredConsent: ['marketing'],
  mapping: {
    mode: 'all' as const,
    events: { 'Order Completed': 'order_completed' },
    properties: { 'visitor.email': 'domain_only' as const },
  },
};
const orders = {
  ...fifoTopicDestination,
  mapping: { mode: 'listed' as const, properties: { 'event.event_properties.total': 'keep' as const } },
};

/** A registry of the fixtures' workspace whose live version is `live` and whose earlier versions are `history`. */
function registry(live: number, versions: Record<number, Destination[]>): Registry {
  const at = (version: number) =>
    versions[version] &&
    resolveWorkspace({
      id: WORKSPACE_ID,
      externalId: EXTERNAL_ID,
      status: 'active',
      liveVersion: version,
      destinations: versions[version].map(specOf) as never,
      invokeAccounts: [],
    });
  return { workspace: async () => at(live), version: async (_id, version) => at(version) };
}

let logs: ReturnType<typeof capturingLogger>;
const deps = (reg: Registry): DispatchDependencies => ({
  registry: reg,
  clients: { client: (Client) => new Client({ region: 'us-east-1' }) },
  sqs: new SQSClient({ region: 'us-east-1' }),
  deadLetterQueue: { url: DLQ_URL, fifo: false },
  logger: logs.logger,
  maxReceiveCount: 5,
  concurrency: 4,
  retry: { ...DEFAULT_RETRY_POLICY, queueUrl: INGEST_URL },
});
const published = () =>
  sns.commandCalls(PublishBatchCommand).flatMap((c) =>
    (c.args[0].input.PublishBatchRequestEntries ?? []).map((e) => ({
      topic: c.args[0].input.TopicArn?.split(':').pop(),
      eventName: e.MessageAttributes?.event_name.StringValue,
      body: JSON.parse(e.Message ?? '{}'),
    })),
  );

beforeEach(() => {
  sns.reset();
  sqs.reset();
  logs = capturingLogger();
  sns.on(PublishBatchCommand).callsFake(everyEntryPublished);
  sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);
});
afterEach(() => logs.restore());

describe('each destination receives its own mapped payload', () => {
  it('shapes the event per destination, renaming the event and its event_name attribute', async () => {
    const message = { ...ingestMessage(), consent: ['marketing'] };

    await dispatchBatch([sqsRecord(message)], deps(registry(1, { 1: [marketing, orders] })));

    const byTopic = Object.fromEntries(published().map((p) => [p.topic, p]));
    expect(byTopic.marketing.eventName).toBe('order_completed');
    expect(byTopic.marketing.body.event.event).toBe('order_completed');
    expect(byTopic.marketing.body.visitor.email).toBe('example.com');
    expect(byTopic['orders.fifo'].body).toEqual({
      event: expect.objectContaining({ event: 'Order Completed', event_properties: { total: 99.99 } }),
      visitor: { visitor_id: 'visitor_123' },
      user: {},
    });
    for (const personal of PERSONAL_DATA) expect(JSON.stringify(published())).not.toContain(personal);
  });
});

describe('consent', () => {
  it('skips a destination whose required consent the visitor did not give: no dead letter, no retry, counted', async () => {
    const records = [
      sqsRecord({
        ...ingestMessage({ event: { distinct_id: 'granted' } }),
        consent: ['marketing', 'analytics'],
      }),
      sqsRecord({ ...ingestMessage({ event: { distinct_id: 'other' } }), consent: ['analytics'] }),
      sqsRecord(ingestMessage({ event: { distinct_id: 'none' } })),
    ];

    const response = await dispatchBatch(records, deps(registry(1, { 1: [marketing, orders] })));

    expect(response.batchItemFailures).toEqual([]);
    const ids = (topic: string) =>
      published()
        .filter((p) => p.topic === topic)
        .map((p) => p.body.event.distinct_id);
    expect(ids('marketing')).toEqual(['granted']);
    expect(ids('orders.fifo')).toEqual(['granted', 'other', 'none']);
    expect(sqs).not.toHaveReceivedCommand(SendMessageBatchCommand);
    const summary = logs.lines().find((line) => line.includes('batch dispatched')) ?? '';
    expect(JSON.parse(summary)).toMatchObject({ blockedByConsent: 2 });
  });
});

describe('a retry keeps the mapping it started with, only as pinned by the dispatcher', () => {
  const pins = MappingPins.withKey(Buffer.alloc(32, 7));
  // Version 1 hashes the email by default; version 2 delivers it as it is: version 1 is stricter.
  const hashes = { ...marketing, mapping: { mode: 'all' as const } };
  const keeps = {
    ...marketing,
    mapping: { mode: 'all' as const, properties: { 'visitor.email': 'keep' as const } },
  };
  const drops = {
    ...marketing,
    mapping: { ...marketing.mapping, properties: { 'visitor.email': 'drop' as const } },
  };
  const pinnedDeps = (reg: Registry) => ({ ...deps(reg), pins });
  const body = (distinctId: string) =>
    JSON.stringify({ ...ingestMessage({ event: { distinct_id: distinctId } }), consent: ['marketing'] });

  /** A retry of `distinctId` to `marketing` carrying version `version`, pinned with `pin`. */
  function retryOf(distinctId: string, version: number, pin?: string) {
    const text = body(distinctId);
    const record = sqsRecord(text);
    record.messageAttributes = {
      target_destinations: { dataType: 'String', stringValue: marketing.id },
      retry_attempt: { dataType: 'Number', stringValue: '2' },
      mapping_version: { dataType: 'Number', stringValue: String(version) },
      ...(pin !== undefined && { mapping_pin: { dataType: 'String', stringValue: pin } }),
    };
    return record;
  }
  const emailOf = (distinctId: string) =>
    published().find((p) => p.body.event.distinct_id === distinctId)?.body.visitor.email;

  it("keeps a pinned version that is at least as strict as the live one: the consumer sees the first attempt's content", async () => {
    const retry = retryOf('retried', 1, pins.sign(marketing.id, 1, body('retried')));
    const fresh = sqsRecord(body('fresh'));

    await dispatchBatch([retry, fresh], pinnedDeps(registry(2, { 1: [hashes], 2: [keeps] })));

    expect(emailOf('retried')).toMatch(/^[0-9a-f]{64}$/);
    expect(emailOf('fresh')).toBe('jane.doe@example.com');
  });

  it('never keeps a pinned version weaker than the live one: the live mapping applies', async () => {
    const retry = retryOf('retried', 1, pins.sign(marketing.id, 1, body('retried')));

    await dispatchBatch([retry], pinnedDeps(registry(2, { 1: [marketing], 2: [drops] })));

    // Version 1 delivered the email's domain; version 2 drops it.
    const [delivered] = published();
    expect(delivered.body.visitor).not.toHaveProperty('email');
  });

  it.each([
    ['no pin', undefined],
    ['a pin of another destination', () => pins.sign('orders-fifo', 1, body('forged'))],
    ['a pin of another body', () => pins.sign(marketing.id, 1, body('other'))],
    ['a pin of another version', () => pins.sign(marketing.id, 2, body('forged'))],
    [
      'a pin under another key',
      () => MappingPins.withKey(Buffer.alloc(32, 9)).sign(marketing.id, 1, body('forged')),
    ],
  ])('ignores a mapping version with %s: the live mapping applies', async (_case, pin) => {
    const forged = retryOf('forged', 1, pin?.());

    await dispatchBatch([forged], pinnedDeps(registry(2, { 1: [keeps], 2: [hashes] })));

    expect(emailOf('forged')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores mapping versions in a retry bundle a producer wrote', async () => {
    const forged = sqsRecord(
      toRetryBundleBody([
        {
          body: body('bundled'),
          attempt: 1,
          first_attempt_at: Date.now(),
          last_error_code: 'Throttled',
          mapping_version: 1,
        },
      ]),
    );
    forged.messageAttributes = { target_destinations: { dataType: 'String', stringValue: marketing.id } };

    await dispatchBatch([forged], pinnedDeps(registry(2, { 1: [keeps], 2: [hashes] })));

    expect(emailOf('bundled')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not keep a pinned version whose destination of that id pointed elsewhere', async () => {
    const elsewhere = { ...hashes, topicArn: 'arn:aws:sns:us-east-1:111122223333:old-topic' };
    const retry = retryOf('retried', 1, pins.sign(marketing.id, 1, body('retried')));

    await dispatchBatch([retry], pinnedDeps(registry(2, { 1: [elsewhere], 2: [keeps] })));

    expect(emailOf('retried')).toBe('jane.doe@example.com');
  });

  it('pins the mapping version on the retries it schedules, and a later batch keeps it', async () => {
    sns
      .on(PublishBatchCommand)
      .rejects(Object.assign(new Error('busy'), { name: 'ThrottledException', $fault: 'client' }));

    await dispatchBatch([sqsRecord(body('first'))], pinnedDeps(registry(7, { 7: [marketing] })));

    const [entry] = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entry.MessageAttributes?.mapping_version).toEqual({ DataType: 'Number', StringValue: '7' });
    const pin = entry.MessageAttributes?.mapping_pin?.StringValue;
    expect(pins.verify(pin, marketing.id, 7, entry.MessageBody ?? '')).toBe(true);
  });
});

describe('an event that would expand past the mapping limits', () => {
  // Under the defaults each short string becomes a 64-character hash: about 6 MB from a 900 KB body.
  const poison = ingestMessage({
    event: { distinct_id: 'poison' },
    visitor: { visitor_id: 'visitor_poison', email: new Array(90_000).fill('0000000') },
  });
  const defaults = { ...standardTopicDestination };
  const dropsEmail = {
    ...fifoTopicDestination,
    mapping: { mode: 'all' as const, properties: { 'visitor.email': 'drop' as const } },
  };
  const globex = {
    ...standardTopicDestination,
    id: 'globex-events',
    workspaceId: 'ws-globex',
    externalId: 'ext-globex-00000001',
    topicArn: 'arn:aws:sns:us-east-1:444455556666:globex-events',
  };

  it('is dead-lettered alone, for the destination whose mapping it passes, with the limit as reason', async () => {
    const records = [
      sqsRecord(ingestMessage({ event: { distinct_id: 'before' } })),
      sqsRecord(poison, { messageId: 'poison-message' }),
      sqsRecord(ingestMessage({ event: { distinct_id: 'after' } })),
      sqsRecord(ingestMessage({ workspaceId: 'ws-globex', event: { distinct_id: 'other-workspace' } })),
    ];

    const response = await dispatchBatch(records, deps(registryOf([defaults, dropsEmail, globex])));

    expect(response.batchItemFailures).toEqual([]);
    const [letter, ...others] = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((c) => c.args[0].input.Entries ?? []);
    expect(others).toEqual([]);
    expect(letter.MessageBody).toBe(JSON.stringify(poison));
    expect(letter.MessageAttributes).toMatchObject({
      error_code: { StringValue: 'MappingLimitExceeded' },
      error_message: {
        StringValue:
          'mapping limit maxMappedBytes exceeded: the mapped event would be larger than 2097152 bytes',
      },
      destination_id: { StringValue: 'marketing' },
    });
    const ids = (topic: string) =>
      published()
        .filter((p) => p.topic === topic)
        .map((p) => p.body.event.distinct_id);
    expect(ids('marketing')).toEqual(['before', 'after']);
    // Its mapping drops the list: this destination gets the event.
    expect(ids('orders.fifo')).toEqual(['before', 'poison', 'after']);
    expect(ids('globex-events')).toEqual(['other-workspace']);
    const summary = logs.lines().find((line) => line.includes('batch dispatched')) ?? '';
    expect(JSON.parse(summary)).toMatchObject({ deadLettered: 1, delivered: 6 });
  });
});
