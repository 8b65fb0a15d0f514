import { act, fireEvent } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DeadLettersPage } from '../../../src/pages/dead-letters/dead-letters-page';
import { buttonNamed, disabledReasonOf, eventually, inputByLabel, openModal } from '../../support/cloudscape';
import { fakeApi, notFound, ROLES, workspacePage } from '../../support/render';
import { deadLetter, redriven } from './fixtures';

const LETTERS = [
  deadLetter('1717236000000-a', 'crm'),
  deadLetter('1717236000000-b', 'warehouse', 'Throttled'),
];

function workspaceApi(redrive = redriven()) {
  return fakeApi((method, path) => {
    if (method === 'GET' && path.startsWith('/v1/workspaces/ws-1/dead-letters'))
      return { body: { letters: LETTERS, nextCursor: path.includes('cursor=') ? undefined : 'page-2' } };
    if (method === 'POST' && path === '/v1/workspaces/ws-1/dead-letters/redrive') return { body: redrive };
    return notFound(method, path);
  });
}

const render = workspacePage(<DeadLettersPage />, 'dead-letters');

describe('DeadLettersPage', () => {
  it('lists the letters of every destination, linking each to its destination and its event', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await eventually(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));
    const table = wrapper.findTable();
    expect(table?.findBodyCell(1, 3)?.getElement().textContent).toBe('crm');
    expect(table?.findBodyCell(2, 4)?.getElement().textContent).toBe('Throttled');
    expect(table?.findBodyCell(1, 7)?.findLink()?.getElement().getAttribute('href')).toBe(
      '/workspaces/ws-1/events',
    );
    expect(api.calls[0].path).toBe('/v1/workspaces/ws-1/dead-letters?limit=50');
  });

  it('filters by error code and pages on with the cursor the API gave', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await eventually(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));

    const code = inputByLabel('Error code', wrapper);
    expect(code).toBeTruthy();
    act(() => code?.setInputValue('Throttled'));
    act(() => {
      fireEvent.keyDown(code?.findNativeInput().getElement() as HTMLElement, { key: 'Enter' });
    });
    await eventually(() =>
      expect(api.calls.at(-1)?.path).toBe('/v1/workspaces/ws-1/dead-letters?limit=50&code=Throttled'),
    );

    const next = () => wrapper.findPagination()?.findNextPageButton().getElement();
    await eventually(() => expect(next()?.hasAttribute('disabled')).toBe(false));
    act(() => wrapper.findPagination()?.findNextPageButton().click());
    await eventually(() =>
      expect(api.calls.at(-1)?.path).toBe(
        '/v1/workspaces/ws-1/dead-letters?limit=50&code=Throttled&cursor=page-2',
      ),
    );
  });

  it('redrives the selected letters after confirmation and tells the outcome', async () => {
    const api = workspaceApi(redriven({ notRemoved: 1 }));
    const { wrapper } = render(api);
    await eventually(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));

    act(() => wrapper.findTable()?.findRowSelectionArea(2)?.click());
    act(() => buttonNamed('Redrive', wrapper).click());
    const modal = openModal();
    expect(modal.getElement().textContent).toContain('1 letter is selected');
    act(() => buttonNamed('Confirm', modal).click());

    await eventually(() =>
      expect(api.calls.some((call) => call.path.endsWith('/dead-letters/redrive'))).toBe(true),
    );
    const posted = api.calls.find((call) => call.path.endsWith('/dead-letters/redrive'));
    expect(posted?.method).toBe('POST');
    expect(posted?.body).toEqual({ letters: ['1717236000000-b'] });
    await eventually(() =>
      expect(wrapper.findAlert()?.getElement().textContent).toContain('Sent 1 letter back'),
    );
    expect(wrapper.findAlert()?.getElement().textContent).toContain('still listed');
  });

  it("keeps a viewer's redrive and discard disabled, saying why", async () => {
    const api = workspaceApi();
    const { wrapper } = render(api, ROLES.viewer);
    await eventually(() => expect(wrapper.findTable()?.findRows()).toHaveLength(2));
    act(() => wrapper.findTable()?.findRowSelectionArea(1)?.click());
    for (const name of ['Redrive', 'Discard']) {
      const button = buttonNamed(name, wrapper);
      expect(button).toBeTruthy();
      expect(button?.isDisabled()).toBe(true);
      expect(disabledReasonOf(button)).toContain('Viewers cannot');
    }
  });
});
