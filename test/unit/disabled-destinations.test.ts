import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DynamoDbDisabledDestinations,
  maxReportGapFor,
} from '../../lambda/dispatcher/deliver/failure-memory/disabled-destinations';
import { capturingLogger } from '../support/capture-logs';

const dynamodb = mockClient(DynamoDBClient);
const sns = mockClient(SNSClient);
const HOUR = 3_600_000;
const MINUTE = 60_000;
const TOPIC = 'arn:aws:sns:us-east-1:999999999999:operator';

type Item = Record<string, AttributeValue>;

/**
 * One status item behind the mock, answering UpdateItem as DynamoDB does: the condition is
 * checked and the update applied in one step, or ConditionalCheckFailedException. Conditions are
 * the ones the status writes; an unknown one fails the test.
 */
function statusTable(initial: Item = {}) {
  const table = { item: { ...initial } as Item, writes: [] as string[] };
  const number = (name: string) =>
    table.item[name]?.N === undefined ? undefined : Number(table.item[name].N);
  dynamodb.on(UpdateItemCommand).callsFake((input: UpdateItemCommandInput) => {
    const values = input.ExpressionAttributeValues ?? {};
    const value = (name: string) => Number(values[name]?.N);
    const lastFailure = number('last_failure_at');
    const conditions: Record<string, () => boolean> = {
      'attribute_exists(failing_since) AND last_failure_at >= :recent': () =>
        number('failing_since') !== undefined && lastFailure !== undefined && lastFailure >= value(':recent'),
      'attribute_not_exists(failing_since) OR attribute_not_exists(last_failure_at) OR last_failure_at < :recent':
        () =>
          number('failing_since') === undefined ||
          lastFailure === undefined ||
          lastFailure < value(':recent'),
      'attribute_not_exists(disabled_at) AND failing_since = :since': () =>
        number('disabled_at') === undefined && number('failing_since') === value(':since'),
      'attribute_exists(failing_since)': () => number('failing_since') !== undefined,
      'attribute_not_exists(disabled_at)': () => number('disabled_at') === undefined,
      '': () => true,
    };
    const condition = conditions[input.ConditionExpression ?? ''];
    if (!condition) throw new Error(`unexpected condition ${input.ConditionExpression}`);
    if (!condition()) throw new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });
    const [, action, rest] = /^(SET|REMOVE) (.*)$/.exec(input.UpdateExpression ?? '') ?? [];
    for (const clause of rest.split(/, (?![^(]*\))/)) {
      if (action === 'REMOVE') delete table.item[clause];
      else {
        const [name, operand] = clause.split(' = ');
        const [, keep, placeholder] = /^if_not_exists\((\w+), (:\w+)\)$/.exec(operand) ?? [];
        if (!keep) table.item[name] = values[operand];
        else table.item[name] = table.item[keep] ?? values[placeholder];
      }
    }
    table.writes.push(input.UpdateExpression ?? '');
    return { Attributes: { ...table.item } };
  });
  return {
    ...table,
    get failingSince() {
      return number('failing_since');
    },
    get disabledAt() {
      return number('disabled_at');
    },
  };
}

