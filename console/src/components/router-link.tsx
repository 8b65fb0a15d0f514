import Link, { type LinkProps } from '@cloudscape-design/components/link';
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

/** A Cloudscape link that moves within the console without reloading it. */
export function RouterLink({ href, ...props }: LinkProps & { readonly href: string }) {
  const follow = useRouterFollow();
  return <Link {...props} href={href} onFollow={follow} />;
}

/** Where the console's pages of a workspace live, in one place. */
export const workspacePaths = (workspace: string) => {
  const base = `/workspaces/${workspace}`;
  return {
    destinations: `${base}/destinations`,
    addDestination: `${base}/destinations/new`,
    destination: (id: string) => `${base}/destinations/${encodeURIComponent(id)}`,
    publish: `${base}/publish`,
    versions: `${base}/versions`,
    deadLetters: `${base}/dead-letters`,
    /** Event lookup, showing the story of `id` when given. */
    events: (id?: string) =>
      id === undefined ? `${base}/events` : `${base}/events?id=${encodeURIComponent(id)}`,
    members: `${base}/members`,
    apiKeys: `${base}/api-keys`,
    audit: `${base}/audit`,
  };
};
