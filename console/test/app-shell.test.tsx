import createWrapper from '@cloudscape-design/components/test-utils/dom';
import { render, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../src/app';
import type { CognitoSignIn } from '../src/auth/cognito';
import { SessionProvider } from '../src/auth/session';
import { writeTokens } from '../src/auth/session-storage';

const config = { apiUrl: 'https://api.test', region: 'us-east-1', userPoolId: 'p', userPoolClientId: 'c' };
const cognito = { refresh: async () => ({}), signOut: async () => undefined } as unknown as CognitoSignIn;

describe('the console shell', () => {
  it('asks to sign in when there is no session', () => {
    const { container } = render(
      <SessionProvider cognito={cognito}>
        <App config={config} />
      </SessionProvider>,
    );
    const wrapper = createWrapper(container);
    expect(wrapper.findHeader()?.findHeadingText().getElement().textContent).toBe('Sign in');
    expect(wrapper.findInput('[type="email"]') ?? wrapper.findInput()).toBeTruthy();
  });

  it('says a workspace the person is not a member of does not exist, as the API does', async () => {
    writeTokens({ accessToken: 'a', refreshToken: 'r', expiresAt: Date.now() + 3_600_000 });
    window.history.pushState({}, '', '/workspaces/someone-else/destinations');
    globalThis.fetch = (async () =>
      new Response(
        JSON.stringify({
          userId: 'u',
          username: 'me@x',
          operator: false,
          workspaces: [{ workspace: 'mine', role: 'admin' }],
        }),
        {
          headers: { 'content-type': 'application/json' },
        },
      )) as typeof fetch;
    const { container } = render(
      <SessionProvider cognito={cognito}>
        <App config={config} />
      </SessionProvider>,
    );
    await waitFor(() => expect(container.textContent).toContain('Workspace not found'));
    expect(container.textContent).not.toContain('Add destination');
  });

  it('offers a picker to someone in several workspaces, with their role in each', async () => {
    writeTokens({ accessToken: 'a', refreshToken: 'r', expiresAt: Date.now() + 3_600_000 });
    window.history.pushState({}, '', '/');
    globalThis.fetch = (async () =>
      new Response(
        JSON.stringify({
          userId: 'u',
          username: 'me@x',
          operator: false,
          workspaces: [
            { workspace: 'acme', role: 'admin' },
            { workspace: 'globex', role: 'viewer' },
          ],
        }),
        { headers: { 'content-type': 'application/json' } },
      )) as typeof fetch;
    const { container } = render(
      <SessionProvider cognito={cognito}>
        <App config={config} />
      </SessionProvider>,
    );
    await waitFor(() => expect(container.textContent).toContain('Choose the workspace to work in.'));
    const links = [...container.querySelectorAll('a[href^="/workspaces/"]')].map((a) =>
      a.getAttribute('href'),
    );
    expect(links).toEqual(['/workspaces/acme/destinations', '/workspaces/globex/destinations']);
    expect(container.textContent).toContain('globex (viewer)');
  });
});
