import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientsAsDispatcher } from '../dispatcher/deliver/as-dispatcher';
import { AlertNotifier } from './alert-notifier';
import { createAlertsHandler } from './alerts-handler';
import { publishAlert } from './publish-alert';

const missing = ['REGISTRY_TABLE', 'DISPATCHER_ROLE_ARN', 'AWS_REGION'].filter((name) => !process.env[name]);
if (missing.length > 0) throw new Error(`alerts: missing environment variables ${missing.join(', ')}`);

// Created once per execution environment: clients and their credentials are reused.
const { clients } = clientsAsDispatcher({
  dispatcherRoleArn: process.env.DISPATCHER_ROLE_ARN as string,
  sessionName: 'event-delivery-alerts',
  region: process.env.AWS_REGION as string,
});
export const handler = createAlertsHandler(
  new AlertNotifier({
    dynamodb: new DynamoDBClient({}),
    tableName: process.env.REGISTRY_TABLE as string,
    publish: (workspace, channel, message) => publishAlert(clients, workspace, channel, message),
  }),
  new Logger({ serviceName: 'workspace-alerts' }),
);
