import type { Caller } from '../access/caller';

/** An HTTP request as the router sees it, whether API Gateway or the local adapter delivered it. */
export interface ApiRequest {
  readonly method: string;
  /** The route's path template (`/v1/workspaces/{workspace}`), as API Gateway's `resource`. */
  readonly resource: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly requestId: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** Who the authorizer verified: none on public routes. */
  readonly caller?: Caller;
}

/** What a handler answers: JSON by default, or text (a CSV export) with its content type. */
export interface ApiResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly text?: { readonly body: string; readonly contentType: string };
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): ApiResponse => ({
  status,
  json: body,
  ...(headers && { headers }),
});
