import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AlertNotifier } from '../lambda/alerts/alert-notifier';
import { ALERTING_MESSAGES } from '../lambda/alerts/alert-rules';
import { createAlertsHandler } from '../lambda/alerts/alerts-handler';
import { publishAlert } from '../lambda/alerts/publish-alert';
import { clientsAsDispatcher } from '../lambda/dispatcher/deliver/as-dispatcher';
import { EMULATOR_CREDENTIALS, emulatorClient, PLATFORM_ACCOUNT, REGION } from './accounts';
import { LogFileSubscription } from './log-subscription';
import { type LocalResources, platformFunction } from './provision';

export interface LocalAlertsOptions {
  readonly resources: Pick<LocalResources, 'platform'>;
  /** The dispatcher's log file: the subscription follows it. */
  readonly dispatcherLogFile: string;
  /** The emulator holding the registry. */
  readonly emulatorEndpoint: string;
  /** The local gateway: alerts reach customers' topics through it, as the dispatcher's deliveries do. */
  readonly gatewayEndpoint: string;
}

const ALERTING = new Set<unknown>(Object.values(ALERTING_MESSAGES));

/**
 * The workspace alerts function as synthesized (its variables), fed by a stand-in for its
 * subscription filter that follows the dispatcher's log file with the same filter.
 */
export function startLocalAlerts(options: LocalAlertsOptions): LogFileSubscription {
  const { environment } = platformFunction(options.resources, 'Alerts/Function');
  const { clients } = clientsAsDispatcher({
    dispatcherRoleArn: environment.DISPATCHER_ROLE_ARN,
    sessionName: 'event-delivery-alerts',
    region: REGION,
    masterCredentials: EMULATOR_CREDENTIALS,
    endpoint: options.gatewayEndpoint,
  });
  const handler = createAlertsHandler(
    new AlertNotifier({
      dynamodb: emulatorClient(DynamoDBClient, options.emulatorEndpoint, PLATFORM_ACCOUNT),
      tableName: environment.REGISTRY_TABLE,
      publish: (workspace, channel, message) => publishAlert(clients, workspace, channel, message),
    }),
    new Logger({ serviceName: 'workspace-alerts', logLevel: 'SILENT' }),
  );
  const subscription = new LogFileSubscription({
    file: options.dispatcherLogFile,
    matches: (fields) => ALERTING.has(fields.message),
    handler,
  });
  subscription.start();
  return subscription;
}
