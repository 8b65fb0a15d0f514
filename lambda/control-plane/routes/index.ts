import * as z from 'zod';
import { json } from '../http/api-request';
import { type Route, route } from '../http/route';
import { openApiDocument } from '../openapi';
import { accessRoutes } from './access';
import { alertRoutes } from './alerts';
import { deadLetterRoutes } from './dead-letters';
import { deliveryRoutes } from './deliveries';
import { destinationSwitchRoutes } from './destination-switch';
import { destinationRoutes } from './destinations';
import { mappingRoutes } from './mapping';
import { setupRoutes } from './setup';
import { versionRoutes } from './versions';
import { workspaceRoutes } from './workspaces';

export const OPENAPI_PATH = '/v1/openapi.json';

let document: Record<string, unknown> | undefined;

/** Every route of the API: the router, the OpenAPI document and the CDK's API Gateway methods all read this. */
export const ROUTES: readonly Route[] = [
  ...workspaceRoutes,
  ...destinationRoutes,
  ...versionRoutes,
  ...setupRoutes,
  ...mappingRoutes,
  ...accessRoutes,
  ...deliveryRoutes,
  ...destinationSwitchRoutes,
  ...deadLetterRoutes,
  ...alertRoutes,
  route({
    method: 'GET',
    path: '/v1/sign-in',
    operationId: 'getSignInConfig',
    summary:
      "Where people sign in: the user pool's region, id and app client (USER_PASSWORD_AUTH, then Bearer the access token)",
    tag: 'API',
    access: 'public',
    response: {
      status: 200,
      description: 'Public values, as any web app that signs in to the pool holds',
      schema: z
        .object({ region: z.string(), userPoolId: z.string(), userPoolClientId: z.string() })
        .meta({ id: 'SignInConfig' }),
    },
    async handle({ services }) {
      return json(200, services.signIn);
    },
  }),
  route({
    method: 'GET',
    path: OPENAPI_PATH,
    operationId: 'getOpenApiDocument',
    summary: 'This API, as an OpenAPI 3.1 document',
    tag: 'API',
    access: 'public',
    response: { status: 200, description: 'The document' },
    async handle() {
      document ??= openApiDocument(ROUTES);
      return json(200, document, { 'cache-control': 'public, max-age=300' });
    },
  }),
];
