import { useCallback, useEffect, useRef, useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';

export interface AuditEvents {
  /** Every page loaded so far, newest first as the API answers them. */
  readonly events: readonly Schemas['AuditEvent'][];
  /** Whether the API has older events than those loaded. */
  readonly hasMore: boolean;
  readonly loading: boolean;
  readonly error: Error | undefined;
  /** Loads the next (older) page and adds it below the others. */
  loadMore(): void;
  /** Starts again from the newest page. */
  refresh(): void;
}

interface Loaded {
  readonly events: readonly Schemas['AuditEvent'][];
  readonly nextCursor?: string;
  readonly loading: boolean;
  readonly error?: Error;
}

const NOTHING_YET: Loaded = { events: [], loading: true };

/**
 * A workspace's audit log, page after page: the API answers a page and the cursor of the next,
 * so pages accumulate here rather than in `useApi`, which keeps one answer.
 */
export function useAuditEvents(workspace: string): AuditEvents {
  const api = useApiClient();
  const [loaded, setLoaded] = useState<Loaded>(NOTHING_YET);
  // Each refresh (or workspace) starts a new list: pages still on their way for an older one are dropped.
  const list = useRef(0);

  const loadPage = useCallback(
    (cursor: string | undefined, forList: number) => {
      setLoaded((current) => ({ ...current, loading: true, error: undefined }));
      call(
        api.GET('/v1/workspaces/{workspace}/audit-events', {
          params: { path: { workspace }, query: cursor ? { cursor } : {} },
        }),
      ).then(
        (page) =>
          forList === list.current &&
          setLoaded((current) => ({
            events: cursor ? [...current.events, ...page.events] : page.events,
            nextCursor: page.nextCursor,
            loading: false,
          })),
        (error: Error) =>
          forList === list.current && setLoaded((current) => ({ ...current, loading: false, error })),
      );
    },
    [api, workspace],
  );

  const refresh = useCallback(() => {
    list.current += 1;
    setLoaded(NOTHING_YET);
    loadPage(undefined, list.current);
  }, [loadPage]);

  useEffect(refresh, [refresh]);

  const { nextCursor, loading } = loaded;
  const loadMore = useCallback(() => {
    if (nextCursor && !loading) loadPage(nextCursor, list.current);
  }, [loadPage, nextCursor, loading]);

  return {
    events: loaded.events,
    hasMore: nextCursor !== undefined,
    loading,
    error: loaded.error,
    loadMore,
    refresh,
  };
}
