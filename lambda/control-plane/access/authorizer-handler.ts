import type { Logger } from '@aws-lambda-powertools/logger';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { ApiKeys } from './api-keys';
import { type AccessTokenVerifier, authenticate, Unauthenticated } from './authenticate';
import { toCallerContext } from './caller';

export interface AuthorizerDependencies {
  readonly tokens: AccessTokenVerifier;
  readonly apiKeys: ApiKeys;
  readonly logger: Logger;
}

/**
 * API Gateway's Lambda authorizer for every route but the public one: it verifies the
 * credentials (an access token of the platform's user pool, or a workspace API key) before any
 * handler runs, and passes who is calling on. Refusals are API Gateway's 401 (`Unauthorized`).
 * What the caller may do in a workspace is the API's to decide (`http/router.ts`), where a 404
 * can hide whether a workspace exists.
 */
export function createAuthorizerHandler(dependencies: AuthorizerDependencies) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const header = Object.entries(event.headers ?? {}).find(
      ([name]) => name.toLowerCase() === 'authorization',
    )?.[1];
    try {
      const caller = await authenticate(header ?? undefined, event.pathParameters?.workspace, dependencies);
      return {
        principalId: caller.kind === 'user' ? `user:${caller.userId}` : `api-key:${caller.keyId}`,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
        },
        context: toCallerContext(caller),
      };
    } catch (error) {
      if (error instanceof Unauthenticated) {
        dependencies.logger.info('refused', { reason: error.reason, path: event.resource });
        throw new Error('Unauthorized');
      }
      throw error;
    }
  };
}

export function createCognitoVerifier(userPoolId: string, clientId: string) {
  return CognitoJwtVerifier.create({ userPoolId, clientId, tokenUse: 'access' });
}
