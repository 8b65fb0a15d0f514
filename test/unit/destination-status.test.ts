import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbDestinationStatus } from '../../lambda/dispatcher/destination-status';
import { capturingLogger } from '../support/capture-logs';

const dynamodb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const HOUR = 3_600_000;
const TOPIC = 'arn:aws:sns:us-east-1:999999999999:operator';

describe('DynamoDbDestinationStatus', () => {
  let now: number;
  let logs: ReturnType<typeof capturingLogger>;
  let status: DynamoDbDestinationStatus;

  beforeEach(() => {
    dynamodb.reset();
    sns.reset();
    logs = capturingLogger();
    now = 100 * HOUR;
    status = new DynamoDbDestinationStatus({
      dynamodb: new DynamoDBClient({}),
      tableName: 'status',
      disableAfterMs: 24 * HOUR,
      operatorTopic: { sns: new SNSClient({}), topicArn: TOPIC },
      logger: logs.logger,
      now: () => now,
    });
  });
  afterEach(() => logs.restore());

  it('records when a destination started failing, keeping the first time, without disabling it early', async () => {
    dynamodb.on(UpdateItemCommand).resolves({ Attributes: { failing_since: { N: String(now - HOUR) } } });

    await status.reportFailing('orders-fn', 'DeliveryTimedOut');

    expect(dynamodb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { destination_id: { S: 'orders-fn' } },
      UpdateExpression: 'SET failing_since = if_not_exists(failing_since, :now), last_error_code = :code',
    });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('disables a destination failing everything for the whole period, once, and tells the operator', async () => {
    // Prepare
    dynamodb
      .on(UpdateItemCommand)
      .resolvesOnce({ Attributes: { failing_since: { N: String(now - 25 * HOUR) } } })
      .resolves({});

    // Act
    await status.reportFailing('orders-fn', 'ServiceUnavailable');

    // Assess
    expect(dynamodb).toHaveReceivedNthCommandWith(2, UpdateItemCommand, {
      UpdateExpression: 'SET disabled_at = :now, disabled_reason = :reason',
      ConditionExpression: 'attribute_not_exists(disabled_at)',
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message ?? '');
    expect(message).toMatchObject({
      type: 'DestinationDisabled',
      destinationId: 'orders-fn',
      reason: 'failed every call for 25 h (last error ServiceUnavailable)',
    });
    await expect(status.disabled('orders-fn')).resolves.toEqual({ disabledAt: now, reason: message.reason });
    expect(dynamodb).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('leaves the operator event to the environment that won the disabling write', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .resolvesOnce({ Attributes: { failing_since: { N: String(now - 25 * HOUR) } } })
      .rejects(new ConditionalCheckFailedException({ message: 'taken', $metadata: {} }));

    await status.reportFailing('orders-fn', 'ServiceUnavailable');

    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('reads whether a destination is disabled at most once a minute, and keeps delivering when it cannot read', async () => {
    dynamodb
      .on(GetItemCommand)
      .resolvesOnce({
        Item: { disabled_at: { N: '1' }, disabled_reason: { S: 'failed every call for 24 h' } },
      })
      .rejects(new Error('throttled'));

    const first = await status.disabled('d');
    now += 30_000;
    const cached = await status.disabled('d');
    now += 60_000;
    const afterReadFailure = await status.disabled('other');

    expect(first).toEqual({ disabledAt: 1, reason: 'failed every call for 24 h' });
    expect(cached).toEqual(first);
    expect(afterReadFailure).toBeUndefined();
    expect(dynamodb).toHaveReceivedCommandTimes(GetItemCommand, 2);
  });

  it('clears the failing time when the destination recovers', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'none', $metadata: {} }));

    await expect(status.reportRecovered('orders-fn')).resolves.toBeUndefined();
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'REMOVE failing_since, last_error_code',
    });
  });
});
