import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  NotAuthorizedException,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import type { CachedLogin } from '../../bin/destinations/login-cache';
import { FakeApi, fakeTerminal, runDestinations } from '../support/destinations-cli-harness';

/*
 * `login`, the token cache and its refresh: Cognito mocked, the API a loopback fake that serves
 * GET /v1/sign-in and records the Authorization of the requests that follow.
 */

const cognito = mockClient(CognitoIdentityProviderClient);
const SIGN_IN = { region: 'eu-west-1', userPoolId: 'eu-west-1_pool', userPoolClientId: 'client-1' };
const TOKENS = { AccessToken: 'access-1', RefreshToken: 'refresh-1', IdToken: 'id-1', ExpiresIn: 3600 };
const MINUTE = 60_000;

describe('npm run destinations -- login', () => {
  let api: FakeApi;
  let apiUrl: string;
  /** The API URL as the cache keys it: no trailing slash. */
  let cacheKey: string;
  let config: string;
  let credentialsFile: string;
  const env = (extra: Record<string, string> = {}) => ({
    EVENT_DELIVERY_API_URL: apiUrl,
    XDG_CONFIG_HOME: config,
    ...extra,
  });
  const cached = () =>
    JSON.parse(readFileSync(credentialsFile, 'utf8')) as {
      logins: Record<string, CachedLogin>;
      mfaSetups: Record<string, unknown>;
    };
  const cache = (logins: Record<string, CachedLogin>) => {
    mkdirSync(path.dirname(credentialsFile), { recursive: true });
    writeFileSync(credentialsFile, JSON.stringify({ logins, mfaSetups: {} }));
  };
  const login = (overrides: Partial<CachedLogin> = {}): CachedLogin => ({
    accessToken: 'cached-access',
    refreshToken: 'cached-refresh',
    expiresAt: new Date(Date.now() + 10 * MINUTE).toISOString(),
    username: 'ana@example.com',
    region: 'eu-west-1',
    userPoolClientId: 'client-1',
    ...overrides,
  });

  beforeAll(async () => {
    api = new FakeApi()
      .on('GET', '/v1/sign-in', { json: SIGN_IN })
      .on('GET', '/v1/workspaces/acme/diff', { json: { added: [], removed: [], changed: [] } })
      .on('GET', '/v1/workspaces/acme/destinations', {
        json: { workspace: 'acme', liveVersion: 1, draftRevision: 1, destinations: [], removed: [] },
      })
      .on('GET', '/v1/workspaces/acme/versions/1', {
        json: {
          version: 1,
          destinations: [],
          publishedAt: '',
          publishedBy: '',
          action: 'publish',
          changes: {},
        },
      });
    apiUrl = await api.start();
    cacheKey = apiUrl.replace(/\/$/, '');
  });
  afterAll(() => api.stop());
  beforeEach(() => {
    cognito.reset();
    api.requests.length = 0;
    config = mkdtempSync(path.join(tmpdir(), 'destinations-login-'));
    credentialsFile = path.join(config, 'event-delivery', 'credentials.json');
  });
  afterEach(() => rmSync(config, { recursive: true, force: true }));

  describe('signing in', () => {
    it('signs in with USER_PASSWORD_AUTH to the pool GET /v1/sign-in names, and caches the tokens 0600', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: TOKENS });
      const regions: string[] = [];

      // Act
      const run = await runDestinations(['--json', 'login', '--username', 'ana@example.com'], {
        env: env({ EVENT_DELIVERY_PASSWORD: 'pass-1' }),
        cognito: (region) => {
          regions.push(region);
          return new CognitoIdentityProviderClient({ region });
        },
      });

      // Assess
      expect(run).toMatchObject({ status: 0, stderr: '' });
      expect(api.requests).toHaveLength(1);
      expect(api.requests[0]).toMatchObject({ method: 'GET', path: '/v1/sign-in' });
      expect(api.requests[0].headers.authorization).toBeUndefined();
      expect(regions).toEqual(['eu-west-1']);
      expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: 'client-1',
        AuthParameters: { USERNAME: 'ana@example.com', PASSWORD: 'pass-1' },
      });
      expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
      expect(statSync(path.dirname(credentialsFile)).mode & 0o777).toBe(0o700);
      const saved = cached().logins[cacheKey];
      expect(saved).toEqual({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
        expiresAt: expect.any(String),
        username: 'ana@example.com',
        region: 'eu-west-1',
        userPoolClientId: 'client-1',
      });
      expect(Date.parse(saved.expiresAt) - Date.now()).toBeGreaterThan(59 * MINUTE);
      expect(run.stdout).not.toContain('access-1');
      expect(JSON.parse(run.stdout)).toEqual({
        apiUrl: cacheKey,
        username: 'ana@example.com',
        expiresAt: saved.expiresAt,
        credentialsFile,
      });
    });

    it('reads the password from the first line piped in, and leaves other sign-ins and no temporary file', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: TOKENS });
      cache({ 'https://other.example.com/prod': login() });
      chmodSync(credentialsFile, 0o644);
      const piped = fakeTerminal(['pass-2']);

      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: env(),
        terminal: () => piped,
      });

      // Assess
      expect(run.status).toBe(0);
      expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
        AuthParameters: { USERNAME: 'ana@example.com', PASSWORD: 'pass-2' },
      });
      expect(Object.keys(cached().logins).sort()).toEqual([cacheKey, 'https://other.example.com/prod']);
      expect(readdirSync(path.dirname(credentialsFile))).toEqual(['credentials.json']);
      expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
    });

    it('asks a person at a terminal for the username and the password (without echo)', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: TOKENS });
      const person = fakeTerminal(['ana@example.com', 'pass-3'], true);

      // Act
      const run = await runDestinations(['login'], { env: env(), terminal: () => person });

      // Assess
      expect(run.status).toBe(0);
      expect(person.asked).toEqual(['Username: ', 'Password: ']);
      expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
        AuthParameters: { USERNAME: 'ana@example.com', PASSWORD: 'pass-3' },
      });
    });

    it('sets the new password of an invited person at their first sign-in', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: 'session-1',
        ChallengeParameters: { USER_ID_FOR_SRP: 'ana@example.com' },
      });
      cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: TOKENS });

      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: env({ EVENT_DELIVERY_PASSWORD: 'temporary', EVENT_DELIVERY_NEW_PASSWORD: 'chosen-1' }),
      });

      // Assess
      expect(run.status).toBe(0);
      expect(cognito).toHaveReceivedCommandWith(RespondToAuthChallengeCommand, {
        ClientId: 'client-1',
        ChallengeName: 'NEW_PASSWORD_REQUIRED',
        Session: 'session-1',
        ChallengeResponses: { USERNAME: 'ana@example.com', NEW_PASSWORD: 'chosen-1' },
      });
      expect(cached().logins[cacheKey].accessToken).toBe('access-1');
    });

    it('asks a person at a terminal for the new password twice, until both agree', async () => {
      // Prepare
      cognito
        .on(InitiateAuthCommand)
        .resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session-1' });
      cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: TOKENS });
      const person = fakeTerminal(['temporary', 'chosen-1', 'chosen-2', 'chosen-2', 'chosen-2'], true);

      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: env(),
        terminal: () => person,
      });

      // Assess
      expect(run.status).toBe(0);
      expect(person.said).toContain('They differ: try again.');
      expect(cognito).toHaveReceivedCommandWith(RespondToAuthChallengeCommand, {
        ChallengeResponses: { USERNAME: 'ana@example.com', NEW_PASSWORD: 'chosen-2' },
      });
    });

    it('answers the MFA challenge with --mfa-code', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'session-1' });
      cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: TOKENS });

      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com', '--mfa-code', '123456'], {
        env: env({ EVENT_DELIVERY_PASSWORD: 'pass-1' }),
      });

      // Assess
      expect(run.status).toBe(0);
      expect(cognito).toHaveReceivedCommandWith(RespondToAuthChallengeCommand, {
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: 'session-1',
        ChallengeResponses: { USERNAME: 'ana@example.com', SOFTWARE_TOKEN_MFA_CODE: '123456' },
      });
    });

    it('without an MFA code or a terminal: exit 2, saying to give --mfa-code', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 'session-1' });

      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: env({ EVENT_DELIVERY_PASSWORD: 'pass-1' }),
      });

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('give --mfa-code CODE');
      expect(existsSync(credentialsFile)).toBe(false);
    });

    it('sets up MFA in two runs without a terminal: the secret first, then --mfa-code finishes it', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'MFA_SETUP', Session: 'session-1' });
      cognito
        .on(AssociateSoftwareTokenCommand)
        .resolves({ SecretCode: 'JBSWY3DPEHPK3PXP', Session: 'session-2' });
      cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS', Session: 'session-3' });
      cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: TOKENS });

      // Act
      const first = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: env({ EVENT_DELIVERY_PASSWORD: 'pass-1' }),
      });
      const pendingMode = statSync(credentialsFile).mode & 0o777;
      const second = await runDestinations(['login', '--mfa-code', '654321'], { env: env() });

      // Assess
      expect(first.status).toBe(1);
      expect(first.stdout).toContain(
        'otpauth://totp/Event%20Delivery:ana%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Event%20Delivery',
      );
      expect(first.stdout).toContain('--mfa-code CODE');
      expect(pendingMode).toBe(0o600);
      expect(cognito).toHaveReceivedCommandWith(AssociateSoftwareTokenCommand, { Session: 'session-1' });
      expect(second).toMatchObject({ status: 0, stderr: '' });
      expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
      expect(cognito).toHaveReceivedCommandWith(VerifySoftwareTokenCommand, {
        Session: 'session-2',
        UserCode: '654321',
      });
      expect(cognito).toHaveReceivedCommandWith(RespondToAuthChallengeCommand, {
        ChallengeName: 'MFA_SETUP',
        Session: 'session-3',
        ChallengeResponses: { USERNAME: 'ana@example.com' },
      });
      expect(cached()).toEqual({
        logins: { [cacheKey]: expect.objectContaining({ accessToken: 'access-1' }) },
        mfaSetups: {},
      });
    });

    it('sets up MFA in one run at a terminal: shows the secret, asks for the code', async () => {
      // Prepare
      cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'MFA_SETUP', Session: 'session-1' });
      cognito
        .on(AssociateSoftwareTokenCommand)
        .resolves({ SecretCode: 'JBSWY3DPEHPK3PXP', Session: 'session-2' });
      cognito.on(VerifySoftwareTokenCommand).resolves({ Status: 'SUCCESS', Session: 'session-3' });
      cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: TOKENS });
      const person = fakeTerminal(['pass-1', '654321'], true);

      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: env(),
        terminal: () => person,
      });

      // Assess
      expect(run.status).toBe(0);
      expect(person.said.join('\n')).toContain('otpauth://totp/');
      expect(cognito).toHaveReceivedCommandWith(VerifySoftwareTokenCommand, {
        Session: 'session-2',
        UserCode: '654321',
      });
    });

    it('a wrong password: exit 1 with what Cognito said, nothing cached', async () => {
      // Prepare
      cognito
        .on(InitiateAuthCommand)
        .rejects(new NotAuthorizedException({ message: 'Incorrect username or password.', $metadata: {} }));

      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: env({ EVENT_DELIVERY_PASSWORD: 'wrong' }),
      });

      // Assess
      expect(run).toMatchObject({
        status: 1,
        stderr: 'NotAuthorizedException: Incorrect username or password.\n',
      });
      expect(existsSync(credentialsFile)).toBe(false);
    });

    it('needs an API URL: exit 2', async () => {
      // Act
      const run = await runDestinations(['login', '--username', 'ana@example.com'], {
        env: { XDG_CONFIG_HOME: config },
      });

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('login needs the API: --api-url URL, or EVENT_DELIVERY_API_URL');
    });
  });

  describe('the cached sign-in', () => {
    it('is sent as the Bearer token while it has more than a minute left', async () => {
      // Prepare
      cache({ [cacheKey]: login() });

      // Act
      const run = await runDestinations(['diff', 'acme'], { env: env() });

      // Assess
      expect(run.status).toBe(0);
      expect(api.requests[0].headers.authorization).toBe('Bearer cached-access');
      expect(cognito).not.toHaveReceivedAnyCommand();
    });

    it('is refreshed first within a minute of expiry, once per run, and cached again 0600', async () => {
      // Prepare
      cache({ [cacheKey]: login({ expiresAt: new Date(Date.now() + 30_000).toISOString() }) });
      cognito
        .on(InitiateAuthCommand)
        .resolves({ AuthenticationResult: { AccessToken: 'access-2', ExpiresIn: 3600 } });

      // Act
      const run = await runDestinations(['list', 'acme'], { env: env() });

      // Assess: list makes two requests, with one refresh.
      expect(run.status).toBe(0);
      expect(api.requests.map((r) => r.headers.authorization)).toEqual([
        'Bearer access-2',
        'Bearer access-2',
      ]);
      expect(cognito).toHaveReceivedCommandTimes(InitiateAuthCommand, 1);
      expect(cognito).toHaveReceivedCommandWith(InitiateAuthCommand, {
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: 'client-1',
        AuthParameters: { REFRESH_TOKEN: 'cached-refresh' },
      });
      const saved = cached().logins[cacheKey];
      expect(saved).toMatchObject({ accessToken: 'access-2', refreshToken: 'cached-refresh' });
      expect(Date.parse(saved.expiresAt) - Date.now()).toBeGreaterThan(59 * MINUTE);
      expect(statSync(credentialsFile).mode & 0o777).toBe(0o600);
    });

    it('refused refresh: exit 1, saying to log in again, no request sent', async () => {
      // Prepare
      cache({ [cacheKey]: login({ expiresAt: new Date(Date.now() - MINUTE).toISOString() }) });
      cognito
        .on(InitiateAuthCommand)
        .rejects(new NotAuthorizedException({ message: 'Refresh Token has expired', $metadata: {} }));

      // Act
      const run = await runDestinations(['diff', 'acme'], { env: env() });

      // Assess
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`npm run destinations -- login --api-url ${cacheKey}`);
      expect(api.requests).toEqual([]);
    });

    it('is another API URL’s no credential here: exit 2', async () => {
      // Prepare
      cache({ 'https://other.example.com/prod': login() });

      // Act
      const run = await runDestinations(['diff', 'acme'], { env: env() });

      // Assess
      expect(run.status).toBe(2);
      expect(api.requests).toEqual([]);
    });
  });

  describe('logout', () => {
    it("forgets this API URL's sign-in, revokes its refresh token, and keeps the others", async () => {
      // Prepare
      cache({ [cacheKey]: login(), 'https://other.example.com/prod': login() });
      cognito.on(RevokeTokenCommand).resolves({});

      // Act
      const run = await runDestinations(['logout'], { env: env() });

      // Assess
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('signed out');
      expect(cognito).toHaveReceivedCommandWith(RevokeTokenCommand, {
        Token: 'cached-refresh',
        ClientId: 'client-1',
      });
      expect(Object.keys(cached().logins)).toEqual(['https://other.example.com/prod']);
    });

    it('forgets it even when the tokens cannot be revoked', async () => {
      // Prepare
      cache({ [cacheKey]: login() });
      cognito.on(RevokeTokenCommand).rejects(new Error('no network'));

      // Act
      const run = await runDestinations(['logout'], { env: env() });

      // Assess
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('could not be revoked');
      expect(cached().logins).toEqual({});
    });
  });
});
