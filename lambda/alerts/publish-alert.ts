import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { DeliveryClients } from '../dispatcher/deliver/clients';
import type { AlertChannel, AlertMessage } from '../shared/alert-channel';
import type { SnsDestination } from '../shared/destination-config';

/** The destination id the alert topic goes by in the client cache and the customer's CloudTrail. */
const ALERTS = 'alerts';

/**
 * Publishes one alert to the workspace's topic through its delivery role, with the workspace's
 * external id: the same trust as its events, so the customer grants nothing new but
 * `sns:Publish` on the topic. Throws what SNS or STS throw.
 */
export async function publishAlert(
  clients: DeliveryClients,
  workspace: { readonly id: string; readonly externalId: string },
  channel: AlertChannel,
  message: AlertMessage,
): Promise<void> {
  const destination: SnsDestination = {
    id: ALERTS,
    type: 'sns',
    workspaceId: workspace.id,
    externalId: workspace.externalId,
    topicArn: channel.topicArn,
    roleArn: channel.roleArn,
    events: ['*'],
  };
  await clients.client(SNSClient, destination).send(
    new PublishCommand({
      TopicArn: channel.topicArn,
      Subject: `Event delivery: ${message.type}`,
      Message: JSON.stringify(message),
      MessageAttributes: { type: { DataType: 'String', StringValue: message.type } },
    }),
  );
}
