import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ALERT_CHANNEL_ATTRIBUTE,
  type AlertChannel,
  AlertChannelSchema,
  type AlertMessage,
} from '../shared/alert-channel';
import { registryKeys } from '../shared/registry-table';
import type { AlertCandidate } from './alert-rules';

/** One alert per destination and kind at most this often: a flapping circuit is one message, not fifty. */
export const ALERT_COOLDOWN_MS = 15 * 60_000;

export interface AlertNotifierDependencies {
  readonly dynamodb: DynamoDBClient;
  /** The registry: the workspace's channel, and each destination's alert state next to it. */
  readonly tableName: string;
  readonly publish: (
    workspace: { readonly id: string; readonly externalId: string },
    channel: AlertChannel,
    message: AlertMessage,
  ) => Promise<void>;
  readonly now?: () => Date;
}

export interface NotifyOutcome {
  readonly sent: number;
  /** No channel, within the cooldown, under the threshold. */
  readonly quiet: number;
  /** Publishing failed: the customer's topic or role is wrong; the next alert tries again. */
  readonly failed: { readonly workspaceId: string; readonly destinationId: string; readonly error: string }[];
}

/**
 * Decides which candidates become messages and sends them: only to workspaces with a channel,
 * once per destination and kind per cooldown (a conditional write per alert, never per event),
 * and dead letters only when the hour's count crosses the workspace's threshold.
 */
export class AlertNotifier {
  private readonly now: () => Date;

  constructor(private readonly deps: AlertNotifierDependencies) {
    this.now = deps.now ?? (() => new Date());
  }

  async notify(candidates: readonly AlertCandidate[]): Promise<NotifyOutcome> {
    const outcome: { sent: number; quiet: number; failed: NotifyOutcome['failed'][number][] } = {
      sent: 0,
      quiet: 0,
      failed: [],
    };
    const workspaces = new Map<string, Promise<{ externalId: string; channel: AlertChannel } | undefined>>();
    for (const candidate of candidates) {
      let workspace = workspaces.get(candidate.workspaceId);
      if (!workspace) {
        workspace = this.channelOf(candidate.workspaceId);
        workspaces.set(candidate.workspaceId, workspace);
      }
      const found = await workspace;
      const message = found && (await this.claim(candidate, found.channel));
      if (!found || !message) {
        outcome.quiet += 1;
        continue;
      }
      try {
        await this.deps.publish(
          { id: candidate.workspaceId, externalId: found.externalId },
          found.channel,
          message,
        );
        outcome.sent += 1;
      } catch (error) {
        outcome.failed.push({
          workspaceId: candidate.workspaceId,
          destinationId: candidate.destinationId,
          error: (error as Error).name,
        });
      }
    }
    return outcome;
  }

  /** The workspace's channel and external id; none when it set no channel (or it no longer parses). */
  private async channelOf(
    workspaceId: string,
  ): Promise<{ externalId: string; channel: AlertChannel } | undefined> {
    const { Item } = await this.deps.dynamodb.send(
      new GetItemCommand({
        TableName: this.deps.tableName,
        Key: registryKeys.workspace(workspaceId),
        ProjectionExpression: `external_id, ${ALERT_CHANNEL_ATTRIBUTE}, workspace_status`,
      }),
    );
    const text = Item?.[ALERT_CHANNEL_ATTRIBUTE]?.S;
    if (!text || !Item?.external_id?.S || Item.workspace_status?.S === 'disabled') return undefined;
    const parsed = AlertChannelSchema.safeParse(JSON.parse(text));
    return parsed.success ? { externalId: Item.external_id.S, channel: parsed.data } : undefined;
  }

  /** The message to send, if this candidate wins its cooldown or crosses its threshold now. */
  private async claim(candidate: AlertCandidate, channel: AlertChannel): Promise<AlertMessage | undefined> {
    const now = this.now();
    const base = {
      type: candidate.kind,
      workspace: candidate.workspaceId,
      destination: candidate.destinationId,
      reason: candidate.reason,
      at: now.toISOString(),
    } as const;
    const key = {
      pk: { S: `workspace#${candidate.workspaceId}` },
      sk: { S: `alert#${candidate.kind}#${candidate.destinationId}` },
    };
    if (candidate.kind !== 'DeadLettersGrowing') {
      const won = await this.conditional({
        TableName: this.deps.tableName,
        Key: key,
        UpdateExpression: 'SET sent_at = :now',
        ConditionExpression: 'attribute_not_exists(sent_at) OR sent_at < :cooled',
        ExpressionAttributeValues: {
          ':now': { N: String(now.getTime()) },
          ':cooled': { N: String(now.getTime() - ALERT_COOLDOWN_MS) },
        },
      });
      return won ? base : undefined;
    }
    const hour = now.toISOString().slice(0, 13);
    const added = await this.addDeadLetters(key, hour, candidate.count);
    const before = added - candidate.count;
    // Once an hour, when the count crosses the threshold: not at every dead letter past it.
    return before < channel.deadLetterThreshold && added >= channel.deadLetterThreshold
      ? { ...base, count: added }
      : undefined;
  }

  /** Adds to the destination's dead letters this hour (a new hour starts from zero): the new count. */
  private async addDeadLetters(
    key: Record<string, { S: string }>,
    hour: string,
    count: number,
  ): Promise<number> {
    try {
      const { Attributes } = await this.deps.dynamodb.send(
        new UpdateItemCommand({
          TableName: this.deps.tableName,
          Key: key,
          UpdateExpression: 'ADD dead_letters :n',
          ConditionExpression: 'dead_letter_hour = :hour',
          ExpressionAttributeValues: { ':n': { N: String(count) }, ':hour': { S: hour } },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.dead_letters?.N ?? count);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    await this.deps.dynamodb.send(
      new UpdateItemCommand({
        TableName: this.deps.tableName,
        Key: key,
        UpdateExpression: 'SET dead_letter_hour = :hour, dead_letters = :n',
        ExpressionAttributeValues: { ':n': { N: String(count) }, ':hour': { S: hour } },
      }),
    );
    return count;
  }

  private async conditional(input: ConstructorParameters<typeof UpdateItemCommand>[0]): Promise<boolean> {
    try {
      await this.deps.dynamodb.send(new UpdateItemCommand(input));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
