import type { Tokens } from './cognito';

/**
 * The browser's copy of the session: tokens only, in `sessionStorage` (gone when the tab closes,
 * never shared with other tabs). Nothing personal is stored: the username is asked of the API.
 */
const KEY = 'event-delivery.session';

export function readTokens(storage: Storage = window.sessionStorage): Tokens | undefined {
  try {
    const value = JSON.parse(storage.getItem(KEY) ?? 'null') as Partial<Tokens> | null;
    if (!value?.accessToken || !value.refreshToken || typeof value.expiresAt !== 'number') return undefined;
    return { accessToken: value.accessToken, refreshToken: value.refreshToken, expiresAt: value.expiresAt };
  } catch {
    return undefined;
  }
}

export function writeTokens(tokens: Tokens | undefined, storage: Storage = window.sessionStorage): void {
  if (tokens) storage.setItem(KEY, JSON.stringify(tokens));
  else storage.removeItem(KEY);
}
