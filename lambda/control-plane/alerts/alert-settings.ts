import { type DynamoDBClient, GetItemCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ALERT_CHANNEL_ATTRIBUTE, type AlertChannel, type AlertMessage } from '../../shared/alert-channel';
import { registryKeys } from '../../shared/registry-table';
import { WorkspaceGoneError } from '../access/api-keys';
import { type ChangeContext, writeAudited } from '../audit/audit-log';

/** A workspace's alert channel: read, set (audited), and tried with a test alert. */
export class AlertSettings {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
    private readonly publish: (
      workspace: { readonly id: string; readonly externalId: string },
      channel: AlertChannel,
      message: AlertMessage,
    ) => Promise<void>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async channel(workspaceId: string): Promise<AlertChannel | null> {
    return (await this.read(workspaceId)).channel;
  }

  /** Sets the channel (`null`: no alerts), with its audit event, in one transaction. */
  async setChannel(workspaceId: string, channel: AlertChannel | null, context: ChangeContext): Promise<void> {
    const before = await this.read(workspaceId);
    const at = this.now().toISOString();
    try {
      await writeAudited(
        this.dynamodb,
        this.tableName,
        workspaceId,
        context,
        {
          action: channel ? 'alerts.set-channel' : 'alerts.remove-channel',
          target: 'alerts',
          before: { topicArn: before.channel?.topicArn ?? null },
          after: { topicArn: channel?.topicArn ?? null },
        },
        [
          {
            Update: {
              TableName: this.tableName,
              Key: registryKeys.workspace(workspaceId),
              ConditionExpression: 'attribute_exists(pk)',
              ...(channel
                ? {
                    UpdateExpression: 'SET #channel = :channel',
                    ExpressionAttributeValues: { ':channel': { S: JSON.stringify(channel) } },
                  }
                : { UpdateExpression: 'REMOVE #channel' }),
              ExpressionAttributeNames: { '#channel': ALERT_CHANNEL_ATTRIBUTE },
            },
          },
        ],
        at,
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) throw new WorkspaceGoneError(workspaceId);
      throw error;
    }
  }

  /** Publishes a test alert to the channel as a real one would go: what the customer's topic says is the answer. */
  async test(workspaceId: string): Promise<{ sent: boolean; error?: string }> {
    const { channel, externalId } = await this.read(workspaceId);
    if (!channel) return { sent: false, error: 'no alert channel: set one first' };
    try {
      await this.publish({ id: workspaceId, externalId }, channel, {
        type: 'AlertChannelTest',
        workspace: workspaceId,
        at: this.now().toISOString(),
      });
      return { sent: true };
    } catch (error) {
      return { sent: false, error: `${(error as Error).name}: ${(error as Error).message}`.slice(0, 500) };
    }
  }

  private async read(workspaceId: string): Promise<{ channel: AlertChannel | null; externalId: string }> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: registryKeys.workspace(workspaceId),
        ProjectionExpression: `external_id, ${ALERT_CHANNEL_ATTRIBUTE}`,
        ConsistentRead: true,
      }),
    );
    if (!Item) throw new WorkspaceGoneError(workspaceId);
    const text = Item[ALERT_CHANNEL_ATTRIBUTE]?.S;
    return {
      channel: text ? (JSON.parse(text) as AlertChannel) : null,
      externalId: Item.external_id?.S ?? '',
    };
  }
}