describe('DynamoDbDisabledDestinations', () => {
  let now: number;
  let logs: ReturnType<typeof capturingLogger>;
  let status: DynamoDbDisabledDestinations;

  beforeEach(() => {
    dynamodb.reset();
    sns.reset();
    logs = capturingLogger();
    now = 100 * HOUR;
    status = new DynamoDbDisabledDestinations({
      dynamodb: new DynamoDBClient({}),
      tableName: 'status',
      disableAfterMs: 24 * HOUR,
      operatorTopic: { sns: new SNSClient({}), topicArn: TOPIC },
      logger: logs.logger,
      now: () => now,
    });
  });
  afterEach(() => logs.restore());

  /** An open circuit's failure reports, every `everyMs` from now for `forMs`, as failed probes make them. */
  async function reportContinuously(forMs: number, everyMs = 5 * MINUTE): Promise<void> {
    const until = now + forMs;
    for (; now < until; now += everyMs) await status.reportFailing('orders-fn', 'ServiceUnavailable');
    now = until;
    await status.reportFailing('orders-fn', 'ServiceUnavailable');
  }

  it('starts the clock at the first failure report, and records each report, without disabling it early', async () => {
    // Prepare
    const table = statusTable();

    // Act
    await status.reportFailing('orders-fn', 'DeliveryTimedOut');
    const first = now;
    now += 5 * MINUTE;
    await status.reportFailing('orders-fn', 'ServiceUnavailable');

    // Assess
    expect(table.item).toEqual({
      failing_since: { N: String(first) },
      last_failure_at: { N: String(now) },
      last_error_code: { S: 'ServiceUnavailable' },
    });
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { destination_id: { S: 'orders-fn' } },
      ConditionExpression: 'attribute_exists(failing_since) AND last_failure_at >= :recent',
      UpdateExpression: 'SET last_failure_at = :now, last_error_code = :code',
    });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('disables a destination whose failure was reported without a break for the whole period, once, and tells the operator', async () => {
    // Prepare
    const table = statusTable();
    const start = now;

    // Act
    await reportContinuously(24 * HOUR - 5 * MINUTE);
    const before = table.disabledAt;
    await reportContinuously(5 * MINUTE);

    // Assess
    expect(before).toBeUndefined();
    expect(table.failingSince).toBe(start);
    expect(table.disabledAt).toBe(now);
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      UpdateExpression: 'SET disabled_at = :now, disabled_reason = :reason',
      ConditionExpression: 'attribute_not_exists(disabled_at) AND failing_since = :since',
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message ?? '');
    expect(message).toMatchObject({
      type: 'DestinationDisabled',
      destinationId: 'orders-fn',
      reason: 'failed every call for 24 h (last error ServiceUnavailable)',
      failingSince: new Date(start).toISOString(),
    });
    await expect(status.disabled('orders-fn')).resolves.toEqual({ disabledAt: now, reason: message.reason });
    expect(dynamodb).not.toHaveReceivedCommand(GetItemCommand);
  });

  it('restarts the clock, never disabling, when failing_since was left behind with no recent failure report', async () => {
    // Prepare: an environment recycled while its circuit was open, 25 h ago.
    const table = statusTable({
      failing_since: { N: String(now - 25 * HOUR) },
      last_error_code: { S: 'ServiceUnavailable' },
    });

    // Act: a brief outage today.
    await status.reportFailing('orders-fn', 'DeliveryTimedOut');

    // Assess
    expect(table.disabledAt).toBeUndefined();
    expect(table.item).toEqual({
      failing_since: { N: String(now) },
      last_failure_at: { N: String(now) },
      last_error_code: { S: 'DeliveryTimedOut' },
    });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('restarts the clock when the last failure report is older than the bound, though failing_since is a day old', async () => {
    // Prepare: reported for a while 25 h ago, then nothing, then failing again now.
    const table = statusTable({
      failing_since: { N: String(now - 25 * HOUR) },
      last_failure_at: { N: String(now - maxReportGapFor() - MINUTE) },
      last_error_code: { S: 'ServiceUnavailable' },
    });

    // Act
    await status.reportFailing('orders-fn', 'ServiceUnavailable');

    // Assess
    expect(table.disabledAt).toBeUndefined();
    expect(table.failingSince).toBe(now);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('counts a silence longer than the bound as a break: 25 h of failure with an hour unobserved does not disable', async () => {
    // Prepare
    const table = statusTable();

    // Act
    await reportContinuously(12 * HOUR);
    now += HOUR;
    const restarted = now;
    await reportContinuously(12 * HOUR);

    // Assess
    expect(table.failingSince).toBe(restarted);
    expect(table.disabledAt).toBeUndefined();
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('bounds the silence by the circuit breaker: three of its longest cool-downs', () => {
    expect(maxReportGapFor()).toBe(15 * MINUTE);
    expect(
      maxReportGapFor({
        failureThreshold: 3,
        cooldownMs: 30_000,
        maxCooldownMs: 600_000,
        minPatienceMs: 500,
        maxPatienceMs: 5_000,
        patienceFactor: 4,
      }),
    ).toBe(30 * MINUTE);
  });

  it('makes environments reporting at once on a stale item agree on one start', async () => {
    // Prepare
    const table = statusTable({ failing_since: { N: String(now - 25 * HOUR) } });
    const other = new DynamoDbDisabledDestinations({
      dynamodb: new DynamoDBClient({}),
      tableName: 'status',
      disableAfterMs: 24 * HOUR,
      logger: logs.logger,
      now: () => now,
    });

    // Act
    await Promise.all([
      status.reportFailing('orders-fn', 'ServiceUnavailable'),
      other.reportFailing('orders-fn', 'ServiceUnavailable'),
    ]);

    // Assess
    expect(table.failingSince).toBe(now);
    expect(table.writes.filter((w) => w.startsWith('SET failing_since'))).toHaveLength(1);
    expect(table.disabledAt).toBeUndefined();
  });

  it('leaves the operator event to the environment that won the disabling write', async () => {
    // Prepare: reported without a break for 24 h, then two environments' probes fail at once.
    const table = statusTable({
      failing_since: { N: String(now - 24 * HOUR) },
      last_failure_at: { N: String(now - 5 * MINUTE) },
    });
    const other = new DynamoDbDisabledDestinations({
      dynamodb: new DynamoDBClient({}),
      tableName: 'status',
      disableAfterMs: 24 * HOUR,
      operatorTopic: { sns: new SNSClient({}), topicArn: TOPIC },
      logger: logs.logger,
      now: () => now,
    });

    // Act
    await Promise.all([
      status.reportFailing('orders-fn', 'ServiceUnavailable'),
      other.reportFailing('orders-fn', 'ServiceUnavailable'),
    ]);

    // Assess
    expect(table.disabledAt).toBe(now);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
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

  it('clears the failing time when the destination recovers, so the next failure starts the clock again', async () => {
    // Prepare
    const table = statusTable();
    await reportContinuously(20 * HOUR);

    // Act
    await status.reportRecovered('orders-fn');
    const cleared = { ...table.item };
    now += MINUTE;
    await reportContinuously(5 * HOUR);

    // Assess
    expect(cleared).toEqual({});
    expect(table.failingSince).toBe(now - 5 * HOUR);
    expect(table.disabledAt).toBeUndefined();
  });

  it('writes nothing on recovery when nothing was failing', async () => {
    dynamodb
      .on(UpdateItemCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'none', $metadata: {} }));

    await expect(status.reportRecovered('orders-fn')).resolves.toBeUndefined();
    expect(dynamodb).toHaveReceivedCommandWith(UpdateItemCommand, {
      ConditionExpression: 'attribute_exists(failing_since)',
      UpdateExpression: 'REMOVE failing_since, last_failure_at, last_error_code',
    });
  });
});
