import {
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { ConsoleConfig } from '../config';

/** What a signed-in browser keeps: the tokens only, never the username or anything else personal. */
export interface Tokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** Where a sign-in stands: done, or the challenge the pool asks next. */
export type SignInStep =
  | { readonly kind: 'signedIn'; readonly tokens: Tokens }
  | { readonly kind: 'newPassword'; readonly session: string }
  | { readonly kind: 'mfa'; readonly session: string }
  | { readonly kind: 'mfaSetup'; readonly session: string; readonly secret: string };

/**
 * The user pool's sign-in flows, called from the browser (they need no AWS credentials): password,
 * a new password when the pool asks for one, a TOTP code, and the TOTP set-up the pool requires
 * on a first sign-in where MFA is on.
 */
export class CognitoSignIn {
  private readonly client: CognitoIdentityProviderClient;

  constructor(private readonly config: ConsoleConfig) {
    this.client = new CognitoIdentityProviderClient({
      region: config.region,
      ...(config.cognitoEndpoint && { endpoint: config.cognitoEndpoint }),
    });
  }

  async signIn(username: string, password: string): Promise<SignInStep> {
    const output = await this.client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: this.config.userPoolClientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    return this.next(output);
  }

  async setNewPassword(username: string, session: string, newPassword: string): Promise<SignInStep> {
    return this.respond('NEW_PASSWORD_REQUIRED', session, {
      USERNAME: username,
      NEW_PASSWORD: newPassword,
    });
  }

  async answerMfa(username: string, session: string, code: string): Promise<SignInStep> {
    return this.respond('SOFTWARE_TOKEN_MFA', session, { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code });
  }

  /** Proves the authenticator app holds the secret, then finishes the sign-in it interrupted. */
  async finishMfaSetup(username: string, session: string, code: string): Promise<SignInStep> {
    const verified = await this.client.send(
      new VerifySoftwareTokenCommand({ Session: session, UserCode: code, FriendlyDeviceName: 'console' }),
    );
    if (verified.Status !== 'SUCCESS' || !verified.Session) throw new Error('That code did not match.');
    return this.respond('MFA_SETUP', verified.Session, { USERNAME: username });
  }

  async refresh(refreshToken: string): Promise<Tokens> {
    const output = await this.client.send(
      new InitiateAuthCommand({
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        ClientId: this.config.userPoolClientId,
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    // A refresh answers no new refresh token: the one it was given stays valid.
    return tokensOf(output.AuthenticationResult, refreshToken);
  }

  /** The signed-in person's email, to show who is signed in (shown, never stored). */
  async email(accessToken: string): Promise<string | undefined> {
    const user = await this.client.send(new GetUserCommand({ AccessToken: accessToken }));
    return user.UserAttributes?.find((attribute) => attribute.Name === 'email')?.Value;
  }

  /** Ends every session of this user; best effort: the browser forgets its tokens either way. */
  async signOut(accessToken: string): Promise<void> {
    await this.client.send(new GlobalSignOutCommand({ AccessToken: accessToken })).catch(() => undefined);
  }

  private async respond(
    challenge: 'NEW_PASSWORD_REQUIRED' | 'SOFTWARE_TOKEN_MFA' | 'MFA_SETUP',
    session: string,
    responses: Record<string, string>,
  ): Promise<SignInStep> {
    const output = await this.client.send(
      new RespondToAuthChallengeCommand({
        ClientId: this.config.userPoolClientId,
        ChallengeName: challenge,
        Session: session,
        ChallengeResponses: responses,
      }),
    );
    return this.next(output);
  }

  private async next(
    output: Pick<InitiateAuthCommandOutput, 'AuthenticationResult' | 'ChallengeName' | 'Session'>,
  ): Promise<SignInStep> {
    if (output.AuthenticationResult)
      return { kind: 'signedIn', tokens: tokensOf(output.AuthenticationResult) };
    const session = output.Session ?? '';
    switch (output.ChallengeName) {
      case 'NEW_PASSWORD_REQUIRED':
        return { kind: 'newPassword', session };
      case 'SOFTWARE_TOKEN_MFA':
        return { kind: 'mfa', session };
      case 'MFA_SETUP': {
        const associated = await this.client.send(new AssociateSoftwareTokenCommand({ Session: session }));
        return {
          kind: 'mfaSetup',
          session: associated.Session ?? session,
          secret: associated.SecretCode ?? '',
        };
      }
      default:
        throw new Error(
          `The user pool asked for ${output.ChallengeName ?? 'nothing'}, which this console cannot answer.`,
        );
    }
  }
}

function tokensOf(result: AuthenticationResultType | undefined, refreshToken?: string): Tokens {
  const accessToken = result?.AccessToken;
  const refresh = result?.RefreshToken ?? refreshToken;
  if (!accessToken || !refresh) throw new Error('The user pool answered without tokens.');
  return { accessToken, refreshToken: refresh, expiresAt: Date.now() + (result?.ExpiresIn ?? 3600) * 1000 };
}

/** The pool's error, in words a person can act on. */
export function signInErrorMessage(error: unknown): string {
  const name = (error as { name?: string }).name;
  if (name === 'NotAuthorizedException') return 'Incorrect username or password.';
  if (name === 'UserNotFoundException') return 'Incorrect username or password.';
  if (name === 'CodeMismatchException') return 'That code did not match. Try the current one.';
  if (name === 'InvalidPasswordException') return (error as Error).message;
  if (name === 'PasswordResetRequiredException')
    return 'Your password must be reset: ask your workspace admin.';
  if (name === 'TooManyRequestsException' || name === 'LimitExceededException')
    return 'Too many attempts. Wait a minute, then try again.';
  return error instanceof Error ? error.message : String(error);
}
