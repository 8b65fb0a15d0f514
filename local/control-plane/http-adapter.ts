import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { CORS_PREFLIGHT, corsHeaders } from '../../lambda/control-plane/http/cors';
import type { Route } from '../../lambda/control-plane/http/route';
import { CALLER_RATE_WINDOW_SECONDS } from '../../lib/constructs/control-plane';

/** API Gateway's request body limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface HttpAdapterOptions {
  readonly routes: readonly Route[];
  /** The API function's handler, as deployed. */
  readonly api: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  /** The Lambda authorizer's handler, as deployed: it runs before `api` on every non-public route. */
  readonly authorizer: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;
  /** Requests per caller (Authorization header) per 5 minutes: the WAF rule's limit. */
  readonly callerRateLimit: number;
  /**
   * Origins whose pages may call the API (the console's): API Gateway's preflight answer and its
   * gateway responses' CORS header. @default none
   */
  readonly allowedOrigins?: readonly string[];
  readonly now?: () => number;
}

interface MatchedRoute {
  readonly route: Route;
  readonly pathParameters: Record<string, string>;
}

/**
 * What API Gateway does in front of the API, on a loopback port (moto cannot invoke API Gateway):
 * matches the path to a route's resource, answers 401 without credentials, runs the authorizer
 * and then the API function with the events API Gateway would build, and applies the WAF's
 * per-caller rate limit. The handlers are the deployed ones; only this adapter is local.
 */
export class LocalHttpApi {
  private server?: http.Server;
  private readonly templates: { route: Route; pattern: RegExp; names: string[] }[];
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly options: HttpAdapterOptions) {
    this.templates = options.routes.map((route) => {
      const names: string[] = [];
      const source = route.path
        .split('/')
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]);
          return '([^/]+)';
        })
        .join('/');
      return { route, pattern: new RegExp(`^${source}/?$`), names };
    });
  }

  async start(): Promise<string> {
    this.server = http.createServer((request, response) => {
      this.serve(request, response).catch((error: Error) => {
        send(response, 500, { code: 'InternalError', message: error.message, requestId: 'local' });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = (request.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : (value ?? ''),
      ]),
    );
    const allowedOrigins = this.options.allowedOrigins ?? [];
    // Gateway responses carry the console's CORS header, so its page can read a 401 and sign out.
    const cors = corsHeaders(headers.origin, allowedOrigins);
    const fail = (status: number, code: string, message: string) =>
      send(response, status, { code, message, requestId }, { 'x-request-id': requestId, ...cors });

    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return fail(400, 'InvalidRequest', 'the path is not valid percent-encoding');
    }
    const candidates = this.match(path);
    if (method === 'OPTIONS' && candidates.length > 0 && allowedOrigins.length > 0)
      return preflight(response, cors);
    const matched = candidates.find((c) => c.route.method === method);
    if (!matched)
      return candidates.length > 0
        ? fail(405, 'MethodNotAllowed', `${method} is not allowed on ${url.pathname}`)
        : fail(404, 'RouteNotFound', `no route ${method} ${url.pathname}`);
    const body = await readBody(request);
    if (body === undefined) return fail(413, 'PayloadTooLarge', 'the request body is over 10 MB');

    const authorization = headers.authorization;
    if (authorization && !this.allow(authorization))
      return fail(429, 'TooManyRequests', 'too many requests from you: slow down');
    const query = Object.fromEntries(url.searchParams.entries());
    const { route, pathParameters } = matched;
    const sourceIp = request.socket.remoteAddress ?? '127.0.0.1';
    let authorizerContext: Record<string, unknown> | undefined;
    if (route.access !== 'public') {
      if (!authorization)
        return fail(401, 'Unauthorized', 'sign in, or give an API key: Authorization: Bearer …');
      try {
        const result = await this.options.authorizer({
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:local:000000000000:local/prod/${method}${route.path}`,
          resource: route.path,
          path: url.pathname,
          httpMethod: method,
          headers,
          multiValueHeaders: {},
          pathParameters,
          queryStringParameters: query,
          multiValueQueryStringParameters: {},
          stageVariables: {},
          requestContext: requestContext(route, url.pathname, method, requestId, sourceIp, headers),
        } as unknown as APIGatewayRequestAuthorizerEvent);
        const allowed = result.policyDocument.Statement.some((s) => s.Effect === 'Allow');
        if (!allowed) return fail(403, 'AccessDenied', 'the authorizer denied this request');
        authorizerContext = { ...result.context, principalId: result.principalId };
      } catch (error) {
        if ((error as Error).message === 'Unauthorized')
          return fail(
            401,
            'Unauthorized',
            'the token or API key is not valid: sign in again, or check the key',
          );
        throw error;
      }
    }
    const result = await this.options.api({
      resource: route.path,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders: {},
      pathParameters,
      queryStringParameters: url.searchParams.size > 0 ? query : null,
      multiValueQueryStringParameters: null,
      stageVariables: null,
      body: body === '' ? null : body,
      isBase64Encoded: false,
      requestContext: {
        ...requestContext(route, url.pathname, method, requestId, sourceIp, headers),
        ...(authorizerContext && { authorizer: authorizerContext }),
      },
    } as unknown as APIGatewayProxyEvent);
    response.writeHead(result.statusCode, result.headers as http.OutgoingHttpHeaders);
    response.end(result.body);
  }

  private match(path: string): MatchedRoute[] {
    return this.templates.flatMap(({ route, pattern, names }) => {
      const found = pattern.exec(path);
      if (!found) return [];
      return [{ route, pathParameters: Object.fromEntries(names.map((name, i) => [name, found[i + 1]])) }];
    });
  }

  /**
   * The WAF's rate-based rule: a fixed window per Authorization header, counted as the rule's
   * text transformations see it (lower case, white space compressed and trimmed).
   */
  private allow(authorization: string): boolean {
    const now = (this.options.now ?? Date.now)();
    const caller = authorization.toLowerCase().replace(/\s+/g, ' ').trim();
    const window = this.windows.get(caller);
    if (!window || now - window.start >= CALLER_RATE_WINDOW_SECONDS * 1000) {
      this.windows.set(caller, { start: now, count: 1 });
      return true;
    }
    window.count += 1;
    return window.count <= this.options.callerRateLimit;
  }
}

function requestContext(
  route: Route,
  path: string,
  method: string,
  requestId: string,
  sourceIp: string,
  headers: Record<string, string>,
) {
  return {
    accountId: '000000000000',
    apiId: 'local',
    stage: 'prod',
    requestId,
    resourcePath: route.path,
    path,
    httpMethod: method,
    requestTimeEpoch: Date.now(),
    identity: { sourceIp, userAgent: headers['user-agent'] ?? null },
  };
}

/** API Gateway's mock integration answering a CORS preflight: no authorizer, no function. */
function preflight(response: http.ServerResponse, cors: Record<string, string>): void {
  const allowed = 'access-control-allow-origin' in cors;
  response.writeHead(204, {
    ...cors,
    ...(allowed && {
      'access-control-allow-methods': CORS_PREFLIGHT.allowMethods.join(','),
      'access-control-allow-headers': CORS_PREFLIGHT.allowHeaders.join(','),
      'access-control-max-age': String(CORS_PREFLIGHT.maxAgeSeconds),
    }),
  });
  response.end();
}

async function readBody(request: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
