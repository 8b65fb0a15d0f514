import createWrapper from '@cloudscape-design/components/test-utils/dom';
import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { VersionsPage } from '../../../src/pages/versions/versions-page';
import { eventually } from '../../support/cloudscape';
import { fakeApi, notFound, ROLES, workspacePage } from '../../support/render';
import { AUDIT, LEGACY, ORDERS_DRAFT, ORDERS_LIVE } from '../publish/destinations';

const version = (
  number: number,
  destinations: unknown[],
  changes: { added: string[]; changed: string[]; removed: string[] },
  extra: Record<string, unknown> = {},
) => ({
  version: number,
  destinations,
  publishedAt: `2025-06-0${number}T10:00:00.000Z`,
  publishedBy: `user:author-${number}`,
  action: 'publish',
  changes,
  ...extra,
});

/** Oldest first, as the API lists them: version 3 is live. */
const VERSIONS = [
  version(
    1,
    [ORDERS_LIVE, LEGACY],
    { added: ['orders', 'legacy'], changed: [], removed: [] },
    { note: 'first' },
  ),
  version(2, [ORDERS_DRAFT, LEGACY, AUDIT], { added: ['audit'], changed: ['orders'], removed: [] }),
  version(
    3,
    [ORDERS_LIVE, LEGACY],
    { added: [], changed: ['orders'], removed: ['audit'] },
    {
      action: 'rollback',
      restoredVersion: 1,
    },
  ),
];

const ROLLED_BACK = {
  status: 201,
  body: version(4, [ORDERS_DRAFT], { added: [], changed: [], removed: [] }),
};

function workspaceApi(rollback: { status: number; body: unknown } = ROLLED_BACK) {
  return fakeApi((method, path) => {
    if (method === 'GET' && path === '/v1/workspaces/ws-1/versions') return { body: { versions: VERSIONS } };
    if (method === 'GET' && path === '/v1/workspaces/ws-1/versions/2/diff?from=1')
      return { body: { from: 1, to: 2, changes: { added: ['audit'], changed: ['orders'], removed: [] } } };
    if (method === 'POST' && path === '/v1/workspaces/ws-1/rollback') return rollback;
    return notFound(method, path);
  });
}

const render = workspacePage(<VersionsPage />, 'versions');

type Page = ReturnType<typeof render>['wrapper'];
const versionsTable = (wrapper: Page) => {
  const table = wrapper.findTable();
  if (!table) throw new Error('no versions table');
  return table;
};
const loaded = (wrapper: Page) => eventually(() => expect(versionsTable(wrapper).findRows()).toHaveLength(3));
/** Ticks the row of `number` (rows are newest first: version 3 is row 1). */
function select(wrapper: Page, number: number) {
  const area = versionsTable(wrapper).findRowSelectionArea(4 - number);
  if (!area) throw new Error(`no selection for version ${number}`);
  fireEvent.click(area.find('input')?.getElement() ?? area.getElement());
}
const button = (name: string) => screen.getByRole('button', { name });
const isDisabled = (element: HTMLElement) =>
  element.hasAttribute('disabled') || element.getAttribute('aria-disabled') === 'true';
const posts = (api: ReturnType<typeof fakeApi>) => api.calls.filter((call) => call.method === 'POST');

