import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ApiKeys } from './access/api-keys';
import { createAuthorizerHandler, createCognitoVerifier } from './access/authorizer-handler';
import { readControlPlaneEnvironment } from './environment';

const environment = readControlPlaneEnvironment(process.env, { needsDispatcher: false });

// Created once per execution environment: the pool's JWKS is fetched once and cached.
export const handler = createAuthorizerHandler({
  tokens: createCognitoVerifier(environment.userPoolId, environment.userPoolClientId),
  apiKeys: new ApiKeys(new DynamoDBClient({}), environment.registryTable),
  logger: new Logger({ serviceName: 'control-plane-authorizer' }),
});
