import { useState } from 'react';
import { useApi } from '../../api/api-context';
import { call } from '../../api/client';
import { useWorkspace } from '../../workspace/workspace-context';

export interface DeadLetterQuery {
  /** Letters of this destination, and of retries still going to it. */
  readonly destination?: string;
  /** Letters with this error code (AccessDenied, RetriesExhausted, …). */
  readonly code?: string;
}

/** Letters a page: the API's default, small enough to read, under its 500-letter redrive bound. */
export const PAGE_SIZE = 50;

interface Paging {
  readonly filterKey: string;
  /** The cursor that loads each page reached so far: the first page has none. */
  readonly cursors: readonly (string | undefined)[];
  readonly index: number;
}

const firstPage = (filterKey: string): Paging => ({ filterKey, cursors: [undefined], index: 0 });

/**
 * The workspace's dead letters a page at a time. The API pages forwards only (`nextCursor`), so
 * the cursors of pages already seen are kept to go back; a new filter starts again at page one.
 */
export function useDeadLetterPages(query: DeadLetterQuery) {
  const { workspace } = useWorkspace();
  const filterKey = JSON.stringify([query.destination ?? '', query.code ?? '']);
  const [paging, setPaging] = useState<Paging>(() => firstPage(filterKey));
  // Reset while rendering, not in an effect, so the old page's cursor is never sent with the new filter.
  const current = paging.filterKey === filterKey ? paging : firstPage(filterKey);
  if (current !== paging) setPaging(current);
  const cursor = current.cursors[current.index];
  const page = useApi(
    (api) =>
      call(
        api.GET('/v1/workspaces/{workspace}/dead-letters', {
          params: {
            path: { workspace },
            query: {
              limit: PAGE_SIZE,
              ...(query.destination && { destination: query.destination }),
              ...(query.code && { code: query.code }),
              ...(cursor && { cursor }),
            },
          },
        }),
      ),
    [workspace, filterKey, cursor],
  );
  const nextCursor = page.loading ? undefined : page.data?.nextCursor;
  return {
    ...page,
    /** 1-based, as Cloudscape's Pagination counts. */
    pageNumber: current.index + 1,
    pagesCount: Math.max(current.cursors.length, current.index + (nextCursor ? 2 : 1)),
    hasMore: nextCursor !== undefined,
    goTo(pageNumber: number) {
      const index = pageNumber - 1;
      if (index < current.cursors.length) setPaging({ ...current, index });
      else if (index === current.cursors.length && nextCursor)
        setPaging({ ...current, cursors: [...current.cursors, nextCursor], index });
    },
    /** After letters left the list (redriven, discarded): the cursors seen no longer hold. */
    restart() {
      setPaging(firstPage(filterKey));
      page.reload();
    },
  };
}
