import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

/** A person's sign-in to one API: what `login` caches, and refreshes before it expires. */
export interface CachedLogin {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** ISO 8601: when the access token expires. */
  readonly expiresAt: string;
  readonly username: string;
  /** The user pool's region and app client: where the refresh token is exchanged. */
  readonly region: string;
  readonly userPoolClientId: string;
}

/** An MFA setup `login` began without a terminal: the next `login --mfa-code` finishes it. */
export interface PendingMfaSetup {
  /** Cognito's session after AssociateSoftwareToken: valid for a few minutes. */
  readonly session: string;
  /** As the person gave it. */
  readonly username: string;
  /** As the user pool's challenge named the user. */
  readonly challengeUsername: string;
  readonly region: string;
  readonly userPoolClientId: string;
  readonly startedAt: string;
}

interface CacheContent {
  /** By API URL (normalised: no trailing slash). */
  logins: Record<string, CachedLogin>;
  mfaSetups: Record<string, PendingMfaSetup>;
}

/**
 * The sign-ins of `npm run destinations -- login`, per API URL, in
 * `${XDG_CONFIG_HOME:-~/.config}/event-delivery/credentials.json`: the directory 0700, the file
 * 0600, written whole to a temporary file of that mode and renamed over the old one, so nobody
 * else can read it at any point and no reader sees half a file.
 */
export class LoginCache {
  readonly directory: string;
  readonly file: string;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    const config =
      env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME)
        ? env.XDG_CONFIG_HOME
        : path.join(env.HOME || homedir(), '.config');
    this.directory = path.join(config, 'event-delivery');
    this.file = path.join(this.directory, 'credentials.json');
  }

  login(apiUrl: string): CachedLogin | undefined {
    return this.read().logins[apiUrl];
  }

  saveLogin(apiUrl: string, login: CachedLogin): void {
    const content = this.read();
    content.logins[apiUrl] = login;
    delete content.mfaSetups[apiUrl];
    this.write(content);
  }

  /** Forgets the API's sign-in (and any MFA setup under way): what was forgotten, if anything. */
  forget(apiUrl: string): CachedLogin | undefined {
    const content = this.read();
    const forgotten = content.logins[apiUrl];
    if (!forgotten && !content.mfaSetups[apiUrl]) return undefined;
    delete content.logins[apiUrl];
    delete content.mfaSetups[apiUrl];
    this.write(content);
    return forgotten;
  }

  pendingMfaSetup(apiUrl: string): PendingMfaSetup | undefined {
    return this.read().mfaSetups[apiUrl];
  }

  savePendingMfaSetup(apiUrl: string, pending: PendingMfaSetup): void {
    const content = this.read();
    content.mfaSetups[apiUrl] = pending;
    this.write(content);
  }

  clearPendingMfaSetup(apiUrl: string): void {
    const content = this.read();
    if (!content.mfaSetups[apiUrl]) return;
    delete content.mfaSetups[apiUrl];
    this.write(content);
  }

  /** The file's content: empty when there is none (or it is not ours to make sense of). */
  private read(): CacheContent {
    let parsed: Partial<CacheContent>;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<CacheContent>;
    } catch {
      return { logins: {}, mfaSetups: {} };
    }
    return { logins: { ...parsed.logins }, mfaSetups: { ...parsed.mfaSetups } };
  }

  private write(content: CacheContent): void {
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    chmodSync(this.directory, 0o700);
    const temporary = path.join(
      this.directory,
      `.credentials.${process.pid}.${randomBytes(6).toString('hex')}`,
    );
    try {
      writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      renameSync(temporary, this.file);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }
}
