import { Logger } from '@aws-lambda-powertools/logger';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { ApiKeys } from '../../lambda/control-plane/access/api-keys';
import {
  createAuthorizerHandler,
  createCognitoVerifier,
} from '../../lambda/control-plane/access/authorizer-handler';
import { createApiHandler } from '../../lambda/control-plane/create-handler';
import { type ControlPlaneClients, createServices } from '../../lambda/control-plane/create-services';
import { DeliveryLogs } from '../../lambda/control-plane/deliveries/delivery-logs';
import { readDestinationStatuses } from '../../lambda/control-plane/deliveries/destination-status';
import { readControlPlaneEnvironment } from '../../lambda/control-plane/environment';
import { routeTable } from '../../lambda/control-plane/http/router';
import { ROUTES } from '../../lambda/control-plane/routes';
import type { ControlPlaneServices } from '../../lambda/control-plane/services';
import { CALLER_RATE_LIMIT } from '../../lib/constructs/control-plane';
import { emulatorClient, PLATFORM_ACCOUNT } from '../accounts';
import { type LocalResources, platformFunction } from '../provision';
import { DispatcherLogFileSource } from './dispatcher-log-source';
import { LocalHttpApi } from './http-adapter';

export interface LocalControlPlane {
  /** Where the API answers: `${apiUrl}/v1/…`. */
  readonly apiUrl: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** The API's services with emulator clients: how the local runtime seeds members and keys. */
  readonly services: ControlPlaneServices;
  readonly clients: ControlPlaneClients;
  stop(): Promise<void>;
}

export interface LocalControlPlaneOptions {
  /** The platform stack as applied: the API's and the authorizer's functions, with their variables. */
  readonly resources: Pick<LocalResources, 'platform'>;
  /** The emulator holding the registry table, the user pool and the secrets. */
  readonly emulatorEndpoint: string;
  /** The local gateway: the setup check reaches customers' accounts through it, as the dispatcher does. */
  readonly gatewayEndpoint: string;
  /**
   * The file the local dispatcher writes its log lines to: delivery visibility reads it where the
   * deployed API queries the dispatcher's log group with Logs Insights.
   */
  readonly dispatcherLogFile: string;
  /**
   * Where the local console is served: the one origin whose pages may call the API, as the
   * deployed API allows the CloudFront distribution's (`ALLOWED_ORIGINS`; the local platform has
   * no distribution: `LOCAL_DIFFERENCES.console`). @default none
   */
  readonly consoleOrigin?: string;
}

/**
 * Serves the control-plane API on a loopback port: the deployed API handler and authorizer,
 * with their synthesized variables, behind the local API Gateway adapter. Access tokens are
 * verified as in AWS (aws-jwt-verify: signature, issuer, client, token use, expiry) against the
 * emulator pool's keys, which moto serves over plain HTTP: they are fetched here and handed to
 * the verifier, so the deployed code path has no switch that could accept another key source.
 */
export async function startLocalControlPlane(options: LocalControlPlaneOptions): Promise<LocalControlPlane> {
  const apiFunction = platformFunction(options.resources, 'ControlPlane/ApiFunction');
  const authorizerFunction = platformFunction(options.resources, 'ControlPlane/AuthorizerFunction');
  const environment = readControlPlaneEnvironment(apiFunction.environment, { needsDispatcher: true });
  const authorizerEnvironment = readControlPlaneEnvironment(authorizerFunction.environment, {
    needsDispatcher: false,
  });
  const endpoint = options.emulatorEndpoint;
  const clients: ControlPlaneClients = {
    dynamodb: emulatorClient(DynamoDBClient, endpoint, PLATFORM_ACCOUNT),
    secrets: emulatorClient(SecretsManagerClient, endpoint, PLATFORM_ACCOUNT),
    cognito: emulatorClient(CognitoIdentityProviderClient, endpoint, PLATFORM_ACCOUNT),
    sts: emulatorClient(STSClient, options.gatewayEndpoint, PLATFORM_ACCOUNT),
    // Redriven dead letters go to the ingest queue, in the emulator, as the platform.
    sqs: emulatorClient(SQSClient, endpoint, PLATFORM_ACCOUNT),
  };
  const deployed = createServices(environment, clients, options.gatewayEndpoint);
  // The one local difference: the dispatcher's lines are in a file, not in CloudWatch Logs.
  const { destinationStatusTable } = environment;
  const services: ControlPlaneServices = {
    ...deployed,
    deliveries: new DeliveryLogs({
      source: new DispatcherLogFileSource(options.dispatcherLogFile),
      ...(destinationStatusTable && {
        statuses: (keys) => readDestinationStatuses(clients.dynamodb, destinationStatusTable, keys),
      }),
    }),
  };
  const verifier = createCognitoVerifier(
    authorizerEnvironment.userPoolId,
    authorizerEnvironment.userPoolClientId,
  );
  verifier.cacheJwks(await emulatorJwks(endpoint, authorizerEnvironment.userPoolId));
  const logger = new Logger({ serviceName: 'control-plane', logLevel: 'SILENT' });
  const allowedOrigins = options.consoleOrigin ? [options.consoleOrigin] : [];
  const api = new LocalHttpApi({
    routes: ROUTES,
    api: createApiHandler(routeTable(ROUTES), services, logger, { allowedOrigins }),
    allowedOrigins,
    authorizer: createAuthorizerHandler({
      tokens: verifier,
      apiKeys: new ApiKeys(clients.dynamodb, authorizerEnvironment.registryTable),
      logger,
    }),
    callerRateLimit: CALLER_RATE_LIMIT,
  });
  const apiUrl = await api.start();
  return {
    apiUrl,
    userPoolId: environment.userPoolId,
    userPoolClientId: environment.userPoolClientId,
    services,
    clients,
    stop: () => api.stop(),
  };
}

/** The pool's signing keys as moto serves them (`/{poolId}/.well-known/jwks.json`). */
async function emulatorJwks(endpoint: string, userPoolId: string): Promise<Jwks> {
  const response = await fetch(`${endpoint}/${userPoolId}/.well-known/jwks.json`);
  if (!response.ok) throw new Error(`the emulator served no JWKS for ${userPoolId}: ${response.status}`);
  return (await response.json()) as Jwks;
}
