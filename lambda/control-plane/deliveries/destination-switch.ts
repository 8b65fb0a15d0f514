import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { type ChangeContext, writeAudited } from '../audit/audit-log';

/** Why a destination is disabled when its own people disabled it: what its dead letters say. */
export const DISABLED_BY_WORKSPACE =
  'DisabledByWorkspace: a member of the workspace disabled it (see its audit log)';

/**
 * A workspace's people disable and enable their destinations themselves, in the table where the
 * dispatcher records the destinations it disabled after failing for long: a disabled destination's
 * events are dead-lettered with `DestinationDisabled`, for redrive once it is enabled again, by
 * every dispatcher within its status cache (a minute). Enabling also clears what the dispatcher
 * disabled, as the operator's `destination-status enable` does. Each change is audited in the
 * same transaction.
 */
export class DestinationSwitch {
  constructor(
    private readonly options: {
      readonly dynamodb: DynamoDBClient;
      /** The dispatcher's destination status table. */
      readonly statusTable: string;
      /** The registry table, which holds the audit log. */
      readonly auditTable: string;
      readonly now?: () => number;
    },
  ) {}

  /** Sets the destination enabled or disabled; `changed` is false when it already was. */
  async set(
    workspaceId: string,
    destinationId: string,
    enabled: boolean,
    context: ChangeContext,
  ): Promise<{ readonly enabled: boolean; readonly changed: boolean }> {
    const now = (this.options.now ?? Date.now)();
    const key = { destination_id: { S: `${workspaceId}/${destinationId}` } };
    const update: TransactWriteItem = {
      Update: enabled
        ? {
            TableName: this.options.statusTable,
            Key: key,
            UpdateExpression:
              'REMOVE disabled_at, disabled_reason, failing_since, last_failure_at, last_error_code',
            ConditionExpression: 'attribute_exists(disabled_at)',
          }
        : {
            TableName: this.options.statusTable,
            Key: key,
            UpdateExpression: 'SET disabled_at = :now, disabled_reason = :reason',
            ConditionExpression: 'attribute_not_exists(disabled_at)',
            ExpressionAttributeValues: {
              ':now': { N: String(now) },
              ':reason': { S: DISABLED_BY_WORKSPACE },
            },
          },
    };
    try {
      await writeAudited(
        this.options.dynamodb,
        this.options.auditTable,
        workspaceId,
        context,
        {
          action: enabled ? 'destination.enable' : 'destination.disable',
          target: `destination/${destinationId}`,
        },
        [update],
        new Date(now).toISOString(),
      );
      return { enabled, changed: true };
    } catch (error) {
      // Already so: nothing changed, so nothing is audited.
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return { enabled, changed: false };
      throw error;
    }
  }
}
