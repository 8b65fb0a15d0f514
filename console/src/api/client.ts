import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

/** The API's schemas by name, generated from `docs/openapi.json` (`npm run api-types -w console`). */
export type Schemas = components['schemas'];
export type ApiClient = Client<paths>;

/** An API refusal as the API words it: a stable `code`, a message, and the fields at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: readonly { field: string; message: string }[] = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The message of the problem with `field`, for a form field's error text. */
  problemWith(field: string): string | undefined {
    return this.problems.find((problem) => problem.field === field || problem.field.endsWith(`.${field}`))
      ?.message;
  }
}

/**
 * A typed client of the control-plane API, as the signed-in person: each request carries their
 * access token (refreshed first when due); a 401 means the session is over.
 */
export function createApiClient(options: {
  apiUrl: string;
  accessToken: () => Promise<string>;
  onSignedOut: () => void;
  /** Tests answer with a fake. @default the browser's fetch */
  fetch?: (request: Request) => Promise<Response>;
}): ApiClient {
  const client = createClient<paths>({
    baseUrl: options.apiUrl,
    ...(options.fetch && { fetch: options.fetch }),
  });
  client.use({
    async onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${await options.accessToken()}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) options.onSignedOut();
      return response;
    },
  });
  return client;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The answer's body, or an `ApiError` with the API's own words. */
export async function call<T>(request: Promise<Result<T>>): Promise<T> {
  return (await callWithResponse(request)).data;
}

/** The body and the response (for its `ETag`), or an `ApiError`. */
export async function callWithResponse<T>(
  request: Promise<Result<T>>,
): Promise<{ data: T; response: Response }> {
  const { data, error, response } = await request;
  if (error !== undefined || !response.ok) throw toApiError(response, error);
  return { data: data as T, response };
}

function toApiError(response: Response, body: unknown): ApiError {
  const error = (typeof body === 'object' && body !== null ? body : {}) as Partial<Schemas['Error']>;
  return new ApiError(
    response.status,
    error.code ?? `Http${response.status}`,
    error.message ?? (response.statusText || `The API answered ${response.status}.`),
    (error.problems ?? []).map((problem) => ({ field: problem.field, message: problem.message })),
    error.requestId,
  );
}

/** `"3"` → 3: the version an `ETag` names, for `If-Match`. */
export function etagVersion(response: Response): number | undefined {
  const match = /"(\d+)"/.exec(response.headers.get('ETag') ?? '');
  return match ? Number(match[1]) : undefined;
}
