import type { ApiKeys } from './api-keys';
import { isApiKey } from './api-keys';
import type { Caller } from './caller';
import { OPERATORS_GROUP } from './roles';

/** What a verified access token says of the person: a Cognito access token's claims. */
export interface AccessTokenClaims {
  readonly sub: string;
  readonly username?: unknown;
  readonly 'cognito:groups'?: unknown;
}

/**
 * Verifies an access token: signature (the pool's JWKS), issuer, `token_use` access, the app
 * client and expiry (aws-jwt-verify's `CognitoJwtVerifier`); throws when any fails.
 */
export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessTokenClaims>;
}

/** Why a request is refused before any handler runs: API Gateway answers 401. */
export class Unauthenticated extends Error {
  constructor(readonly reason: string) {
    super('Unauthorized');
    this.name = 'Unauthenticated';
  }
}

/**
 * Who is calling, from `Authorization: Bearer <access token or API key>` and the workspace of the
 * request's path (an API key is looked up there only: another workspace's key is nobody there).
 */
export async function authenticate(
  authorization: string | undefined,
  pathWorkspace: string | undefined,
  verifiers: { readonly tokens: AccessTokenVerifier; readonly apiKeys: ApiKeys },
): Promise<Caller> {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization?.trim() ?? '');
  if (!match) throw new Unauthenticated(authorization ? 'malformed authorization header' : 'no credentials');
  const credential = match[1];
  if (isApiKey(credential)) {
    // A key is a credential of its workspace's routes only: elsewhere it proves nothing (and
    // nothing could tell a revoked key from a valid one).
    if (!pathWorkspace) throw new Unauthenticated('api key outside a workspace route');
    const verdict = await verifiers.apiKeys.verify(pathWorkspace, credential);
    if (verdict.outcome === 'invalid') throw new Unauthenticated(`api key ${verdict.reason}`);
    return verdict.outcome === 'valid'
      ? { kind: 'api-key', keyId: verdict.keyId, workspace: pathWorkspace, role: verdict.role }
      : { kind: 'api-key', keyId: verdict.keyId };
  }
  let claims: AccessTokenClaims;
  try {
    claims = await verifiers.tokens.verify(credential);
  } catch (error) {
    // aws-jwt-verify's messages name the failed check, never the token itself.
    throw new Unauthenticated(`token refused: ${String((error as Error).message).slice(0, 200)}`);
  }
  const groups = Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'] : [];
  return {
    kind: 'user',
    userId: claims.sub,
    username: typeof claims.username === 'string' ? claims.username : claims.sub,
    operator: groups.includes(OPERATORS_GROUP),
  };
}
