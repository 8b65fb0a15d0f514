import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type CircuitBreakerSettings, DEFAULT_BREAKER_SETTINGS } from './circuit-breaker';

/** Why a destination is disabled, as its events' dead letters give it. */
export interface DisabledDestination {
  readonly reason: string;
  readonly disabledAt: number;
}

/**
 * A destination's standing across execution environments, which a circuit breaker (one per
 * environment) cannot keep: how long it has been failing everything, and whether an operator
 * must re-enable it.
 */
export interface DisabledDestinations {
  /** Whether the destination is disabled; served from a short cache. */
  disabled(destinationId: string): Promise<DisabledDestination | undefined>;
  /** Its circuit opened (or a probe failed and re-opened it): it has failed every call for a while. */
  reportFailing(destinationId: string, errorCode: string): Promise<void>;
  /** Its circuit closed again. */
  reportRecovered(destinationId: string): Promise<void>;
}

export interface DynamoDbDisabledDestinationsOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Failing everything for this long disables a destination. */
  readonly disableAfterMs: number;
  /**
   * Failure reports further apart than this are not one failure: the clock restarts. An open
   * circuit re-reports at every failed probe, at least once per cool-down while its events keep
   * coming back, so a longer silence means nobody observed the destination failing (an execution
   * environment recycled while its circuit was open, or no traffic).
   * @default `maxReportGapFor(DEFAULT_BREAKER_SETTINGS)`: 15 min
   */
  readonly maxReportGapMs?: number;
  /** Where the operator event goes when a destination is disabled. @default none */
  readonly operatorTopic?: { readonly sns: SNSClient; readonly topicArn: string };
  readonly logger: Logger;
  /** How long a read of a destination's status is served from memory. @default 60 s */
  readonly cacheMs?: number;
  /** How long a read may take before delivery goes on without it. @default 1 s */
  readonly readTimeoutMs?: number;
  readonly now?: () => number;
}

/**
 * How far apart the failure reports of a destination that keeps failing may be: three of the
 * breaker's longest cool-downs (a failed probe re-opens the circuit for at most that long, and the
 * deferred events come back when it ends), so a late retry or a slow batch does not break it.
 */
export function maxReportGapFor(breaker: CircuitBreakerSettings = DEFAULT_BREAKER_SETTINGS): number {
  return 3 * Math.max(breaker.cooldownMs, breaker.maxCooldownMs);
}

/**
 * Destination status in DynamoDB, one item per destination: `failing_since`, `last_failure_at`
 * and `last_error_code` while its circuit stays open, `disabled_at` and `disabled_reason` once it
 * has failed everything for `disableAfterMs`. `failing_since` describes one failure observed
 * without a break: a report after more than `maxReportGapMs` of silence restarts it, so a
 * `failing_since` left behind (its environment recycled while the circuit was open) never
 * counts an outage a day later as a day of failure. Written only on circuit transitions, read
 * once a minute per destination per environment: nothing per event. A read that fails keeps
 * delivering.
 */
