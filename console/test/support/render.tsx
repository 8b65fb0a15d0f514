import createWrapper from '@cloudscape-design/components/test-utils/dom';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { ApiProvider } from '../../src/api/api-context';
import { createApiClient } from '../../src/api/client';
import { NotificationsProvider } from '../../src/components/notifications';
import { type WorkspaceAccess, WorkspaceProvider } from '../../src/workspace/workspace-context';

export interface FakeApiCall {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  readonly headers: Headers;
}

/** A fake API: `route(method, path)` answers each call; every call is recorded for assertions. */
export function fakeApi(
  route: (
    method: string,
    path: string,
    body: unknown,
  ) => { status?: number; body?: unknown; headers?: Record<string, string> },
) {
  const calls: FakeApiCall[] = [];
  const fetchImpl = async (input: Request) => {
    const url = new URL(input.url);
    const text = await input.text();
    const body = text ? JSON.parse(text) : undefined;
    calls.push({ method: input.method, path: url.pathname + url.search, body, headers: input.headers });
    const answer = route(input.method, url.pathname + url.search, body);
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status ?? 200,
      headers: { 'content-type': 'application/json', ...answer.headers },
    });
  };
  const client = createApiClient({
    apiUrl: 'https://api.test',
    accessToken: async () => 'token',
    onSignedOut: () => undefined,
    fetch: fetchImpl,
  });
  return { client, calls };
}

export const ROLES: Record<'viewer' | 'editor' | 'admin', WorkspaceAccess> = {
  viewer: { workspace: 'ws-1', role: 'viewer', canEdit: false, isAdmin: false },
  editor: { workspace: 'ws-1', role: 'editor', canEdit: true, isAdmin: false },
  admin: { workspace: 'ws-1', role: 'admin', canEdit: true, isAdmin: true },
};

/**
 * Renders `page` at `path` (matched by `pattern`, e.g. `/workspaces/:workspace/destinations/:destination`)
 * as it is in the console: API, workspace and notifications; returns Cloudscape's test wrapper.
 */
export function renderPage(
  page: ReactElement,
  options: {
    client: ReturnType<typeof fakeApi>['client'];
    access?: WorkspaceAccess;
    path?: string;
    pattern?: string;
  },
) {
  const access = options.access ?? ROLES.admin;
  const path = options.path ?? '/';
  const result = render(
    <ApiProvider client={options.client}>
      <MemoryRouter initialEntries={[path]}>
        <NotificationsProvider>
          {(flashbar) => (
            <WorkspaceProvider access={access}>
              {flashbar}
              <Routes>
                <Route path={options.pattern ?? '*'} element={page} />
              </Routes>
            </WorkspaceProvider>
          )}
        </NotificationsProvider>
      </MemoryRouter>
    </ApiProvider>,
  );
  return { ...result, wrapper: createWrapper(result.container) };
}

/**
 * A page's renderer at `/workspaces/ws-1/<route>` (matched as `/workspaces/:workspace/<pattern>`,
 * `route` itself by default), with the fake API and, by default, an editor's access.
 */
export function workspacePage(
  page: ReactElement,
  route: string,
  options: { pattern?: string; access?: WorkspaceAccess } = {},
) {
  return (api: Pick<ReturnType<typeof fakeApi>, 'client'>, access = options.access ?? ROLES.editor) =>
    renderPage(page, {
      client: api.client,
      access,
      path: `/workspaces/ws-1/${route}`,
      pattern: `/workspaces/:workspace/${options.pattern ?? route}`,
    });
}

/** The API's answer to a call a fake does not expect: the test reads which one it was. */
export const notFound = (method: string, path: string) => ({
  status: 404,
  body: { code: 'NotFound', message: `${method} ${path}`, requestId: 'r' },
});
