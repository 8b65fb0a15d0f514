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
 * while the `href` keeps open-in-new-tab and the link's accessible role. `state` goes with the
 * navigation into the history entry, not into the URL.
 */
export function useRouterFollow(state?: unknown): (event: FollowEvent) => void {
  const navigate = useNavigate();
  return useCallback(
    (event: FollowEvent) => {
      if (event.detail.external || !event.detail.href) return;
      event.preventDefault();
      navigate(event.detail.href, state === undefined ? undefined : { state });
    },
    [navigate, state],
  );
}

/**
 * A Cloudscape link that moves within the console without reloading it, carrying `state` (router
 * navigation state) when given: what the next page needs but the URL must not show. Opened in a
 * new tab, the link has only its `href`.
 */
export function RouterLink({
  href,
  state,
  ...props
}: LinkProps & { readonly href: string; readonly state?: unknown }) {
  const follow = useRouterFollow(state);
  return <Link {...props} href={href} onFollow={follow} />;
}

/**
 * What Event lookup looks up, as navigation state: a distinct_id may be personal data (an email
 * address), so it stays out of the URL and the browser's history of addresses.
 */
export interface EventSearch {
  readonly id: string;
  /** How far back the logs are read: `hour`, `day` or `week`. @default the API's default, a day */
  readonly window?: string;
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
    /** Event lookup, with nothing looked up. */
    events: () => `${base}/events`,
    /** Event lookup showing the story of `id`: spread into a `RouterLink` (`href` and `state`). */
    eventLookup: (id: string) => ({ href: `${base}/events`, state: { id } satisfies EventSearch }),
    members: `${base}/members`,
    apiKeys: `${base}/api-keys`,
    audit: `${base}/audit`,
  };
};
