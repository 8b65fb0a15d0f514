import { useCallback } from 'react';
import { useNavigate } from 'react-router-dom';

/** What Cloudscape's `Link`, `Button` and `SideNavigation` pass to `onFollow`. */
interface FollowEvent {
  preventDefault(): void;
  readonly detail: { readonly href?: string; readonly external?: boolean };
}

/**
 * An `onFollow` for Cloudscape links and buttons with an `href`: the router navigates in the page,
 * while the `href` keeps open-in-new-tab and the link's accessible role.
 */
export function useRouterFollow(): (event: FollowEvent) => void {
  const navigate = useNavigate();
  return useCallback(
    (event: FollowEvent) => {
      if (event.detail.external || !event.detail.href) return;
      event.preventDefault();
      navigate(event.detail.href);
    },
    [navigate],
  );
}

/** Where the console's destination pages live, in one place. */
export const destinationPaths = (workspace: string) => ({
  list: `/workspaces/${workspace}/destinations`,
  add: `/workspaces/${workspace}/destinations/new`,
  destination: (id: string) => `/workspaces/${workspace}/destinations/${encodeURIComponent(id)}`,
  publish: `/workspaces/${workspace}/publish`,
});
