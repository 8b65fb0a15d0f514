import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { readRetryBundle } from '../../lambda/dispatcher/settle/retry-bundle';
import {
  type DestinationType,
  type InvalidDestinationConfigError,
  parseDestinations,
} from '../../lambda/shared/destination-config';
import { DESTINATION_TYPES, destinationFields } from '../../lambda/shared/destination-types';
import { capturingLogger } from '../support/capture-logs';
import {
  busDestination,
  fifoQueueDestination,
  fifoTopicDestination,
  ingestMessage,
  lambdaDestination,
  PERSONAL_DATA,
  registryOf,
  sqsRecord,
  standardQueueDestination,
  standardTopicDestination,
  streamDestination,
} from '../support/fixtures';

const INGEST = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest';
const DLQ = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest-dlq';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/orders';
const FIFO_QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/orders.fifo';

const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const kinesis = mockClient(KinesisClient);
const eventBridge = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
const ALL = [
  lambdaDestination,
  standardTopicDestination,
  fifoTopicDestination,
  streamDestination,
  busDestination,
  standardQueueDestination,
  fifoQueueDestination,
];

let logs: ReturnType<typeof capturingLogger>;
const deps = (): DispatchDependencies => ({
  registry: registryOf(ALL),
  clients: { client: (Client) => new Client({ region: 'us-east-1' }) },
  sqs: new SQSClient({ region: 'us-east-1' }),
  deadLetterQueue: { url: DLQ, fifo: false },
  logger: logs.logger,
  maxReceiveCount: 5,
  concurrency: 16,
  retry: { queueUrl: INGEST, maxAttempts: 5, maxAgeSeconds: 3600, baseDelaySeconds: 2, maxDelaySeconds: 900 },
});
const event = (id: string, visitor: string) =>
  ingestMessage({ event: { distinct_id: id }, visitor: { visitor_id: visitor } });
const distinctIdOf = (body: string | Uint8Array | undefined) =>
  (
    JSON.parse(typeof body === 'string' ? body : Buffer.from(body ?? new Uint8Array()).toString('utf8')) as {
      event: { distinct_id: string };
    }
  ).event.distinct_id;

/** Which events each destination was sent, in call order. */
function sent() {
  const queueMessages = (url: string) =>
    sqs
      .commandCalls(SendMessageBatchCommand)
      .filter((c) => c.args[0].input.QueueUrl === url)
      .map((c) => (c.args[0].input.Entries ?? []).map((e) => distinctIdOf(e.MessageBody)));
  return {
    stream: kinesis
      .commandCalls(PutRecordsCommand)
      .map((c) => (c.args[0].input.Records ?? []).map((r) => distinctIdOf(r.Data))),
    bus: eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => (c.args[0].input.Entries ?? []).map((e) => distinctIdOf(e.Detail))),
    queue: queueMessages(QUEUE),
    fifoQueue: queueMessages(FIFO_QUEUE),
  };
}

/** The dead letters: each one's error code and destination. */
const deadLetters = () =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .filter((c) => c.args[0].input.QueueUrl === DLQ)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .map((l) => [
      l.MessageAttributes?.error_code?.StringValue,
      l.MessageAttributes?.destination_id?.StringValue,
    ]);

/** The retry messages: each event's destination and distinct id. */
function retries() {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .filter((c) => c.args[0].input.QueueUrl === INGEST)
    .flatMap((c) => c.args[0].input.Entries ?? [])
    .flatMap((entry) => {
      const target = entry.MessageAttributes?.target_destinations?.StringValue;
      const bodies = readRetryBundle(entry.MessageBody ?? '')?.map((e) => e.body) ?? [
        entry.MessageBody ?? '',
      ];
      return bodies.map((body) => `${target}:${distinctIdOf(JSON.stringify(JSON.parse(body)))}`);
    })
    .sort();
}

beforeEach(() => {
  for (const mock of [sns, lambda, kinesis, eventBridge, sqs]) mock.reset();
  logs = capturingLogger();
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  sns
    .on(PublishBatchCommand)
    .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => ({
      Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id, MessageId: 'm' })),
    }));
  kinesis.on(PutRecordsCommand).callsFake((input: { Records: PutRecordsRequestEntry[] }) => ({
    FailedRecordCount: 0,
    Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-0' })),
  }));
  eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
    FailedEntryCount: 0,
    Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
  }));
  sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
    Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'new', MD5OfMessageBody: '' })),
    Failed: [],
  }));
});
afterEach(() => {
  const all = logs.lines().join('\n');
  for (const personal of PERSONAL_DATA) expect(all).not.toContain(personal);
  logs.restore();
});

