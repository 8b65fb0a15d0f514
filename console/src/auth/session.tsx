import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';
import type { CognitoSignIn, Tokens } from './cognito';
import { readTokens, writeTokens } from './session-storage';

/** Refresh this long before the access token expires, so no request carries one that lapses in flight. */
const REFRESH_MARGIN_MS = 60_000;

export interface Session {
  readonly signedIn: boolean;
  /** A valid access token, refreshed first when it is about to expire; rejects once signed out. */
  accessToken(): Promise<string>;
  signedInWith(tokens: Tokens): void;
  signOut(): Promise<void>;
  readonly cognito: CognitoSignIn;
}

const SessionContext = createContext<Session | undefined>(undefined);

export class SignedOutError extends Error {
  constructor() {
    super('Your session has ended. Sign in again.');
    this.name = 'SignedOutError';
  }
}

export function SessionProvider({ cognito, children }: { cognito: CognitoSignIn; children: ReactNode }) {
  const [tokens, setTokens] = useState<Tokens | undefined>(() => readTokens());
  const current = useRef(tokens);
  const refreshing = useRef<Promise<Tokens> | undefined>(undefined);

  const remember = useCallback((next: Tokens | undefined) => {
    current.current = next;
    writeTokens(next);
    setTokens(next);
  }, []);

  const accessToken = useCallback(async () => {
    const held = current.current;
    if (!held) throw new SignedOutError();
    if (held.expiresAt - Date.now() > REFRESH_MARGIN_MS) return held.accessToken;
    // One refresh for all the requests that noticed at once.
    refreshing.current ??= cognito.refresh(held.refreshToken).finally(() => {
      refreshing.current = undefined;
    });
    try {
      const fresh = await refreshing.current;
      remember(fresh);
      return fresh.accessToken;
    } catch {
      remember(undefined);
      throw new SignedOutError();
    }
  }, [cognito, remember]);

  const signOut = useCallback(async () => {
    const held = current.current;
    remember(undefined);
    if (held) await cognito.signOut(held.accessToken);
  }, [cognito, remember]);

  const session = useMemo<Session>(
    () => ({ signedIn: tokens !== undefined, accessToken, signedInWith: remember, signOut, cognito }),
    [tokens, accessToken, remember, signOut, cognito],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
