import * as z from 'zod';
import { WorkspaceGoneError } from '../access/api-keys';
import { MembershipError } from '../access/members';
import { allows, type Role } from '../access/roles';
import { type ChangeContext, InvalidCursorError } from '../audit/audit-log';
import { RegistryError } from '../registry/workspace-registry';
import type { ControlPlaneServices } from '../services';
import { ApiError, invalidRequest, problemsOf, workspaceNotFound } from './api-error';
import type { ApiRequest, ApiResponse } from './api-request';
import type { Route } from './route';

/** Routes by `METHOD path`, as API Gateway names a resource's method. */
export type RouteTable = ReadonlyMap<string, Route>;

export const routeKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

export function routeTable(routes: readonly Route[]): RouteTable {
  const table = new Map<string, Route>();
  for (const route of routes) {
    const key = routeKey(route.method, route.path);
    if (table.has(key)) throw new Error(`two routes for ${key}`);
    table.set(key, route);
  }
  return table;
}

/**
 * Answers one request: finds its route, checks the caller may call it on the path's workspace,
 * validates the input with the route's schemas, runs the handler, and turns what it throws into
 * a JSON error with a stable code. Authentication happened before (the authorizer): here the
 * caller is known, and only what they may do is decided.
 */
export async function handleRequest(
  request: ApiRequest,
  routes: RouteTable,
  services: ControlPlaneServices,
): Promise<ApiResponse> {
  const route = routes.get(routeKey(request.method, request.resource));
  if (!route) throw new ApiError(404, 'RouteNotFound', `no route ${request.method} ${request.resource}`);
  const change = changeContext(request);
  // Who may call it first: a non-member learns nothing, not even that an input was malformed.
  const role = await authorize(route, request, change, services);
  const params = parse('path', route.params, request.pathParameters);
  const query = parse('query', route.query, request.query);
  const body = parse('body', route.body, route.body ? readJson(request.body) : undefined);
  return route.handle({ params, query, body, request, role, change, services });
}

/** What the caller may do here: their role in the path's workspace, if the route is one. */
async function authorize(
  route: Route,
  request: ApiRequest,
  change: ChangeContext,
  services: ControlPlaneServices,
): Promise<Role | undefined> {
  if (route.access === 'public') return undefined;
  const { caller } = request;
  if (!caller) throw new ApiError(401, 'Unauthorized', 'sign in, or give an API key');
  if (route.access === 'signed-in' || route.access === 'operator') {
    if (caller.kind !== 'user')
      throw new ApiError(403, 'Forbidden', 'API keys act in their own workspace only: sign in as a person');
    if (route.access === 'operator' && !caller.operator)
      throw new ApiError(403, 'Forbidden', 'only platform operators may do this');
    return undefined;
  }
  const workspaceId = request.pathParameters.workspace ?? '';
  const role = await roleIn(workspaceId, request, change, services);
  if (!role) throw workspaceNotFound(workspaceId);
  if (!allows(role, route.access))
    throw new ApiError(
      403,
      'Forbidden',
      `this needs the ${route.access} role in ${workspaceId}; yours is ${role}`,
    );
  return role;
}

async function roleIn(
  workspaceId: string,
  request: ApiRequest,
  change: ChangeContext,
  services: ControlPlaneServices,
): Promise<Role | undefined> {
  const { caller } = request;
  if (!caller) return undefined;
  if (caller.kind === 'api-key') return caller.workspace === workspaceId ? caller.role : undefined;
  if (caller.operator) {
    // Operators act as admins everywhere, but only where there is a workspace.
    try {
      await services.registry(change).workspace(workspaceId);
      return 'admin';
    } catch (error) {
      if (error instanceof RegistryError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }
  return services.members.roleOf(workspaceId, caller.userId);
}

function changeContext(request: ApiRequest): ChangeContext {
  const { caller } = request;
  return {
    actor: !caller
      ? { type: 'iam', id: 'anonymous' }
      : caller.kind === 'user'
        ? {
            type: 'user',
            id: caller.userId,
            // Pools that sign in by email make the token's username the sub itself: nothing to add.
            ...(caller.username && caller.username !== caller.userId && { name: caller.username }),
          }
        : { type: 'api-key', id: caller.keyId },
    requestId: request.requestId,
    ...(request.sourceIp && { sourceIp: request.sourceIp }),
    ...(request.userAgent && { userAgent: request.userAgent }),
  };
}

function readJson(body: string | undefined): unknown {
  if (body === undefined || body === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new ApiError(400, 'InvalidJson', 'the request body is not JSON');
  }
}

function parse<T>(
  where: 'path' | 'query' | 'body',
  schema: z.core.$ZodType<T> | undefined,
  value: unknown,
): T {
  if (!schema) return undefined as T;
  const result = z.safeParse(schema, value);
  if (result.success) return result.data;
  throw invalidRequest(problemsOf(result.error.issues, where === 'body' ? '(body)' : where));
}

/** What a handler's errors mean to the caller. */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof RegistryError) {
    const [status, code] = (
      {
        invalid: [400, 'InvalidRequest'],
        'not-found': [404, 'NotFound'],
        conflict: [409, 'Conflict'],
        precondition: [412, 'PreconditionFailed'],
      } as const
    )[error.kind];
    return new ApiError(status, code, error.message);
  }
  if (error instanceof MembershipError) {
    const [status, code] = (
      {
        conflict: [409, 'Conflict'],
        'not-found': [404, 'NotFound'],
        'last-admin': [409, 'LastAdmin'],
      } as const
    )[error.kind];
    return new ApiError(status, code, error.message);
  }
  if (error instanceof WorkspaceGoneError) return workspaceNotFound(error.workspaceId);
  if (error instanceof InvalidCursorError)
    return invalidRequest([{ field: 'cursor', message: error.message }]);
  return undefined;
}
