import { act } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { buttonNamed, eventually, openModal } from '../../support/cloudscape';
import { type fakeApi, ROLES } from '../../support/render';
import { destinationApi, renderDestinationPage } from './fixtures';

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
    const { wrapper } = renderDestinationPage(api);
    await eventually(() => expect(buttonNamed('Disable', wrapper).isDisabled()).toBe(false));

    // Act
    act(() => buttonNamed('Disable', wrapper).click());
    expect(switches(api)).toEqual([]);
    const modal = openModal();
    expect(modal.findHeader().getElement().textContent).toBe('Disable crm?');
    act(() => buttonNamed('Confirm', modal).click());

    // Assess
    await eventually(() =>
      expect(switches(api).map((call) => call.path)).toEqual([
        '/v1/workspaces/ws-1/destinations/crm/disable',
      ]),
    );
    await eventually(() =>
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
    const editorPage = renderDestinationPage(editor);
    await eventually(() => expect(buttonNamed('Enable', editorPage.wrapper).isDisabled()).toBe(false));
    act(() => buttonNamed('Enable', editorPage.wrapper).click());
    await eventually(() =>
      expect(switches(editor).map((call) => call.path)).toEqual([
        '/v1/workspaces/ws-1/destinations/crm/enable',
      ]),
    );
    editorPage.unmount();
    const viewerPage = renderDestinationPage(viewer, ROLES.viewer);

    // Assess
    await eventually(() => expect(buttonNamed('Enable', viewerPage.wrapper).isDisabled()).toBe(true));
  });
});
