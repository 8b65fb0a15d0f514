import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { EMULATOR_CREDENTIALS, REGION } from '../../local/accounts';

/** An answer of the API: status, headers and parsed body. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the API answered
  readonly body: any;
}

/** A plain HTTP client of the control-plane API, as any customer's would be. */
export class ApiClient {
  constructor(
    private readonly apiUrl: string,
    private readonly credential?: string,
  ) {}

  as(credential: string | undefined): ApiClient {
    return new ApiClient(this.apiUrl, credential);
  }

  async call(
    method: string,
    path: string,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const response = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        ...(this.credential && { authorization: `Bearer ${this.credential}` }),
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
        'user-agent': 'control-plane-test/1.0',
        ...options.headers,
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a CSV export): the text itself.
    }
    return { status: response.status, headers: response.headers, body };
  }

  get = (path: string) => this.call('GET', path);
  post = (path: string, body: unknown = {}, headers?: Record<string, string>) =>
    this.call('POST', path, { body, ...(headers && { headers }) });
}

/** Signs in to the emulator's user pool as a person would (USER_PASSWORD_AUTH): their access token. */
export async function signIn(
  endpoint: string,
  clientId: string,
  user: { username: string; password: string },
): Promise<string> {
  const cognito = new CognitoIdentityProviderClient({
    region: REGION,
    endpoint,
    credentials: EMULATOR_CREDENTIALS,
  });
  const { AuthenticationResult } = await cognito.send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: clientId,
      AuthParameters: { USERNAME: user.username, PASSWORD: user.password },
    }),
  );
  if (!AuthenticationResult?.AccessToken) throw new Error(`no access token for ${user.username}`);
  return AuthenticationResult.AccessToken;
}
