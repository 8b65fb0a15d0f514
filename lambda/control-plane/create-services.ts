import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DestinationClients } from '../dispatcher/deliver/clients';
import { HmacKeys } from '../dispatcher/prepare/hmac-keys';
import { ApiKeys } from './access/api-keys';
import { Members } from './access/members';
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
}

export const defaultClients = (): ControlPlaneClients => ({
  dynamodb: new DynamoDBClient({}),
  secrets: new SecretsManagerClient({}),
  cognito: new CognitoIdentityProviderClient({}),
  sts: new STSClient({}),
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
      // As the dispatcher: customers' trust policies admit its role, not the API's.
      const credentials = fromTemporaryCredentials({
        masterCredentials: clients.sts.config.credentials,
        clientConfig: {
          region: await clients.sts.config.region(),
          ...(checkEndpoint && { endpoint: checkEndpoint }),
        },
        params: { RoleArn: dispatcherRoleArn, RoleSessionName: SESSION_NAME },
      });
      return checkDestination(destination, {
        clients: new DestinationClients({
          sessionName: SESSION_NAME,
          overrides: { credentials, ...(checkEndpoint && { endpoint: checkEndpoint }) },
        }),
        sts: new STSClient({
          region: environment.region,
          credentials,
          ...(checkEndpoint && { endpoint: checkEndpoint }),
        }),
        sendTestEvent,
      });
    },
    hmacKey: (workspaceId) => hmacKeys.key(workspaceId),
    signIn: {
      region: environment.region,
      userPoolId: environment.userPoolId,
      userPoolClientId: environment.userPoolClientId,
    },
    platform: { account: dispatcherRoleArn.split(':')[4] ?? '', dispatcherRoleArn },
  };
}
