import type { Logger } from '@aws-lambda-powertools/logger';
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';

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
export interface DestinationStatus {
  /** Whether the destination is disabled; served from a short cache. */
  disabled(destinationId: string): Promise<DisabledDestination | undefined>;
  /** Its circuit opened: it has failed every call for a while. */
  reportFailing(destinationId: string, errorCode: string): Promise<void>;
  /** Its circuit closed again. */
  reportRecovered(destinationId: string): Promise<void>;
}

export interface DynamoDbDestinationStatusOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  /** Failing everything for this long disables a destination. */
  readonly disableAfterMs: number;
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
 * Destination status in DynamoDB, one item per destination: `failing_since` and
 * `last_error_code` while its circuit stays open, `disabled_at` and `disabled_reason` once it has
 * failed everything for `disableAfterMs`. Written only on circuit transitions, read once a
 * minute per destination per environment: nothing per event. A read that fails keeps delivering.
 */
export class DynamoDbDestinationStatus implements DestinationStatus {
  private readonly cache = new Map<string, { readAt: number; disabled?: DisabledDestination }>();
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbDestinationStatusOptions) {
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
    const { Attributes } = await this.options.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.options.tableName,
        Key: { destination_id: { S: destinationId } },
        UpdateExpression: 'SET failing_since = if_not_exists(failing_since, :now), last_error_code = :code',
        ExpressionAttributeValues: { ':now': { N: String(now) }, ':code': { S: errorCode } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const failingSince = Number(Attributes?.failing_since?.N ?? now);
    if (Attributes?.disabled_at || now - failingSince < this.options.disableAfterMs) return;
    const hours = Math.round((now - failingSince) / 360_000) / 10;
    const reason = `failed every call for ${hours} h (last error ${errorCode})`;
    // Only one environment disables it, and tells the operator once.
    const won = await this.updateIf(destinationId, 'attribute_not_exists(disabled_at)', {
      UpdateExpression: 'SET disabled_at = :now, disabled_reason = :reason',
      ExpressionAttributeValues: { ':now': { N: String(now) }, ':reason': { S: reason } },
    });
    if (!won) return;
    this.cache.set(destinationId, { readAt: now, disabled: { disabledAt: now, reason } });
    this.options.logger.error('destination disabled', { destinationId, reason, failingSince });
    await this.tellOperator(destinationId, reason, failingSince, now);
  }

  async reportRecovered(destinationId: string): Promise<void> {
    await this.updateIf(destinationId, 'attribute_exists(failing_since)', {
      UpdateExpression: 'REMOVE failing_since, last_error_code',
    });
  }

  /** Updates a destination's item if the condition holds; false when it does not. */
  private async updateIf(
    destinationId: string,
    condition: string,
    update: Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ExpressionAttributeValues'>,
  ): Promise<boolean> {
    try {
      await this.options.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { destination_id: { S: destinationId } },
          ConditionExpression: condition,
          ...update,
        }),
      );
      return true;
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
