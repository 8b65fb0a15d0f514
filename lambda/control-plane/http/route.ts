import type * as z from 'zod';
import type { Role } from '../access/roles';
import type { ChangeContext } from '../audit/audit-log';
import type { ControlPlaneServices } from '../services';
import type { ApiRequest, ApiResponse } from './api-request';

/**
 * Who may call a route:
 * - `public`: anyone (the OpenAPI document);
 * - `signed-in`: a person, whatever their workspaces (API keys act in their workspace only);
 * - `operator`: a member of the operators group;
 * - a role: a member of the workspace in the path with at least that role, its API keys with
 *   at least that role, or an operator.
 */
export type Access = 'public' | 'signed-in' | 'operator' | Role;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly request: ApiRequest;
  /** The caller's role in the path's workspace, on workspace routes. */
  readonly role?: Role;
  /** Who is changing what, for the audit log. */
  readonly change: ChangeContext;
  readonly services: ControlPlaneServices;
}

export interface RouteResponse {
  readonly status: number;
  readonly description: string;
  readonly schema?: z.core.$ZodType;
  /** @default 'application/json' */
  readonly contentType?: string;
}

/**
 * One operation of the API: its path and method, who may call it, the schemas that validate its
 * input (and document it: the OpenAPI document is generated from these), and its handler.
 */
export interface Route<P = unknown, Q = unknown, B = unknown> {
  readonly method: HttpMethod;
  /** API Gateway's resource path: `/v1/workspaces/{workspace}/destinations/{destination}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  readonly params?: z.core.$ZodType<P>;
  readonly query?: z.core.$ZodType<Q>;
  readonly body?: z.core.$ZodType<B>;
  /** The route honours `If-Match` with the live version (publish, rollback). */
  readonly ifMatch?: boolean;
  readonly response: RouteResponse;
  handle(context: RouteContext<P, Q, B>): Promise<ApiResponse>;
}

/** Types a route's handler by its schemas. */
export const route = <P, Q, B>(definition: Route<P, Q, B>): Route => definition as unknown as Route;
