import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { fromCallerContext } from './access/caller';
import type { ApiRequest, ApiResponse } from './http/api-request';
import { corsHeaders } from './http/cors';
import { handleRequest, type RouteTable, toApiError } from './http/router';
import type { ControlPlaneServices } from './services';

/** API Gateway's proxy event as the router's request. */
export function toApiRequest(event: APIGatewayProxyEvent): ApiRequest {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).flatMap(([name, value]) =>
      value === undefined ? [] : [[name.toLowerCase(), value]],
    ),
  );
  const body =
    event.body && event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : (event.body ?? undefined);
  return {
    method: event.httpMethod,
    resource: event.resource,
    pathParameters: stringsOf(event.pathParameters),
    query: stringsOf(event.queryStringParameters),
    headers,
    ...(body !== undefined && { body }),
    requestId: event.requestContext.requestId,
    ...(event.requestContext.identity?.sourceIp && { sourceIp: event.requestContext.identity.sourceIp }),
    ...(headers['user-agent'] && { userAgent: headers['user-agent'] }),
    ...(() => {
      const caller = fromCallerContext(event.requestContext.authorizer);
      return caller ? { caller } : {};
    })(),
  };
}

const stringsOf = (values: Record<string, string | undefined> | null): Record<string, string> =>
  Object.fromEntries(Object.entries(values ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v]])));

/** The router's answer as API Gateway's proxy result: JSON (or text), with the request id. */
export function toProxyResult(response: ApiResponse, requestId: string): APIGatewayProxyResult {
  const headers: Record<string, string> = { 'x-request-id': requestId, ...response.headers };
  if (response.text)
    return {
      statusCode: response.status,
      headers: { ...headers, 'content-type': response.text.contentType },
      body: response.text.body,
    };
  if (response.json === undefined) return { statusCode: response.status, headers, body: '' };
  return {
    statusCode: response.status,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(response.json),
  };
}

/**
 * Answers one request, never throwing: a refusal or a failure is a JSON error with a stable
 * code, a message naming the field, and the request id (logged with the failure, never the body).
 */
export async function answer(
  request: ApiRequest,
  routes: RouteTable,
  services: ControlPlaneServices,
  logger: Logger,
): Promise<ApiResponse> {
  try {
    return await handleRequest(request, routes, services);
  } catch (error) {
    const known = toApiError(error);
    if (!known)
      logger.error('request failed', {
        requestId: request.requestId,
        route: `${request.method} ${request.resource}`,
        error: error as Error,
      });
    const status = known?.status ?? 500;
    return {
      status,
      json: {
        code: known?.code ?? 'InternalError',
        message:
          known?.message ??
          'something failed on our side: try again, and give us the request id if it persists',
        requestId: request.requestId,
        ...(known && known.problems.length > 0 && { problems: known.problems }),
      },
    };
  }
}

export interface ApiHandlerOptions {
  /** Answers by status class (2xx, 4xx, 5xx): refusals and failures show on a graph. @default none */
  readonly metrics?: Metrics;
  /** Origins whose pages may read the answers (the console's). @default none */
  readonly allowedOrigins?: readonly string[];
}

export function createApiHandler(
  routes: RouteTable,
  services: ControlPlaneServices,
  logger: Logger,
  { metrics, allowedOrigins = [] }: ApiHandlerOptions = {},
) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const request = toApiRequest(event);
    const response = await answer(request, routes, services, logger);
    if (metrics) {
      metrics.addDimension('StatusClass', `${Math.floor(response.status / 100)}xx`);
      metrics.addMetric('Answers', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    logger.info('answered', {
      requestId: request.requestId,
      route: `${request.method} ${request.resource}`,
      status: response.status,
      caller:
        request.caller?.kind === 'user'
          ? `user:${request.caller.userId}`
          : request.caller
            ? `api-key:${request.caller.keyId}`
            : 'none',
    });
    const result = toProxyResult(response, request.requestId);
    return {
      ...result,
      headers: { ...result.headers, ...corsHeaders(request.headers.origin, allowedOrigins) },
    };
  };
}