describe('VersionsPage', () => {
  it('lists the versions newest first: who, when, the note, what changed, and which is live', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await loaded(wrapper);

    const cell = (row: number, column: number) =>
      versionsTable(wrapper).findBodyCell(row, column)?.getElement().textContent;
    // Column 1 is the selection checkbox.
    expect(cell(1, 2)).toBe('3Live');
    expect(cell(2, 2)).toBe('2');
    expect(cell(1, 3)).toBe('Rolled back to version 1: 1 changed, 1 removed');
    expect(cell(2, 3)).toBe('1 added, 1 changed');
    expect(cell(3, 4)).toBe('user:author-1');
    expect(cell(3, 6)).toBe('first');
    expect(cell(2, 6)).toBe('—');
  });

  it('compares the two versions picked, older to newer, field by field', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await loaded(wrapper);
    expect(isDisabled(button('Compare'))).toBe(true);

    select(wrapper, 2);
    select(wrapper, 1);
    fireEvent.click(button('Compare'));

    await eventually(() => expect(screen.getByText('Version 1 → version 2')).toBeTruthy());
    expect(api.calls.at(-1)?.path).toBe('/v1/workspaces/ws-1/versions/2/diff?from=1');
    await eventually(() => expect(wrapper.findAllTables().length).toBe(3));
    // Added destinations come first, then changed ones.
    expect(wrapper.findAllTables()[1].findHeaderSlot()?.getElement().textContent).toContain('audit');
    const orders = wrapper.findAllTables()[2];
    expect(orders.findHeaderSlot()?.getElement().textContent).toContain('orders');
    expect([1, 2, 3].map((column) => orders.findBodyCell(1, column)?.getElement().textContent)).toEqual([
      'events',
      '− purchase',
      '+ purchase, refund',
    ]);
  });

  it("shows one version's destinations", async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await loaded(wrapper);

    select(wrapper, 2);
    fireEvent.click(button('View content'));

    const tables = wrapper.findAllTables().slice(1);
    expect(tables.map((table) => table.findHeaderSlot()?.getElement().textContent)).toEqual([
      'orderssqs',
      'legacysns',
      'auditkinesis',
    ]);
  });

  it('asks before rolling back, then posts with If-Match on the live version, notifies and reloads', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await loaded(wrapper);

    select(wrapper, 1);
    fireEvent.click(button('Roll back'));

    const dialog = screen.getByRole('dialog');
    expect(dialog.textContent).toContain('Roll back to version 1?');
    expect(dialog.textContent).toContain('This publishes a new version 4 with version 1');
    expect(posts(api)).toHaveLength(0);

    fireEvent.change(within(dialog).getByRole('textbox', { name: 'Note' }), {
      target: { value: 'bad mapping' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Roll back' }));

    await eventually(() => expect(posts(api)).toHaveLength(1));
    expect(posts(api)[0].headers.get('if-match')).toBe('"3"');
    expect(posts(api)[0].body).toEqual({ toVersion: 1, note: 'bad mapping' });
    await eventually(() =>
      expect(wrapper.findFlashbar()?.getElement().textContent).toContain('version 4 is live'),
    );
    expect(api.calls.filter((call) => call.path === '/v1/workspaces/ws-1/versions')).toHaveLength(2);
    expect(createWrapper(document.body).findModal()?.isVisible() ?? false).toBe(false);
  });

  it('posts nothing when the rollback is cancelled', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    await loaded(wrapper);

    select(wrapper, 1);
    fireEvent.click(button('Roll back'));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel' }));

    expect(createWrapper(document.body).findModal()?.isVisible() ?? false).toBe(false);
    expect(posts(api)).toHaveLength(0);
  });

  it('says someone published meanwhile when the rollback answers 412', async () => {
    const api = workspaceApi({
      status: 412,
      body: { code: 'PreconditionFailed', message: 'the live version is 4', requestId: 'r' },
    });
    const { wrapper } = render(api);
    await loaded(wrapper);

    select(wrapper, 2);
    fireEvent.click(button('Roll back'));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Roll back' }));

    await eventually(() =>
      expect(wrapper.findAlert()?.getElement().textContent).toContain('Someone published meanwhile'),
    );
    expect(api.calls.filter((call) => call.path === '/v1/workspaces/ws-1/versions')).toHaveLength(2);
  });

  it('does not offer the live version, nor a viewer, a rollback', async () => {
    const editor = render(workspaceApi());
    await loaded(editor.wrapper);
    select(editor.wrapper, 3);
    expect(isDisabled(button('Roll back'))).toBe(true);
    editor.unmount();

    const api = workspaceApi();
    const viewer = render(api, ROLES.viewer);
    await loaded(viewer.wrapper);
    select(viewer.wrapper, 1);
    expect(isDisabled(button('Roll back'))).toBe(true);
    fireEvent.click(button('Roll back'));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(posts(api)).toHaveLength(0);
  });
});
