import type { CliResult } from '../cli-kit';
import type { ApiBackend } from './api-backend';
import { result } from './command';
import type { LoginCache } from './login-cache';
import type { OptionValues } from './options';
import type { SignIn } from './sign-in';

/** What login and logout need: no credential, the cache, and the way to the user pool. */
export interface SessionContext {
  readonly apiUrl: string;
  readonly values: OptionValues;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Unauthenticated: GET /v1/sign-in is public. */
  readonly api: ApiBackend;
  readonly signIn: SignIn;
  readonly cache: LoginCache;
}

export async function login({ apiUrl, values, env, api, signIn, cache }: SessionContext): Promise<CliResult> {
  const signedIn = await signIn.signIn({
    apiUrl,
    config: await api.signInConfig(),
    ...(values.username && { username: values.username }),
    ...(values['mfa-code'] && { mfaCode: values['mfa-code'] }),
    ...(env.EVENT_DELIVERY_PASSWORD && { password: env.EVENT_DELIVERY_PASSWORD }),
    ...(env.EVENT_DELIVERY_NEW_PASSWORD && { newPassword: env.EVENT_DELIVERY_NEW_PASSWORD }),
  });
  if (signedIn.outcome === 'mfa-setup')
    return result(
      {
        apiUrl,
        username: signedIn.username,
        mfaSetup: { secret: signedIn.secret, otpauthUri: signedIn.otpauthUri },
      },
      [
        'Your account needs MFA. Add this to your authenticator app (a QR code of it, or the secret by hand):',
        `  ${signedIn.otpauthUri}`,
        `  secret: ${signedIn.secret}`,
        'Then, within 3 minutes, finish signing in with the code it shows:',
        `  npm run destinations -- login --api-url ${apiUrl} --username ${signedIn.username} --mfa-code CODE`,
      ].join('\n'),
      1,
    );
  const { username, expiresAt } = signedIn.login;
  return result(
    { apiUrl, username, expiresAt, credentialsFile: cache.file },
    `signed in to ${apiUrl} as ${username}; the tokens are cached in ${cache.file} and refreshed on their own`,
  );
}

export async function logout({ apiUrl, signIn }: SessionContext): Promise<CliResult> {
  const { forgotten, revoked, problem } = await signIn.signOut(apiUrl);
  return result(
    { apiUrl, forgotten, revoked },
    !forgotten
      ? `no sign-in cached for ${apiUrl}`
      : revoked
        ? `signed out of ${apiUrl}: the sign-in is forgotten and its tokens revoked`
        : `forgot the sign-in for ${apiUrl}; its tokens could not be revoked (${problem}): they expire on their own`,
  );
}
