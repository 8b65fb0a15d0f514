import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { type Message, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { type DeadLetter, toDeadLetterEntry } from '../../lambda/dispatcher/settle/dead-letter';
import {
  type DeadLetterStore,
  ofKnownWorkspace,
  storeDeadLetters,
  toStoredLetter,
} from '../../lambda/dispatcher/settle/dead-letter-store';
import { toRedriveEntry } from '../../lambda/dispatcher/settle/redrive-entry';
import {
  fromDeadLetterItem,
  LETTER_ID_PATTERN,
  letterId,
  letterIdBounds,
  MAX_STORED_BODY_BYTES,
  queuedAttributes,
  type StoredDeadLetter,
  toDeadLetterItem,
} from '../../lambda/shared/dead-letter-store';
import { capturingLogger } from '../support/capture-logs';
import {
  ingestMessage,
  registryOf,
  sqsRecord,
  standardTopicDestination,
  WORKSPACE_ID,
} from '../support/fixtures';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest-dlq';
const TABLE = 'dead-letters';
const RETENTION = 1_209_600;
const UUID = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

const sqs = mockClient(SQSClient);
const sns = mockClient(SNSClient);
const dynamodb = mockClient(DynamoDBClient);

const store = (): DeadLetterStore => ({
  dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
  tableName: TABLE,
  retentionSeconds: RETENTION,
});

/** A letter of a known workspace, as the dispatcher writes one for a destination. */
const letter = (overrides: Partial<DeadLetter> = {}): DeadLetter => ({
  body: JSON.stringify(ingestMessage()),
  sourceMessageId: 'src-1',
  errorCode: 'AccessDenied',
  errorMessage: 'AuthorizationError: not authorized to publish',
  destinationId: 'marketing',
  attempts: 2,
  workspaceId: WORKSPACE_ID,
  distinctId: 'evt_0001',
  mappingVersion: 3,
  mappingPin: 'pin-abc',
  ...overrides,
});

const stored = (
  overrides: Partial<DeadLetter> = {},
  fifo = false,
  at = 1_732_300_000_000,
): StoredDeadLetter => {
  const source = letter(overrides) as DeadLetter & { workspaceId: string };
  return toStoredLetter(source, toDeadLetterEntry(source, fifo), UUID(1), at, RETENTION);
};

/** What BatchWriteItem was asked to write, call by call. */
const writtenRequests = (): WriteRequest[][] =>
  dynamodb.commandCalls(BatchWriteItemCommand).map((c) => c.args[0].input.RequestItems?.[TABLE] ?? []);

beforeEach(() => {
  sqs.reset();
  sns.reset();
  dynamodb.reset();
});

describe('the dead-letter store item', () => {
  it('keeps a letter whole: its reason, attributes and body (compressed) come back as they went', () => {
    // Prepare
    const letter = stored();

    // Act
    const item = toDeadLetterItem(letter);
    const back = fromDeadLetterItem(WORKSPACE_ID, item ?? {});

    // Assess
    expect(item).toMatchObject({
      pk: { S: `workspace#${WORKSPACE_ID}` },
      sk: { S: `1732300000000-${UUID(1)}` },
      error_code: { S: 'AccessDenied' },
      destination_id: { S: 'marketing' },
      expires_at: { N: String(1_732_300_000 + RETENTION) },
      body: { B: expect.any(Buffer) },
    });
    expect(item?.body.B?.length).toBeLessThan(letter.body?.length ?? 0);
    expect(back).toEqual(letter);
    expect(LETTER_ID_PATTERN.test(back.id)).toBe(true);
  });

  it('refuses a body that would not fit an item even compressed', () => {
    // Prepare: random bytes do not compress.
    const body = require('node:crypto').randomBytes(MAX_STORED_BODY_BYTES).toString('base64');

    // Act
    const item = toDeadLetterItem({ ...stored(), body });

    // Assess
    expect(item).toBeUndefined();
  });

  it('sorts ids by time, then message id, and bounds a time range inclusively', () => {
    // Prepare
    const early = letterId(1_000, UUID(9));
    const late = letterId(2_000, UUID(1));
    const bounds = letterIdBounds(1_000, 2_000);

    // Act
    const sorted = [late, early].sort();

    // Assess
    expect(sorted).toEqual([early, late]);
    for (const id of [early, late]) expect(id >= bounds.from && id <= bounds.to).toBe(true);
    expect(letterId(2_001, UUID(0)) > bounds.to).toBe(true);
    expect(letterId(999, UUID(9)) < bounds.from).toBe(true);
  });

  it('gives back the attributes the dead-letter queue holds for the letter', () => {
    // Prepare
    const source = letter();
    const entry = toDeadLetterEntry(source, false);

    // Act
    const attributes = queuedAttributes(stored());

    // Assess
    expect(attributes).toEqual(
      Object.fromEntries(
        Object.entries(entry.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
      ),
    );
  });
});

describe('toRedriveEntry', () => {
  it.each([
    ['a letter of one destination', {}, false],
    [
      'a letter written before routing, with targets',
      { destinationId: undefined, targets: ['a', 'b'] },
      false,
    ],
    ['a letter on a FIFO queue', { messageGroupId: `${WORKSPACE_ID}:visitor_123` }, true],
    ['a letter without a pinned version', { mappingPin: undefined }, false],
  ] as const)(
    'sends %s from the store exactly as npm run redrive sends it from the queue',
    (_case, overrides, fifo) => {
      // Prepare: the same letter, as the queue holds it and as the store does.
      const source = letter(overrides);
      const entry = toDeadLetterEntry(source, fifo);
      const queued: Message = {
        MessageId: UUID(1),
        Body: entry.MessageBody,
        MessageAttributes: entry.MessageAttributes,
        ...(entry.MessageGroupId && { Attributes: { MessageGroupId: entry.MessageGroupId } }),
      };
      const fromStore = stored(overrides, fifo);

      // Act
      const fromQueue = toRedriveEntry(
        {
          messageId: queued.MessageId ?? '',
          body: queued.Body ?? '',
          attributes: Object.fromEntries(
            Object.entries(queued.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
          ),
          ...(queued.Attributes?.MessageGroupId && { messageGroupId: queued.Attributes.MessageGroupId }),
        },
        '0',
        fifo,
        42,
      );
      const fromApi = toRedriveEntry(
        {
          messageId: fromStore.messageId,
          body: fromStore.body ?? '',
          attributes: queuedAttributes(fromStore),
          ...(fromStore.messageGroupId && { messageGroupId: fromStore.messageGroupId }),
        },
        '0',
        fifo,
        42,
      );

      // Assess
      expect(fromApi).toEqual(fromQueue);
      expect(fromApi.MessageAttributes?.redriven_at).toEqual({ DataType: 'Number', StringValue: '42' });
    },
  );
});

describe('ofKnownWorkspace', () => {
  it.each([
    ['a destination failure', true, letter()],
    [
      'an invalid message (no workspace)',
      false,
      letter({ workspaceId: undefined, errorCode: 'InvalidJson' }),
    ],
    ['an unknown workspace', false, letter({ errorCode: 'WorkspaceNotFound', destinationId: undefined })],
    ['an unreadable registry', false, letter({ errorCode: 'RegistryUnavailable', destinationId: undefined })],
    ['a malformed workspace id', false, letter({ workspaceId: 'not/a/workspace' })],
  ])('%s: stored %s', (_case, expected, deadLetter) => {
    expect(ofKnownWorkspace(deadLetter)).toBe(expected);
  });
});

describe('storeDeadLetters', () => {
  it('writes 25 letters a call with BatchWriteItem', async () => {
    // Prepare
    dynamodb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: {} });
    const letters = Array.from({ length: 30 }, (_, i) => ({ ...stored(), id: letterId(1_000 + i, UUID(i)) }));

    // Act
    const outcome = await storeDeadLetters(store(), letters);

    // Assess
    expect(outcome).toEqual({ stored: 30, notStored: 0, tooLarge: 0, errors: {} });
    expect(writtenRequests().map((requests) => requests.length)).toEqual([25, 5]);
    expect(writtenRequests()[0][0].PutRequest?.Item?.pk).toEqual({ S: `workspace#${WORKSPACE_ID}` });
  });

  it('retries what DynamoDB left unprocessed, a bounded number of times, and counts what stays unwritten', async () => {
    // Prepare: one item is throttled on every call.
    dynamodb.on(BatchWriteItemCommand).callsFake((input) => {
      const requests: WriteRequest[] = input.RequestItems[TABLE];
      const throttled = requests.filter((r) => r.PutRequest?.Item?.sk?.S?.startsWith('0000000001000'));
      return { UnprocessedItems: throttled.length > 0 ? { [TABLE]: throttled } : {} };
    });
    const letters = [1_000, 2_000].map((at, i) => ({ ...stored(), id: letterId(at, UUID(i)) }));

    // Act
    const outcome = await storeDeadLetters(store(), letters);

    // Assess: the first call, then three retries of the throttled item alone.
    expect(writtenRequests().map((requests) => requests.length)).toEqual([2, 1, 1, 1]);
    expect(outcome).toEqual({ stored: 1, notStored: 1, tooLarge: 0, errors: { Unprocessed: 1 } });
  });

  it('never throws: a failing table is counted', async () => {
    // Prepare
    dynamodb
      .on(BatchWriteItemCommand)
      .rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));

    // Act
    const outcome = await storeDeadLetters(store(), [stored()]);

    // Assess
    expect(outcome).toEqual({ stored: 0, notStored: 1, tooLarge: 0, errors: { AccessDeniedException: 1 } });
  });
});

