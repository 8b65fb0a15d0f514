import * as z from 'zod/mini';
import './zod-messages';
import { roleArn, text } from './destination-types/common';
import { TOPIC_ARN_PATTERN } from './destination-types/sns';

/**
 * Where a workspace is told about its destinations' trouble: its own SNS topic (standard), in its
 * own account, published through its delivery role, as events are, so the customer routes alerts
 * on (email, chat, paging) with what they already run, and the platform holds no address of theirs.
 */
export const AlertChannelSchema = z.strictObject({
  topicArn: text({ pattern: TOPIC_ARN_PATTERN, message: 'must be an SNS topic ARN' }).check(
    z.refine((arn) => !arn.endsWith('.fifo'), 'must be a standard topic: alerts carry no message group'),
  ),
  /** A delivery role of the workspace (on /event-delivery/) allowed sns:Publish on the topic. */
  roleArn,
  /** Dead letters of one destination within an hour that make an alert. */
  deadLetterThreshold: z._default(z.int().check(z.gte(1), z.lte(100_000)), 10),
});
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

/** What the workspace's topic receives: ids, codes and counts, never event content. */
export interface AlertMessage {
  readonly type:
    | 'DestinationCircuitOpened'
    | 'DestinationDisabled'
    | 'DeadLettersGrowing'
    | 'AlertChannelTest';
  readonly workspace: string;
  readonly destination?: string;
  /** The error code that opened the circuit, disabled the destination, or dead-lettered most. */
  readonly reason?: string;
  /** Dead letters in the hour so far (DeadLettersGrowing). */
  readonly count?: number;
  readonly at: string;
}

/** The registry attribute on the workspace item that holds the channel (JSON). */
export const ALERT_CHANNEL_ATTRIBUTE = 'alert_channel';
