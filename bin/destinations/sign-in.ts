import {
  AssociateSoftwareTokenCommand,
  type AuthenticationResultType,
  type ChallengeNameType,
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { UsageError } from '../cli-kit';
import type { SignInConfig } from './api-backend';
import type { CachedLogin, LoginCache, PendingMfaSetup } from './login-cache';
import type { Terminal } from './terminal';

/** A Cognito client in the user pool's region (AWS_ENDPOINT_URL, when set, takes it to the emulator). */
export type CognitoFor = (region: string) => CognitoIdentityProviderClient;

/** An access token this close to expiry is refreshed first. */
export const REFRESH_BEFORE_MS = 60_000;
const ISSUER = 'Event Delivery';
/** Challenges in a row at most: a new password, then MFA setup or a code, then tokens. */
const MAX_CHALLENGES = 4;

export interface SignInRequest {
  readonly apiUrl: string;
  readonly config: SignInConfig;
  readonly username?: string;
  readonly mfaCode?: string;
  readonly password?: string;
  readonly newPassword?: string;
}

export type SignInOutcome =
  | { readonly outcome: 'signed-in'; readonly login: CachedLogin }
  /** MFA setup began without a terminal: the secret to add, then `login --mfa-code`. */
  | {
      readonly outcome: 'mfa-setup';
      readonly username: string;
      readonly secret: string;
      readonly otpauthUri: string;
    };

interface Step {
  readonly ChallengeName?: ChallengeNameType | string;
  readonly ChallengeParameters?: Record<string, string>;
  readonly Session?: string;
  readonly AuthenticationResult?: AuthenticationResultType;
}

/**
 * Signs a person in to the platform's user pool with USER_PASSWORD_AUTH and answers the
 * challenges a sign-in can meet: a new password (an invited user's first sign-in), an MFA code,
 * and MFA setup (a TOTP secret to add to an authenticator app, then its first code).
 */
export class SignIn {
  constructor(
    private readonly cache: LoginCache,
    private readonly cognito: CognitoFor,
    private readonly terminal: Terminal,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async signIn(request: SignInRequest): Promise<SignInOutcome> {
    const pending = this.cache.pendingMfaSetup(request.apiUrl);
    if (pending && request.mfaCode && (request.username ?? pending.username) === pending.username)
      return this.finishMfaSetup(request.apiUrl, pending, request.mfaCode);

    const { region, userPoolClientId } = request.config;
    const username =
      request.username ??
      (this.terminal.interactive ? await this.terminal.read('Username: ', { secret: false }) : undefined);
    if (!username) throw new UsageError('login needs --username EMAIL', 'login');
    const password = request.password ?? (await this.terminal.read('Password: ', { secret: true }));
    if (!password)
      throw new UsageError(
        'login needs your password: on a terminal, in EVENT_DELIVERY_PASSWORD, or as a line on standard input',
        'login',
      );
    const client = this.cognito(region);
    let step: Step = await client.send(
      new InitiateAuthCommand({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: userPoolClientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
    let mfaCode = request.mfaCode;
    for (let challenges = 0; !step.AuthenticationResult; challenges += 1) {
      if (challenges === MAX_CHALLENGES) throw new Error('the user pool keeps asking: sign-in abandoned');
      const user = step.ChallengeParameters?.USER_ID_FOR_SRP ?? username;
      const respond = (ChallengeName: ChallengeNameType, answers: Record<string, string>) =>
        client.send(
          new RespondToAuthChallengeCommand({
            ClientId: userPoolClientId,
            ChallengeName,
            Session: step.Session,
            ChallengeResponses: { USERNAME: user, ...answers },
          }),
        );
      switch (step.ChallengeName) {
        case 'NEW_PASSWORD_REQUIRED':
          step = await respond('NEW_PASSWORD_REQUIRED', {
            NEW_PASSWORD: await this.newPassword(request.newPassword),
          });
          break;
        case 'SOFTWARE_TOKEN_MFA': {
          const code = mfaCode ?? (await this.terminal.read('MFA code: ', { secret: false }));
          if (!code)
            throw new UsageError(
              'your account has MFA: give --mfa-code CODE (your authenticator app shows it)',
              'login',
            );
          mfaCode = undefined;
          step = await respond('SOFTWARE_TOKEN_MFA', { SOFTWARE_TOKEN_MFA_CODE: code });
          break;
        }
        case 'MFA_SETUP': {
          const associated = await client.send(new AssociateSoftwareTokenCommand({ Session: step.Session }));
          const secret = associated.SecretCode ?? '';
          const setup: PendingMfaSetup = {
            session: associated.Session ?? '',
            username,
            challengeUsername: user,
            region,
            userPoolClientId,
            startedAt: this.now().toISOString(),
          };
          const otpauthUri = otpauthUriOf(username, secret);
          if (!this.terminal.interactive) {
            this.cache.savePendingMfaSetup(request.apiUrl, setup);
            return { outcome: 'mfa-setup', username, secret, otpauthUri };
          }
          this.terminal.say(
            `Your account needs MFA. Add this to your authenticator app:\n  ${otpauthUri}\n(or the secret by hand: ${secret})`,
          );
          const code = await this.terminal.read('The code it shows: ', { secret: false });
          if (!code) throw new UsageError('MFA setup needs the code your authenticator app shows', 'login');
          step = await this.verifySoftwareToken(client, setup, code);
          break;
        }
        default:
          throw new Error(
            `the user pool asks for ${step.ChallengeName ?? 'nothing'}, which this CLI cannot answer: sign in another way`,
          );
      }
    }
    return {
      outcome: 'signed-in',
      login: this.save(request.apiUrl, step.AuthenticationResult, username, region, userPoolClientId),
    };
  }

  /** A fresh access token for the cached sign-in: refreshed (and cached) when within a minute of expiry. */
  async freshLogin(apiUrl: string, login: CachedLogin): Promise<CachedLogin> {
    if (Date.parse(login.expiresAt) - this.now().getTime() > REFRESH_BEFORE_MS) return login;
    let result: AuthenticationResultType | undefined;
    try {
      ({ AuthenticationResult: result } = await this.cognito(login.region).send(
        new InitiateAuthCommand({
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          ClientId: login.userPoolClientId,
          AuthParameters: { REFRESH_TOKEN: login.refreshToken },
        }),
      ));
    } catch (error) {
      if ((error as Error).name === 'NotAuthorizedException')
        throw new SignInExpired(apiUrl, (error as Error).message);
      throw error;
    }
    return this.save(
      apiUrl,
      { ...result, RefreshToken: result?.RefreshToken ?? login.refreshToken },
      login.username,
      login.region,
      login.userPoolClientId,
    );
  }

  /** Forgets the API's sign-in, and revokes its refresh token (and the tokens it issued) if it can. */
  async signOut(apiUrl: string): Promise<{ forgotten: boolean; revoked: boolean; problem?: string }> {
    const login = this.cache.forget(apiUrl);
    if (!login) return { forgotten: false, revoked: false };
    try {
      await this.cognito(login.region).send(
        new RevokeTokenCommand({ Token: login.refreshToken, ClientId: login.userPoolClientId }),
      );
      return { forgotten: true, revoked: true };
    } catch (error) {
      const { name, message } = error as Error;
      // One line: an emulator without RevokeToken answers a whole HTML page.
      return { forgotten: true, revoked: false, problem: `${name}: ${message.split('\n')[0].slice(0, 120)}` };
    }
  }

  private async finishMfaSetup(
    apiUrl: string,
    pending: PendingMfaSetup,
    code: string,
  ): Promise<SignInOutcome> {
    const client = this.cognito(pending.region);
    let step: Step;
    try {
      step = await this.verifySoftwareToken(client, pending, code);
    } catch (error) {
      if ((error as Error).name === 'NotAuthorizedException') {
        this.cache.clearPendingMfaSetup(apiUrl);
        throw new Error(
          `the MFA setup begun at ${pending.startedAt} has expired: run login again (without --mfa-code) for a new secret`,
        );
      }
      throw error;
    }
    if (!step.AuthenticationResult)
      throw new Error(
        `the user pool asks for ${step.ChallengeName ?? 'nothing'} after MFA setup: run login again`,
      );
    return {
      outcome: 'signed-in',
      login: this.save(
        apiUrl,
        step.AuthenticationResult,
        pending.username,
        pending.region,
        pending.userPoolClientId,
      ),
    };
  }

  /** The first code of the new secret proves it was added; then the MFA_SETUP challenge is answered. */
  private async verifySoftwareToken(
    client: CognitoIdentityProviderClient,
    setup: PendingMfaSetup,
    code: string,
  ): Promise<Step> {
    const verified = await client.send(
      new VerifySoftwareTokenCommand({
        Session: setup.session,
        UserCode: code,
        FriendlyDeviceName: 'event-delivery CLI',
      }),
    );
    if (verified.Status !== 'SUCCESS') throw new Error('the MFA code was not accepted: run login again');
    return client.send(
      new RespondToAuthChallengeCommand({
        ClientId: setup.userPoolClientId,
        ChallengeName: 'MFA_SETUP',
        Session: verified.Session,
        ChallengeResponses: { USERNAME: setup.challengeUsername },
      }),
    );
  }

  private async newPassword(given: string | undefined): Promise<string> {
    if (given) return given;
    if (!this.terminal.interactive) {
      const line = await this.terminal.read('', { secret: true });
      if (line) return line;
      throw new UsageError(
        'your first sign-in sets a new password: on a terminal, in EVENT_DELIVERY_NEW_PASSWORD, or as the next line of standard input',
        'login',
      );
    }
    this.terminal.say('Your first sign-in: choose a new password.');
    for (;;) {
      const first = await this.terminal.read('New password: ', { secret: true });
      const again = await this.terminal.read('The same again: ', { secret: true });
      if (first && first === again) return first;
      this.terminal.say(first ? 'They differ: try again.' : 'A password cannot be empty.');
    }
  }

  private save(
    apiUrl: string,
    result: AuthenticationResultType | undefined,
    username: string,
    region: string,
    userPoolClientId: string,
  ): CachedLogin {
    if (!result?.AccessToken || !result.RefreshToken)
      throw new Error('the user pool answered without tokens: sign in again');
    const login: CachedLogin = {
      accessToken: result.AccessToken,
      refreshToken: result.RefreshToken,
      expiresAt: new Date(this.now().getTime() + (result.ExpiresIn ?? 3600) * 1000).toISOString(),
      username,
      region,
      userPoolClientId,
    };
    this.cache.saveLogin(apiUrl, login);
    return login;
  }
}

/** The cached sign-in can no longer be refreshed: the person signs in again. */
export class SignInExpired extends Error {
  constructor(apiUrl: string, reason: string) {
    super(
      `your sign-in to ${apiUrl} has expired (${reason}): npm run destinations -- login --api-url ${apiUrl}`,
    );
    this.name = 'SignInExpired';
  }
}

/** The secret as authenticator apps read it (a QR code of this, or the text). */
export function otpauthUriOf(username: string, secret: string): string {
  const label = `${encodeURIComponent(ISSUER)}:${encodeURIComponent(username)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(ISSUER)}`;
}
