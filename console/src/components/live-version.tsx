import Alert from '@cloudscape-design/components/alert';
import { type ReactNode, useCallback, useState } from 'react';
import { ApiError } from '../api/client';

/**
 * Publish and rollback are sent against the live version the person saw (If-Match); the API
 * refuses them with 412 when someone published meanwhile.
 */
export const ifMatchLive = (liveVersion: number) => ({ 'if-match': `"${liveVersion}"` });

export interface LiveVersionGuard {
  /** True once a change was refused because the live version moved on; the page says so. */
  readonly stale: boolean;
  dismiss(): void;
  /**
   * Sends the change; a 412 resolves with `stale` set (nothing was changed: the page reloads and
   * says why), any other refusal is thrown for the caller to show.
   */
  send(change: () => Promise<void>): Promise<void>;
}

export function useLiveVersionGuard(): LiveVersionGuard {
  const [stale, setStale] = useState(false);
  const dismiss = useCallback(() => setStale(false), []);
  const send = useCallback(async (change: () => Promise<void>) => {
    setStale(false);
    try {
      await change();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 412)) throw error;
      setStale(true);
    }
  }, []);
  return { stale, dismiss, send };
}

/** "Someone published meanwhile", with what happened to this page's change. */
export function StaleVersionAlert({ guard, children }: { guard: LiveVersionGuard; children: ReactNode }) {
  if (!guard.stale) return null;
  return (
    <Alert type="warning" header="Someone published meanwhile" dismissible onDismiss={guard.dismiss}>
      {children}
    </Alert>
  );
}
