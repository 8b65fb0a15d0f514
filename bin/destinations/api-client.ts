import { UsageError } from '../cli-kit';

/** What authenticates the CLI's requests: `Authorization: Bearer <token>`. */
export interface ApiCredential {
  /** Where it came from, for the message when the API refuses it: `EVENT_DELIVERY_API_KEY`, … */
  readonly source: string;
  /** What to do when the API answers 401. */
  readonly whenRefused: string;
  /** A workspace API key or an access token, fresh (a cached sign-in is refreshed first). */
  token(): Promise<string>;
}

/** The API refused a request: its HTTP status, its stable `code` (the error's name) and message. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly json: T;
  readonly etag?: string;
}

export interface ApiCallOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly ifMatch?: string;
}

/** Codes for answers that carry none (API Gateway's own, or a proxy's). */
const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  412: 'PreconditionFailed',
  413: 'PayloadTooLarge',
  429: 'TooManyRequests',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** API Gateway gives up after 29 s; the setup check with a test event stays under that. */
const DEFAULT_TIMEOUT_MS = 60_000;
const USER_AGENT = `event-delivery-cli (node ${process.version})`;

/**
 * The API's base URL, as given: an API Gateway stage URL (`https://…/prod/`) or the local
 * platform's `http://127.0.0.1:PORT`. Plain HTTP only on this machine: tokens and keys do not
 * cross a network in the clear.
 */
export function normaliseApiUrl(given: string): string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--api-url: "${given}" is not a URL`);
  }
  const loopback =
    ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new UsageError(`--api-url: ${given} must be https:// (http:// only on this machine)`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** A path with each interpolated value encoded as one segment: apiPath`/v1/workspaces/${id}`. */
export function apiPath(strings: TemplateStringsArray, ...values: readonly (string | number)[]): string {
  return strings.reduce(
    (path, text, i) => path + text + (i < values.length ? encodeURIComponent(values[i]) : ''),
    '',
  );
}

/** JSON over HTTP to the control-plane API, every request with the credential. */
export class ApiClient {
  readonly baseUrl: string;

  constructor(
    apiUrl: string,
    private readonly credential: ApiCredential | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.baseUrl = normaliseApiUrl(apiUrl);
  }

  /** Answers 2xx, or throws ApiCallError with the API's code and message (and what to do). */
  async call<T>(method: string, path: string, options: ApiCallOptions = {}): Promise<ApiAnswer<T>> {
    const query = Object.entries(options.query ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    );
    const url = `${this.baseUrl}${path}${query.length > 0 ? `?${new URLSearchParams(query)}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
    if (this.credential) headers.authorization = `Bearer ${await this.credential.token()}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw unreachable(this.baseUrl, error, this.timeoutMs);
    }
    const text = await response.text();
    const json = parseJson(text);
    if (response.ok) {
      if (text !== '' && json === undefined) throw new Error(`${method} ${url}: the answer is not JSON`);
      return { status: response.status, json: json as T, etag: response.headers.get('etag') ?? undefined };
    }
    throw this.refusal(response, json, text);
  }

  private refusal(response: Response, json: unknown, text: string): ApiCallError {
    const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    const code =
      typeof body.code === 'string' ? body.code : (STATUS_CODES[response.status] ?? `Http${response.status}`);
    const requestId =
      (typeof body.requestId === 'string' ? body.requestId : undefined) ??
      response.headers.get('x-request-id') ??
      response.headers.get('x-amzn-requestid') ??
      undefined;
    const said =
      typeof body.message === 'string'
        ? body.message
        : text.trim() !== '' && text.length < 200
          ? text.trim()
          : `HTTP ${response.status} from ${this.baseUrl}`;
    const next =
      response.status === 401 && this.credential
        ? `: ${this.credential.source} was refused; ${this.credential.whenRefused}`
        : response.status === 401
          ? ': give credentials (see --help)'
          : response.status === 412
            ? '; nothing was changed: see what is live now (list, versions), then try again'
            : response.status === 429
              ? ': slow down, and try again in a few minutes'
              : '';
    return new ApiCallError(
      response.status,
      code,
      `${said}${next}${requestId ? ` (request ${requestId})` : ''}`,
      requestId,
    );
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function unreachable(baseUrl: string, error: unknown, timeoutMs: number): Error {
  const { name, message, cause } = error as Error & { cause?: { code?: string; message?: string } };
  if (name === 'TimeoutError') return new Error(`no answer from ${baseUrl} in ${timeoutMs / 1000} s`);
  return new Error(`cannot reach ${baseUrl}: ${cause?.code ?? cause?.message ?? message}`);
}
