/**
 * Where this console's API and user pool are: read at start from `/config.json`, which the deploy
 * writes from the stack's outputs (and `npm run local` from its own), so one build serves both.
 */
export interface ConsoleConfig {
  /** The control-plane API: routes are `${apiUrl}/v1/…`. */
  readonly apiUrl: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** Cognito's endpoint when it is not AWS's (the local emulator); absent in AWS. */
  readonly cognitoEndpoint?: string;
}

const REQUIRED = ['apiUrl', 'region', 'userPoolId', 'userPoolClientId'] as const;

export function parseConfig(value: unknown): ConsoleConfig {
  if (typeof value !== 'object' || value === null) throw new Error('config.json is not a JSON object');
  const record = value as Record<string, unknown>;
  const missing = REQUIRED.filter((key) => typeof record[key] !== 'string' || record[key] === '');
  if (missing.length > 0) throw new Error(`config.json lacks ${missing.join(', ')}`);
  const endpoint = record.cognitoEndpoint;
  return {
    apiUrl: String(record.apiUrl).replace(/\/+$/, ''),
    region: String(record.region),
    userPoolId: String(record.userPoolId),
    userPoolClientId: String(record.userPoolClientId),
    ...(typeof endpoint === 'string' && endpoint !== '' && { cognitoEndpoint: endpoint }),
  };
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json: ${response.status} ${response.statusText}`);
  return parseConfig(await response.json());
}
