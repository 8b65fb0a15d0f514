import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { publishAlert } from '../alerts/publish-alert';
import { clientsAsDispatcher } from '../dispatcher/deliver/as-dispatcher';
import { HmacKeys } from '../dispatcher/prepare/hmac-keys';
import { ApiKeys } from './access/api-keys';
import { Members } from './access/members';
import { AlertSettings } from './alerts/alert-settings';
import { DeadLetters } from './dead-letters/dead-letters';
import {
  DeliveryLogs,
  type DeliveryVisibility,
  InsightsLogSource,
  UNAVAILABLE_DELIVERIES,
} from './deliveries/delivery-logs';
import { readDestinationStatuses } from './deliveries/destination-status';
import { DestinationSwitch } from './deliveries/destination-switch';
import type { ControlPlaneEnvironment } from './environment';
import { checkDestination } from './registry/setup-check';
import { WorkspaceRegistry } from './registry/workspace-registry';
import type { ControlPlaneServices } from './services';

const SESSION_NAME = 'event-delivery-setup-check';

/** The SDK clients the API needs: created once, or pointed at the emulator by the local runtime. */
export interface ControlPlaneClients {
  readonly dynamodb: DynamoDBClient;
  readonly secrets: SecretsManagerClient;
  readonly cognito: CognitoIdentityProviderClient;
  /** STS with the API's own identity: it assumes the dispatcher's role for setup checks. */
  readonly sts: STSClient;
  /** SQS, for redriven dead letters. @default a client of the function's own */
  readonly sqs?: SQSClient;
  /** CloudWatch Logs, for Logs Insights queries of the dispatcher's log group. @default a client of the function's own */
  readonly logs?: CloudWatchLogsClient;
}

export const defaultClients = (): ControlPlaneClients => ({
  dynamodb: new DynamoDBClient({}),
  secrets: new SecretsManagerClient({}),
  cognito: new CognitoIdentityProviderClient({}),
  sts: new STSClient({}),
  sqs: new SQSClient({}),
  logs: new CloudWatchLogsClient({}),
});

export function createServices(
  environment: ControlPlaneEnvironment,
  clients: ControlPlaneClients,
  /** Where the setup check's clients (as the dispatcher) send their calls: the local gateway. @default AWS */
  checkEndpoint?: string,
): ControlPlaneServices {
  const { registryTable: tableName } = environment;
  const dispatcherRoleArn = environment.dispatcherRoleArn ?? '';
  const hmacKeys = new HmacKeys(clients.secrets);
  // As the dispatcher: customers' trust policies admit its role, not the API's.
  const asDispatcher = (sessionName: string) =>
    clientsAsDispatcher({
      dispatcherRoleArn,
      sessionName,
      region: environment.region,
      masterCredentials: clients.sts.config.credentials,
      ...(checkEndpoint && { endpoint: checkEndpoint }),
    });
  const alertClients = asDispatcher('event-delivery-alerts');
  return {
    dynamodb: clients.dynamodb,
    tableName,
    members: new Members(clients.dynamodb, tableName, {
      cognito: clients.cognito,
      userPoolId: environment.userPoolId,
    }),
    apiKeys: new ApiKeys(clients.dynamodb, tableName),
    registry: (change) => new WorkspaceRegistry(clients.dynamodb, tableName, change, clients.secrets),
    async checkDestination(destination, sendTestEvent) {
      // Fresh clients each check: cached credentials would hide a trust policy changed since.
      return checkDestination(destination, { ...asDispatcher(SESSION_NAME), sendTestEvent });
    },
    alerts: new AlertSettings(clients.dynamodb, tableName, (workspace, channel, message) =>
      publishAlert(alertClients.clients, workspace, channel, message),
    ),
    hmacKey: (workspaceId) => hmacKeys.key(workspaceId),
    signIn: {
      region: environment.region,
      userPoolId: environment.userPoolId,
      userPoolClientId: environment.userPoolClientId,
    },
    platform: { account: dispatcherRoleArn.split(':')[4] ?? '', dispatcherRoleArn },
    deliveries: deliveriesFrom(environment, clients),
    ...(environment.destinationStatusTable && {
      destinationSwitch: new DestinationSwitch({
        dynamodb: clients.dynamodb,
        statusTable: environment.destinationStatusTable,
        auditTable: tableName,
      }),
    }),
    ...(environment.deadLetterTable && {
      deadLetters: new DeadLetters({
        dynamodb: clients.dynamodb,
        tableName: environment.deadLetterTable,
        auditTableName: tableName,
        ...(environment.ingestQueueUrl && {
          ingest: { sqs: clients.sqs ?? new SQSClient({}), queueUrl: environment.ingestQueueUrl },
        }),
      }),
    }),
  };
}

/**
 * Delivery visibility from the dispatcher's log group (Logs Insights) and its status table. The
 * local runtime replaces it with one reading the local dispatcher's log file.
 */
function deliveriesFrom(
  environment: ControlPlaneEnvironment,
  clients: ControlPlaneClients,
): DeliveryVisibility {
  const { dispatcherLogGroup, destinationStatusTable } = environment;
  if (!dispatcherLogGroup) return UNAVAILABLE_DELIVERIES;
  return new DeliveryLogs({
    source: new InsightsLogSource(clients.logs ?? new CloudWatchLogsClient({}), dispatcherLogGroup),
    ...(destinationStatusTable && {
      statuses: (keys) => readDestinationStatuses(clients.dynamodb, destinationStatusTable, keys),
    }),
  });
}
