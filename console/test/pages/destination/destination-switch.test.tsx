import { act, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DestinationPage } from '../../../src/pages/destination/destination-page';
import { type fakeApi, ROLES, renderPage } from '../../support/render';
import { buttonByText, openModal } from '../dead-letters/find-by-label';
import { destinationApi } from './fixtures';

const render = (api: ReturnType<typeof fakeApi>, access = ROLES.editor) =>
  renderPage(<DestinationPage />, {
    client: api.client,
    access,
    path: '/workspaces/ws-1/destinations/crm',
    pattern: '/workspaces/:workspace/destinations/:destination',
  });

const switches = (api: ReturnType<typeof fakeApi>) =>
  api.calls.filter((call) => call.method === 'POST' && /\/(enable|disable)$/.test(call.path));

describe("a destination's Disable and Enable", () => {
  it('disables only once confirmed, then says what happens to its events', async () => {
    // Arrange
    const api = destinationApi((method, path) =>
      method === 'POST' && path.endsWith('/disable')
        ? { body: { destination: 'crm', enabled: false, changed: true } }
        : undefined,
    );
    const { wrapper } = render(api);
    await waitFor(() => expect(buttonByText(wrapper, 'Disable')?.isDisabled()).toBe(false));

    // Act
    act(() => buttonByText(wrapper, 'Disable')?.click());
    expect(switches(api)).toEqual([]);
    const modal = openModal();
    expect(modal?.findHeader().getElement().textContent).toBe('Disable crm?');
    act(() => (modal ? buttonByText(modal, 'Confirm')?.click() : undefined));

    // Assess
    await waitFor(() =>
      expect(switches(api).map((call) => call.path)).toEqual([
        '/v1/workspaces/ws-1/destinations/crm/disable',
      ]),
    );
    await waitFor(() =>
      expect(wrapper.findFlashbar()?.getElement().textContent).toContain('DestinationDisabled'),
    );
  });

  it('offers Enable for a disabled destination, and a viewer neither', async () => {
    // Arrange: the health figures say it is disabled
    const disabledApi = () =>
      destinationApi((method, path) => {
        if (method === 'GET' && path.includes('/health'))
          return {
            body: {
              workspace: 'ws-1',
              window: 'day',
              from: 'a',
              to: 'b',
              generatedAt: 'c',
              totals: {},
              destinations: [
                {
                  destinationId: 'crm',
                  disabled: { at: '2026-12-06T00:00:00Z', reason: 'DisabledByWorkspace' },
                  circuit: { state: 'closed', changedAt: null, reason: null, openedInWindow: 0 },
                },
              ],
            },
          };
        if (method === 'POST' && path.endsWith('/enable'))
          return { body: { destination: 'crm', enabled: true, changed: true } };
        return undefined;
      });
    const editor = disabledApi();
    const viewer = disabledApi();

    // Act
    const editorPage = render(editor);
    await waitFor(() => expect(buttonByText(editorPage.wrapper, 'Enable')?.isDisabled()).toBe(false));
    act(() => buttonByText(editorPage.wrapper, 'Enable')?.click());
    await waitFor(() =>
      expect(switches(editor).map((call) => call.path)).toEqual([
        '/v1/workspaces/ws-1/destinations/crm/enable',
      ]),
    );
    editorPage.unmount();
    const viewerPage = render(viewer, ROLES.viewer);

    // Assess
    await waitFor(() => expect(buttonByText(viewerPage.wrapper, 'Enable')?.isDisabled()).toBe(true));
  });
});
