import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { DestinationRegistry } from '../../lambda/dispatcher/destination-registry';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/retry';
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
function registry(live: number, versions: Record<number, Destination[]>): DestinationRegistry {
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
const deps = (reg: DestinationRegistry): DispatchDependencies => ({
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

describe('a retry keeps the mapping it started with', () => {
  const changed = {
    ...marketing,
    mapping: { ...marketing.mapping, properties: { 'visitor.email': 'drop' as const } },
  };

  it('maps a retry of version 1 with version 1 while version 2 is live, and new events with version 2', async () => {
    const retry = sqsRecord({
      ...ingestMessage({ event: { distinct_id: 'retried' } }),
      consent: ['marketing'],
    });
    retry.messageAttributes = {
      target_destinations: { dataType: 'String', stringValue: 'marketing' },
      retry_attempt: { dataType: 'Number', stringValue: '2' },
      mapping_version: { dataType: 'Number', stringValue: '1' },
    };
    const fresh = sqsRecord({
      ...ingestMessage({ event: { distinct_id: 'fresh' } }),
      consent: ['marketing'],
    });

    await dispatchBatch([retry, fresh], deps(registry(2, { 1: [marketing], 2: [changed] })));

    const byId = Object.fromEntries(published().map((p) => [p.body.event.distinct_id, p.body]));
    expect(byId.retried.visitor.email).toBe('example.com');
    expect(byId.fresh.visitor).not.toHaveProperty('email');
  });

  it('carries the mapping version on the retries it schedules', async () => {
    sns
      .on(PublishBatchCommand)
      .rejects(Object.assign(new Error('busy'), { name: 'ThrottledException', $fault: 'client' }));

    await dispatchBatch(
      [sqsRecord({ ...ingestMessage(), consent: ['marketing'] })],
      deps(registry(7, { 7: [marketing] })),
    );

    const [entry] = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entry.MessageAttributes?.mapping_version).toEqual({ DataType: 'Number', StringValue: '7' });
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