export class DynamoDbDisabledDestinations implements DisabledDestinations {
  private readonly cache = new Map<string, { readAt: number; disabled?: DisabledDestination }>();
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbDisabledDestinationsOptions) {
    this.now = options.now ?? Date.now;
  }

  async disabled(destinationId: string): Promise<DisabledDestination | undefined> {
    const cached = this.cache.get(destinationId);
    if (cached && this.now() - cached.readAt < (this.options.cacheMs ?? 60_000)) return cached.disabled;
    try {
      const { Item } = await this.options.dynamodb.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: { destination_id: { S: destinationId } },
          ConsistentRead: false,
        }),
        // On every batch's path when the cache is cold: a slow table must not hold delivery.
        { abortSignal: AbortSignal.timeout(this.options.readTimeoutMs ?? 1_000) },
      );
      const disabled = Item?.disabled_at?.N
        ? { disabledAt: Number(Item.disabled_at.N), reason: Item.disabled_reason?.S ?? 'disabled' }
        : undefined;
      this.cache.set(destinationId, { readAt: this.now(), disabled });
      return disabled;
    } catch (error) {
      // Fail open: a status table that cannot be read must not stop delivery.
      this.options.logger.warn('destination status not read, delivering', {
        destinationId,
        errorName: (error as Error).name,
      });
      this.cache.set(destinationId, { readAt: this.now(), disabled: cached?.disabled });
      return cached?.disabled;
    }
  }

  async reportFailing(destinationId: string, errorCode: string): Promise<void> {
    const now = this.now();
    const item = await this.recordFailure(destinationId, errorCode, now);
    if (!item?.failing_since?.N || item.disabled_at) return;
    const failingSince = Number(item.failing_since.N);
    if (now - failingSince < this.options.disableAfterMs) return;
    const hours = Math.round((now - failingSince) / 360_000) / 10;
    const reason = `failed every call for ${hours} h (last error ${errorCode})`;
    // Only one environment disables it, and tells the operator once; not if it recovered meanwhile.
    const won = await this.updateIf(
      destinationId,
      'attribute_not_exists(disabled_at) AND failing_since = :since',
      {
        UpdateExpression: 'SET disabled_at = :now, disabled_reason = :reason',
        ExpressionAttributeValues: {
          ':now': { N: String(now) },
          ':reason': { S: reason },
          ':since': { N: String(failingSince) },
        },
      },
    );
    if (!won) return;
    this.cache.set(destinationId, { readAt: now, disabled: { disabledAt: now, reason } });
    this.options.logger.error('destination disabled', {
      workspaceId: destinationId.slice(0, Math.max(0, destinationId.indexOf('/'))),
      destinationId,
      reason,
      failingSince,
    });
    await this.tellOperator(destinationId, reason, failingSince, now);
  }

  async reportRecovered(destinationId: string): Promise<void> {
    await this.updateIf(destinationId, 'attribute_exists(failing_since)', {
      UpdateExpression: 'REMOVE failing_since, last_failure_at, last_error_code',
    });
  }

  /**
   * Records a failure report, atomically against other environments' reports: the failure goes
   * on if the last report is recent, else it starts now. Returns the item as written.
   */
  private async recordFailure(
    destinationId: string,
    errorCode: string,
    now: number,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const values = {
      ':now': { N: String(now) },
      ':code': { S: errorCode },
      ':recent': { N: String(now - (this.options.maxReportGapMs ?? maxReportGapFor())) },
    };
    // Two complementary conditions: one of them holds unless another environment wrote in
    // between, and then the next round sees what it wrote.
    for (let round = 0; round < 3; round++) {
      const continued = await this.updateIf(
        destinationId,
        'attribute_exists(failing_since) AND last_failure_at >= :recent',
        {
          UpdateExpression: 'SET last_failure_at = :now, last_error_code = :code',
          ExpressionAttributeValues: values,
        },
      );
      if (continued) return continued;
      const started = await this.updateIf(
        destinationId,
        'attribute_not_exists(failing_since) OR attribute_not_exists(last_failure_at) OR last_failure_at < :recent',
        {
          UpdateExpression: 'SET failing_since = :now, last_failure_at = :now, last_error_code = :code',
          ExpressionAttributeValues: values,
        },
      );
      if (started) return started;
    }
    return undefined;
  }

  /** Updates a destination's item if the condition holds: the item as written, or false when it does not hold. */
  private async updateIf(
    destinationId: string,
    condition: string,
    update: Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ExpressionAttributeValues'>,
  ): Promise<Record<string, AttributeValue> | false> {
    try {
      const { Attributes = {} } = await this.options.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { destination_id: { S: destinationId } },
          ConditionExpression: condition,
          ...update,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async tellOperator(
    destinationId: string,
    reason: string,
    failingSince: number,
    disabledAt: number,
  ): Promise<void> {
    const topic = this.options.operatorTopic;
    if (!topic) return;
    await topic.sns.send(
      new PublishCommand({
        TopicArn: topic.topicArn,
        Subject: `Destination ${destinationId} disabled`,
        Message: JSON.stringify({
          type: 'DestinationDisabled',
          destinationId,
          reason,
          failingSince: new Date(failingSince).toISOString(),
          disabledAt: new Date(disabledAt).toISOString(),
          // The re-enable command, for the operator reading the message.
          reEnable: `npm run destination-status -- enable ${destinationId}`,
        }),
        MessageAttributes: {
          type: { DataType: 'String', StringValue: 'DestinationDisabled' },
          destination_id: { DataType: 'String', StringValue: destinationId },
        },
      }),
    );
  }
}