describe('dispatchBatch with a dead-letter store', () => {
  let logs: ReturnType<typeof capturingLogger>;
  const calls: string[] = [];

  const dependencies = (overrides: Partial<DispatchDependencies> = {}): DispatchDependencies => ({
    registry: registryOf([standardTopicDestination]),
    clients: { client: (Client) => new Client({ region: 'us-east-1' }) },
    sqs: new SQSClient({ region: 'us-east-1' }),
    deadLetterQueue: { url: DLQ_URL, fifo: false },
    logger: logs.logger,
    maxReceiveCount: 5,
    concurrency: 4,
    deadLetterStore: store(),
    ...overrides,
  });

  beforeEach(() => {
    logs = capturingLogger();
    calls.length = 0;
    // The destination refuses everything, for good.
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => {
      calls.push('dead-letter queue');
      return { Successful: input.Entries.map((e, i) => ({ Id: e.Id, MessageId: UUID(i + 1) })) };
    });
  });

  afterEach(() => logs.restore());

  it("writes the batch's letters of known workspaces in one BatchWriteItem, after the dead-letter queue has them", async () => {
    // Prepare
    dynamodb.on(BatchWriteItemCommand).callsFake(() => {
      calls.push('store');
      return { UnprocessedItems: {} };
    });
    const records = [
      sqsRecord(ingestMessage({ event: { distinct_id: 'e1' } }), { messageId: 'm1' }),
      sqsRecord(ingestMessage({ event: { distinct_id: 'e2' } }), { messageId: 'm2' }),
      sqsRecord('not json', { messageId: 'm3' }),
      sqsRecord(ingestMessage({ workspaceId: 'ws-nobody' }), { messageId: 'm4' }),
    ];

    // Act
    const response = await dispatchBatch(records, dependencies());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(calls).toEqual(['dead-letter queue', 'store']);
    const queued = sqs.commandCalls(SendMessageBatchCommand)[0].args[0].input.Entries ?? [];
    expect(queued).toHaveLength(4);
    const [puts] = writtenRequests();
    expect(puts.map((r) => fromDeadLetterItem(WORKSPACE_ID, r.PutRequest?.Item ?? {}))).toEqual([
      expect.objectContaining({
        errorCode: 'AccessDenied',
        destinationId: 'marketing',
        distinctId: 'e1',
        body: records[0].body,
        messageId: expect.stringMatching(/^00000000-0000-4000-8000-/),
      }),
      expect.objectContaining({ distinctId: 'e2', body: records[1].body }),
    ]);
    // The same letter in both: the store's id carries the queue's message id.
    const ids = puts.map((r) => r.PutRequest?.Item?.sk?.S?.slice(14));
    const queuedIdOf = (body: string) => UUID(queued.findIndex((e) => e.MessageBody === body) + 1);
    expect(ids).toEqual([queuedIdOf(records[0].body), queuedIdOf(records[1].body)]);
    const summary = logs.lines().find((line) => line.includes('batch dispatched')) ?? '';
    expect(JSON.parse(summary)).toMatchObject({
      deadLettered: 4,
      deadLettersStored: 2,
      deadLettersNotStored: 0,
    });
  });

  it('acknowledges the records when the store fails: the letters are in the queue, the failure logged and counted', async () => {
    // Prepare
    dynamodb
      .on(BatchWriteItemCommand)
      .rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    const records = [sqsRecord(ingestMessage(), { messageId: 'm1' })];

    // Act
    const response = await dispatchBatch(records, dependencies());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
    const failure = logs.lines().find((line) => line.includes("not in their workspace's store")) ?? '';
    expect(JSON.parse(failure)).toMatchObject({
      level: 'ERROR',
      notStored: 1,
      errors: { ProvisionedThroughputExceededException: 1 },
      workspaceIds: [WORKSPACE_ID],
    });
    const summary = logs.lines().find((line) => line.includes('batch dispatched')) ?? '';
    expect(JSON.parse(summary)).toMatchObject({ deadLettersStored: 0, deadLettersNotStored: 1 });
  });

  it('stores nothing of a letter the queue refused: its record goes back to the queue', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({
      Failed: [{ Id: '0', Code: 'KMS.DisabledException', SenderFault: true }],
    });

    // Act
    const response = await dispatchBatch([sqsRecord(ingestMessage(), { messageId: 'm1' })], dependencies());

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(dynamodb).not.toHaveReceivedCommand(BatchWriteItemCommand);
  });

  it('writes nothing per delivered event, and nothing at all without a store', async () => {
    // Prepare
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id })),
    }));

    // Act
    await dispatchBatch([sqsRecord(ingestMessage(), { messageId: 'ok' })], dependencies());
    sns.on(PublishBatchCommand).rejects(Object.assign(new Error('denied'), { name: 'AuthorizationError' }));
    await dispatchBatch(
      [sqsRecord(ingestMessage(), { messageId: 'm1' })],
      dependencies({ deadLetterStore: undefined }),
    );

    // Assess
    expect(dynamodb).not.toHaveReceivedCommand(BatchWriteItemCommand);
  });
});
