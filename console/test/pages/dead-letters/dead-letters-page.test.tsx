import { act, fireEvent, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DeadLettersPage } from '../../../src/pages/dead-letters/dead-letters-page';
import { fakeApi, ROLES, renderPage } from '../../support/render';
import { buttonByText, disabledReasonOf, inputByLabel, openModal } from './find-by-label';

const letter = (id: string, destinationId: string, errorCode = 'AccessDenied') => ({
  id,
  at: '2025-06-01T10:00:00.000Z',
  errorCode,
  reason: `${errorCode}: the role may not publish`,
  attempts: 5,
  destinationId,
  distinctId: `user-${id}`,
  expiresAt: '2025-06-15T10:00:00.000Z',
});

const LETTERS = [letter('1717236000000-a', 'crm'), letter('1717236000000-b', 'warehouse', 'Throttled')];

function workspaceApi(
  redrive = {
    matched: 1,
    notFound: [],
    remaining: 0,
    remainingExact: true,
    left: [],
    failed: 0,
    redriven: 1,
    notRemoved: 0,
  },
) {
  return fakeApi((method, path) => {
    if (method === 'GET' && path.startsWith('/v1/workspaces/ws-1/dead-letters'))
      return { body: { letters: LETTERS, nextCursor: path.includes('cursor=') ? undefined : 'page-2' } };
    if (method === 'POST' && path === '/v1/workspaces/ws-1/dead-letters/redrive') return { body: redrive };
    return { status: 404, body: { code: 'NotFound', message: path, requestId: 'r' } };
  });
}

const render = (api: ReturnType<typeof fakeApi>, access = ROLES.editor) =>
  renderPage(<DeadLettersPage />, {
    client: api.client,
    access,
    path: '/workspaces/ws-1/dead-letters',
    pattern: '/workspaces/:workspace/dead-letters',
  });

describe('DeadLettersPage', () => {
  it('lists the letters of every destination, linking each to its destination and its event', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await waitFor(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));
    const table = wrapper.findTable();
    expect(table?.findBodyCell(1, 3)?.getElement().textContent).toBe('crm');
    expect(table?.findBodyCell(2, 4)?.getElement().textContent).toBe('Throttled');
    expect(table?.findBodyCell(1, 7)?.findLink()?.getElement().getAttribute('href')).toBe(
      '/workspaces/ws-1/events?id=user-1717236000000-a',
    );
    expect(api.calls[0].path).toBe('/v1/workspaces/ws-1/dead-letters?limit=50');
  });

  it('filters by error code and pages on with the cursor the API gave', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await waitFor(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));

    const code = inputByLabel(wrapper, 'Error code');
    expect(code).toBeTruthy();
    act(() => code?.setInputValue('Throttled'));
    act(() => {
      fireEvent.keyDown(code?.findNativeInput().getElement() as HTMLElement, { key: 'Enter' });
    });
    await waitFor(() =>
      expect(api.calls.at(-1)?.path).toBe('/v1/workspaces/ws-1/dead-letters?limit=50&code=Throttled'),
    );

    const next = () => wrapper.findPagination()?.findNextPageButton().getElement();
    await waitFor(() => expect(next()?.hasAttribute('disabled')).toBe(false));
    act(() => wrapper.findPagination()?.findNextPageButton().click());
    await waitFor(() =>
      expect(api.calls.at(-1)?.path).toBe(
        '/v1/workspaces/ws-1/dead-letters?limit=50&code=Throttled&cursor=page-2',
      ),
    );
  });

  it('redrives the selected letters after confirmation and tells the outcome', async () => {
    const api = workspaceApi({
      matched: 1,
      notFound: [],
      remaining: 0,
      remainingExact: true,
      left: [],
      failed: 0,
      redriven: 1,
      notRemoved: 1,
    });
    const { wrapper } = render(api);
    await waitFor(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));

    act(() => wrapper.findTable()?.findRowSelectionArea(2)?.click());
    act(() => buttonByText(wrapper, 'Redrive')?.click());
    const modal = openModal();
    expect(modal?.getElement().textContent).toContain('1 letter is selected');
    act(() => buttonByText(modal ?? wrapper, 'Confirm')?.click());

    await waitFor(() =>
      expect(api.calls.some((call) => call.path.endsWith('/dead-letters/redrive'))).toBe(true),
    );
    const posted = api.calls.find((call) => call.path.endsWith('/dead-letters/redrive'));
    expect(posted?.method).toBe('POST');
    expect(posted?.body).toEqual({ letters: ['1717236000000-b'] });
    await waitFor(() =>
      expect(wrapper.findAlert()?.getElement().textContent).toContain('Sent 1 letter back'),
    );
    expect(wrapper.findAlert()?.getElement().textContent).toContain('still listed');
  });

  it("keeps a viewer's redrive and discard disabled, saying why", async () => {
    const api = workspaceApi();
    const { wrapper } = render(api, ROLES.viewer);
    await waitFor(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));
    act(() => wrapper.findTable()?.findRowSelectionArea(1)?.click());
    for (const name of ['Redrive', 'Discard']) {
      const button = buttonByText(wrapper, name);
      expect(button).toBeTruthy();
      expect(button?.isDisabled()).toBe(true);
      expect(disabledReasonOf(button)).toContain('Viewers cannot');
    }
  });
});
