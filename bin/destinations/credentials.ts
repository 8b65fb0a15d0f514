import type { ApiCredential } from './api-client';
import type { LoginCache } from './login-cache';
import type { SignIn } from './sign-in';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The credential for the API at `apiUrl`, the first found: a workspace API key
 * (EVENT_DELIVERY_API_KEY), an access token (EVENT_DELIVERY_TOKEN), or the sign-in `login` cached
 * for that URL, refreshed before it expires. Never a flag: it would stay in the shell's history.
 */
export function findCredential(
  apiUrl: string,
  env: Env,
  cache: LoginCache,
  signIn: SignIn,
): ApiCredential | undefined {
  const key = env.EVENT_DELIVERY_API_KEY?.trim();
  if (key)
    return {
      source: 'the API key in EVENT_DELIVERY_API_KEY',
      whenRefused: 'it may be revoked, expired or mistyped (api-keys list shows which)',
      token: async () => key,
    };
  const token = env.EVENT_DELIVERY_TOKEN?.trim();
  if (token)
    return {
      source: 'the access token in EVENT_DELIVERY_TOKEN',
      whenRefused: `it may have expired: unset it and sign in with npm run destinations -- login --api-url ${apiUrl}`,
      token: async () => token,
    };
  const cached = cache.login(apiUrl);
  if (!cached) return undefined;
  let fresh: Promise<string> | undefined;
  return {
    source: `your sign-in as ${cached.username}`,
    whenRefused: `sign in again: npm run destinations -- login --api-url ${apiUrl}`,
    // Once per run: every request of a command carries the same token.
    token: () => {
      fresh ??= signIn.freshLogin(apiUrl, cached).then((login) => login.accessToken);
      return fresh;
    },
  };
}