describe('a batch to every destination type', () => {
  it('delivers each event to all seven destinations in batch calls, a visitor in order where the type keeps it', async () => {
    // Prepare: visitor A has three events, B one.
    const records = [event('a1', 'A'), event('b1', 'B'), event('a2', 'A'), event('a3', 'A')].map((body, i) =>
      sqsRecord(body, { messageId: `m${i}`, sentAt: Date.now() }),
    );

    // Act
    const response = await dispatchBatch(records, deps());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 4);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1 + 3);
    const { stream, bus, queue, fifoQueue } = sent();
    // No order on a bus or a standard queue: one call each. A stream and a FIFO queue: A's events in successive calls.
    expect(bus).toEqual([['a1', 'b1', 'a2', 'a3']]);
    expect(queue).toEqual([['a1', 'b1', 'a2', 'a3']]);
    expect(stream).toEqual([['a1', 'b1'], ['a2'], ['a3']]);
    expect(fifoQueue).toEqual([['a1', 'b1'], ['a2'], ['a3']]);
    expect(retries()).toEqual([]);
  });

  it('retries only the entries each service reported failed, for that destination alone', async () => {
    // Prepare: the stream throttles b1's record, the bus fails a1's entry, the queue a2's message.
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: PutRecordsRequestEntry[] }) => ({
      FailedRecordCount: 1,
      Records: input.Records.map((r, i) =>
        distinctIdOf(r.Data) === 'b1'
          ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'slow down' }
          : { SequenceNumber: String(i), ShardId: 'shardId-0' },
      ),
    }));
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => ({
      FailedEntryCount: 1,
      Entries: input.Entries.map((e, i) =>
        distinctIdOf(e.Detail) === 'a1'
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }
          : { EventId: `e${i}` },
      ),
    }));
    sqs
      .on(SendMessageBatchCommand)
      .callsFake((input: { QueueUrl: string; Entries: SendMessageBatchRequestEntry[] }) => {
        const failed =
          input.QueueUrl === QUEUE ? input.Entries.filter((e) => distinctIdOf(e.MessageBody) === 'a2') : [];
        return {
          Successful: input.Entries.filter((e) => !failed.includes(e)).map((e) => ({
            Id: e.Id,
            MessageId: 'n',
            MD5OfMessageBody: '',
          })),
          Failed: failed.map((e) => ({
            Id: e.Id,
            Code: 'InternalError',
            SenderFault: false,
            Message: 'try again',
          })),
        };
      });
    const records = [event('a1', 'A'), event('b1', 'B'), event('a2', 'A')].map((body, i) =>
      sqsRecord(body, { messageId: `m${i}`, sentAt: Date.now() }),
    );

    // Act
    const response = await dispatchBatch(records, deps());

    // Assess: every record acknowledged; one retry per failed (destination, event), nothing else.
    expect(response.batchItemFailures).toEqual([]);
    expect(retries()).toEqual(['clickstream:b1', 'events-bus:a1', 'orders-queue:a2']);
  });

  it('dead-letters an entry a service refuses for good, with its code, and delivers the rest', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: PutRecordsRequestEntry[] }) => ({
      FailedRecordCount: 1,
      Records: input.Records.map((r, i) =>
        distinctIdOf(r.Data) === 'b1'
          ? { ErrorCode: 'KMSAccessDeniedException', ErrorMessage: 'no key access' }
          : { SequenceNumber: String(i), ShardId: 'shardId-0' },
      ),
    }));
    const records = [event('a1', 'A'), event('b1', 'B')].map((body, i) =>
      sqsRecord(body, { messageId: `m${i}`, sentAt: Date.now() }),
    );

    const response = await dispatchBatch(records, deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetters()).toEqual([['KmsError', 'clickstream']]);
    expect(retries()).toEqual([]);
  });

  it('dead-letters, for the bus alone, an event whose name is too long for a DetailType', async () => {
    const longName = 'n'.repeat(129);
    const record = sqsRecord(
      ingestMessage({ event: { distinct_id: 'long', event: longName }, visitor: { visitor_id: 'A' } }),
      { messageId: 'm0', sentAt: Date.now() },
    );

    const response = await dispatchBatch([record], deps());

    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetters()).toEqual([['InvalidParameter', 'events-bus']]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    // Every other destination that accepts the event got it.
    const { stream, queue, fifoQueue } = sent();
    expect([stream, queue, fifoQueue]).toEqual([[['long']], [['long']], [['long']]]);
  });
});

describe('the field descriptors of each destination type', () => {
  const TYPES = Object.keys(DESTINATION_TYPES) as DestinationType[];
  const problemsOf = (destination: Record<string, unknown>) => {
    try {
      parseDestinations([destination]);
      return [];
    } catch (error) {
      return (error as InvalidDestinationConfigError).problems;
    }
  };
  const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  it.each(TYPES)("%s: the required fields' examples parse, and each one left out is named", (type) => {
    const required = destinationFields(type).filter((f) => f.required);
    const example = Object.fromEntries([['type', type], ...required.map((f) => [f.name, f.example])]);

    expect(problemsOf(example)).toEqual([]);
    for (const { name } of required) {
      const { [name]: _left, ...without } = example;
      expect(problemsOf(without)).toEqual([
        expect.stringMatching(new RegExp(`^destination (?:"orders"|#0): ${name} `)),
      ]);
    }
  });

  it.each(TYPES)("%s: each field is the schema's, with the schema's own rule", (type) => {
    const fields = destinationFields(type);
    const keys = Object.keys((DESTINATION_TYPES[type].schema as unknown as { shape: object }).shape);
    const inputs = fields.flatMap((f) => f.or ?? []);
    const example = Object.fromEntries([
      ['type', type],
      ...fields.filter((f) => f.required).map((f) => [f.name, f.example]),
    ]);

    expect(fields.map((f) => f.name).sort()).toEqual([...keys.filter((k) => k !== 'type'), ...inputs].sort());
    for (const { name, rule, example: value } of fields) {
      if (!rule) continue;
      if (value !== undefined) expect(value).toMatch(rule.pattern);
      if (inputs.includes(name)) continue;
      // A value no rule takes fails with the message the field gives.
      expect(problemsOf({ ...example, [name]: 'not valid' })).toEqual([
        expect.stringMatching(new RegExp(`: ${name} ${escaped(rule.message)}$`)),
      ]);
    }
  });
});
