import * as z from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import type { Route } from './http/route';
import { ErrorSchema } from './routes/schemas';

/** The errors each kind of route can answer, besides its own success. */
function errorResponses(route: Route): Record<string, { description: string; content: object }> {
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: ErrorSchema } },
  });
  if (route.access === 'public') return { '500': error('Something failed on our side') };
  const workspaceRoute = route.path.includes('{workspace}');
  return {
    ...((route.body || route.query || route.params) && {
      '400': error('A bad value: the message names the field'),
    }),
    '401': error(
      "No credentials, or a token or API key that is malformed, expired, revoked or not this pool's",
    ),
    '403': error(
      route.access === 'operator'
        ? 'Not a platform operator'
        : 'Your role does not allow this, or an API key where a person must sign in',
    ),
    ...(workspaceRoute && {
      '404': error('No such workspace that you are a member of, or no such item in it'),
    }),
    ...(route.method !== 'GET' && { '409': error('A conflict with the current state') }),
    ...(route.ifMatch && { '412': error('If-Match is not the live version: someone published in between') }),
    '429': error('Too many requests from you: slow down'),
    '500': error('Something failed on our side'),
  };
}

function operation(route: Route): ZodOpenApiOperationObject {
  const { response } = route;
  const header = route.ifMatch
    ? z.object({
        'if-match': z.string().optional().meta({
          description:
            'The live version\'s ETag ("3"), as listDestinations gives it: 412 if another publish came first',
        }),
      })
    : undefined;
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: route.access === 'public' ? [] : [{ bearer: [] }],
    'x-access': route.access,
    ...((route.params || route.query || header) && {
      requestParams: {
        ...(route.params && { path: route.params as z.ZodObject }),
        ...(route.query && { query: route.query as z.ZodObject }),
        ...(header && { header }),
      },
    }),
    ...(route.body && {
      requestBody: { required: true, content: { 'application/json': { schema: route.body as z.ZodType } } },
    }),
    responses: {
      [String(response.status)]: {
        description: response.description,
        ...(response.schema && {
          content: { [response.contentType ?? 'application/json']: { schema: response.schema as z.ZodType } },
        }),
      },
      ...errorResponses(route),
    },
  } as ZodOpenApiOperationObject;
}

/** The OpenAPI 3.1 document of the routes, generated from the schemas that validate their requests. */
export function openApiDocument(routes: readonly Route[], serverUrl?: string): Record<string, unknown> {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Event delivery control plane',
      version: '1',
      description:
        "Customers manage their workspaces' destinations: sign in to the user pool (its access token) or use a workspace API key, " +
        'as `Authorization: Bearer <token or key>`. Every /v1/workspaces/{workspace}/… route answers only members of that workspace ' +
        '(404 to anyone else), by role: viewer reads, editor changes the draft, checks, tests, publishes and rolls back, admin also manages members, API keys and deletes.',
    },
    ...(serverUrl && { servers: [{ url: serverUrl }] }),
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: "A Cognito access token of the platform's user pool, or a workspace API key (edk_…)",
        },
      },
    },
    paths,
  }) as unknown as Record<string, unknown>;
}
