import { gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { ALERT_COOLDOWN_MS, AlertNotifier } from '../../../lambda/alerts/alert-notifier';
import { ALERTING_MESSAGES, alertCandidates } from '../../../lambda/alerts/alert-rules';
import { decodeLogEvents } from '../../../lambda/alerts/alerts-handler';
import { AlertChannelSchema } from '../../../lambda/shared/alert-channel';

const dynamodb = mockClient(DynamoDBClient);
const NOW = new Date('2030-01-15T12:30:00.000Z');
const CHANNEL = {
  topicArn: 'arn:aws:sns:us-east-1:111122223333:alerts',
  roleArn: 'arn:aws:iam::111122223333:role/event-delivery/Delivery',
  deadLetterThreshold: 5,
};

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

describe('alertCandidates', () => {
  it('makes one candidate per circuit opened and per destination disabled, and sums dead letters per destination', () => {
    // Act
    const candidates = alertCandidates([
      { message: ALERTING_MESSAGES.circuitOpened, destinationId: 'ws-1/orders', reason: 'Timeout' },
      { message: ALERTING_MESSAGES.disabled, destinationId: 'ws-1/crm', reason: 'AccessDenied' },
      {
        message: ALERTING_MESSAGES.deadLettered,
        workspaceId: 'ws-2',
        destinationId: 'fn',
        errorCode: 'Throttled',
      },
      {
        message: ALERTING_MESSAGES.deadLettered,
        workspaceId: 'ws-2',
        destinationId: 'fn',
        errorCode: 'Timeout',
      },
      {
        message: ALERTING_MESSAGES.deadLettered,
        workspaceId: 'ws-2',
        destinationId: 'fn',
        errorCode: 'Timeout',
      },
      { message: 'deliveries', workspaceId: 'ws-1', destinationId: 'orders' },
      { message: ALERTING_MESSAGES.circuitOpened, destinationId: 'no-slash' },
      { message: ALERTING_MESSAGES.deadLettered, errorCode: 'InvalidEvent' },
    ]);

    // Assess
    expect(candidates).toEqual([
      {
        kind: 'DestinationCircuitOpened',
        workspaceId: 'ws-1',
        destinationId: 'orders',
        reason: 'Timeout',
        count: 1,
      },
      {
        kind: 'DestinationDisabled',
        workspaceId: 'ws-1',
        destinationId: 'crm',
        reason: 'AccessDenied',
        count: 1,
      },
      { kind: 'DeadLettersGrowing', workspaceId: 'ws-2', destinationId: 'fn', reason: 'Timeout', count: 3 },
    ]);
  });
});

describe('decodeLogEvents', () => {
  it("reads a subscription's gzipped JSON lines, skipping what is not JSON and control messages", () => {
    // Prepare
    const payload = (body: object): CloudWatchLogsEvent => ({
      awslogs: { data: gzipSync(JSON.stringify(body)).toString('base64') },
    });
    const data = {
      messageType: 'DATA_MESSAGE',
      logEvents: [
        { id: '1', timestamp: 1, message: JSON.stringify({ message: 'dead-lettered', workspaceId: 'ws-1' }) },
        { id: '2', timestamp: 2, message: 'START RequestId: x' },
      ],
    };

    // Act
    const lines = decodeLogEvents(payload(data));
    const control = decodeLogEvents(payload({ messageType: 'CONTROL_MESSAGE', logEvents: [] }));

    // Assess
    expect(lines).toEqual([{ message: 'dead-lettered', workspaceId: 'ws-1' }]);
    expect(control).toEqual([]);
  });
});

describe('AlertNotifier', () => {
  const published: unknown[] = [];
  const notifier = () =>
    new AlertNotifier({
      dynamodb: new DynamoDBClient({}),
      tableName: 'registry',
      now: () => NOW,
      publish: async (workspace, channel, message) => {
        published.push({ workspace, channel, message });
      },
    });
  const withChannel = (channel: object | null = CHANNEL) =>
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        external_id: { S: 'ext-1' },
        workspace_status: { S: 'active' },
        ...(channel && { alert_channel: { S: JSON.stringify(channel) } }),
      },
    });

  beforeEach(() => {
    dynamodb.reset();
    published.length = 0;
  });

  it('publishes a circuit alert once per cooldown, through the channel, with the workspace external id', async () => {
    // Prepare
    withChannel();
    dynamodb.on(UpdateItemCommand).resolvesOnce({}).rejects(conditionFailed());
    const candidate = {
      kind: 'DestinationCircuitOpened' as const,
      workspaceId: 'ws-1',
      destinationId: 'orders',
      reason: 'Timeout',
      count: 1,
    };

    // Act
    const first = await notifier().notify([candidate]);
    const second = await notifier().notify([candidate]);

    // Assess
    expect(first).toEqual({ sent: 1, quiet: 0, failed: [] });
    expect(second).toEqual({ sent: 0, quiet: 1, failed: [] });
    expect(published).toEqual([
      {
        workspace: { id: 'ws-1', externalId: 'ext-1' },
        channel: CHANNEL,
        message: {
          type: 'DestinationCircuitOpened',
          workspace: 'ws-1',
          destination: 'orders',
          reason: 'Timeout',
          at: NOW.toISOString(),
        },
      },
    ]);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { pk: { S: 'workspace#ws-1' }, sk: { S: 'alert#DestinationCircuitOpened#orders' } },
      ConditionExpression: 'attribute_not_exists(sent_at) OR sent_at < :cooled',
      ExpressionAttributeValues: {
        ':now': { N: String(NOW.getTime()) },
        ':cooled': { N: String(NOW.getTime() - ALERT_COOLDOWN_MS) },
      },
    });
  });

  it('says nothing to a workspace without a channel, and writes nothing for it', async () => {
    // Prepare
    withChannel(null);

    // Act
    const outcome = await notifier().notify([
      {
        kind: 'DestinationDisabled',
        workspaceId: 'ws-1',
        destinationId: 'orders',
        reason: 'AccessDenied',
        count: 1,
      },
    ]);

    // Assess
    expect(outcome).toEqual({ sent: 0, quiet: 1, failed: [] });
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it("alerts on dead letters once, when the hour's count crosses the threshold", async () => {
    // Prepare: 3 already this hour; 4 more make 7, past 5.
    withChannel();
    dynamodb
      .on(UpdateItemCommand)
      .resolvesOnce({ Attributes: { dead_letters: { N: '7' } } })
      .resolvesOnce({ Attributes: { dead_letters: { N: '9' } } });
    const growing = (count: number) => ({
      kind: 'DeadLettersGrowing' as const,
      workspaceId: 'ws-1',
      destinationId: 'fn',
      reason: 'Timeout',
      count,
    });

    // Act
    const crossing = await notifier().notify([growing(4)]);
    const past = await notifier().notify([growing(2)]);

    // Assess
    expect(crossing.sent).toBe(1);
    expect(past.sent).toBe(0);
    expect(published).toEqual([expect.objectContaining({ message: expect.objectContaining({ count: 7 }) })]);
  });

  it('starts a new hour from the count at hand', async () => {
    // Prepare
    withChannel();
    dynamodb.on(UpdateItemCommand).rejectsOnce(conditionFailed()).resolves({});

    // Act
    const outcome = await notifier().notify([
      { kind: 'DeadLettersGrowing', workspaceId: 'ws-1', destinationId: 'fn', reason: 'Timeout', count: 6 },
    ]);

    // Assess
    expect(outcome.sent).toBe(1);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'SET dead_letter_hour = :hour, dead_letters = :n',
      ExpressionAttributeValues: { ':n': { N: '6' }, ':hour': { S: '2030-01-15T12' } },
    });
  });

  it("records a publish that fails (the customer's topic or role), and goes on", async () => {
    // Prepare
    withChannel();
    dynamodb.on(UpdateItemCommand).resolves({});
    const failing = new AlertNotifier({
      dynamodb: new DynamoDBClient({}),
      tableName: 'registry',
      now: () => NOW,
      publish: async () => {
        throw Object.assign(new Error('denied'), { name: 'AuthorizationError' });
      },
    });

    // Act
    const outcome = await failing.notify([
      {
        kind: 'DestinationDisabled',
        workspaceId: 'ws-1',
        destinationId: 'orders',
        reason: 'AccessDenied',
        count: 1,
      },
    ]);

    // Assess
    expect(outcome.failed).toEqual([
      { workspaceId: 'ws-1', destinationId: 'orders', error: 'AuthorizationError' },
    ]);
  });
});

describe('AlertChannelSchema', () => {
  it('takes a standard topic and a role, and refuses a FIFO topic', () => {
    expect(AlertChannelSchema.parse({ topicArn: CHANNEL.topicArn, roleArn: CHANNEL.roleArn })).toEqual({
      ...CHANNEL,
      deadLetterThreshold: 10,
    });
    expect(AlertChannelSchema.safeParse({ ...CHANNEL, topicArn: `${CHANNEL.topicArn}.fifo` }).success).toBe(
      false,
    );
  });
});
