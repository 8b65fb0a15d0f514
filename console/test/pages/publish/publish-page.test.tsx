import type { TableWrapper } from '@cloudscape-design/components/test-utils/dom';
import { fireEvent, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { PublishPage } from '../../../src/pages/publish/publish-page';
import { eventually } from '../../support/cloudscape';
import { fakeApi, notFound, ROLES, workspacePage } from '../../support/render';
import { AUDIT, LEGACY, ORDERS_DRAFT, ORDERS_LIVE } from './destinations';

const CHANGES = { added: ['audit'], changed: ['orders'], removed: ['legacy'] };
const NO_CHANGES = { added: [], changed: [], removed: [] };

/**
 * A workspace whose live version is `live.version` (holding orders and legacy) and whose draft
 * changes orders, adds audit and removes legacy; `publish` answers each POST …/publish in turn.
 */
function workspaceApi(options: {
  changes?: typeof CHANGES;
  publish?: { status: number; body: unknown }[];
  /** Someone else's publish: from the Nth listing on, the live version is one more. */
  publishedByOthersAfter?: number;
}) {
  const publishAnswers = [...(options.publish ?? [])];
  let listings = 0;
  const api = fakeApi((method, path) => {
    if (method === 'GET' && path === '/v1/workspaces/ws-1/destinations') {
      listings += 1;
      const live = options.publishedByOthersAfter && listings > options.publishedByOthersAfter ? 4 : 3;
      return {
        headers: { ETag: `"${live}"` },
        body: {
          workspace: 'ws-1',
          liveVersion: live,
          draftRevision: 7,
          destinations: [
            { destination: ORDERS_DRAFT, status: 'changed' },
            { destination: AUDIT, status: 'added' },
          ],
          removed: ['legacy'],
        },
      };
    }
    if (method === 'GET' && path === '/v1/workspaces/ws-1/diff') return { body: options.changes ?? CHANGES };
    if (method === 'GET' && /^\/v1\/workspaces\/ws-1\/versions\/\d+$/.test(path))
      return {
        body: {
          version: Number(path.split('/').at(-1)),
          destinations: [ORDERS_LIVE, LEGACY],
          publishedAt: '2025-06-01T10:00:00.000Z',
          publishedBy: 'user:ada',
          action: 'publish',
          changes: NO_CHANGES,
        },
      };
    if (method === 'POST' && path === '/v1/workspaces/ws-1/publish') {
      const answer = publishAnswers.shift();
      if (answer) return answer;
    }
    return notFound(method, path);
  });
  return api;
}

const render = workspacePage(<PublishPage />, 'publish');

const PUBLISHED = {
  status: 201,
  body: {
    version: 4,
    destinations: [ORDERS_DRAFT, AUDIT],
    publishedAt: '2025-06-02T10:00:00.000Z',
    publishedBy: 'user:me',
    action: 'publish',
    changes: CHANGES,
    note: 'why',
  },
};

/** The diff's table for one destination, found by the id in its header. */
function tableFor(wrapper: ReturnType<typeof render>['wrapper'], id: string): TableWrapper {
  const table = wrapper
    .findAllTables()
    .find((candidate) => candidate.findHeaderSlot()?.getElement().textContent?.startsWith(id));
  if (!table) throw new Error(`no table for ${id}`);
  return table;
}

const cellText = (table: TableWrapper, row: number, column: number) =>
  table.findBodyCell(row, column)?.getElement().textContent;

const publishButton = () => screen.getByRole('button', { name: 'Publish' });
/** Cloudscape marks a button with a disabled reason `aria-disabled` (it stays focusable for the reason). */
const isDisabled = (button: HTMLElement) =>
  button.hasAttribute('disabled') || button.getAttribute('aria-disabled') === 'true';
const publishCalls = (api: ReturnType<typeof fakeApi>) => api.calls.filter((call) => call.method === 'POST');

describe('PublishPage', () => {
  it('shows each changed field of the draft against live, and what is added and removed', async () => {
    const api = workspaceApi({});
    const { wrapper } = render(api);

    await eventually(() => expect(wrapper.findAllTables()).toHaveLength(3));

    const orders = tableFor(wrapper, 'orders');
    expect(orders.findColumnHeaders().map((header) => header.getElement().textContent)).toEqual([
      'Field',
      'Live (version 3)',
      'Draft',
    ]);
    expect(orders.findRows()).toHaveLength(3);
    expect([1, 2, 3].map((row) => cellText(orders, 1, row))).toEqual([
      'events',
      '− purchase',
      '+ purchase, refund',
    ]);
    expect([1, 2, 3].map((row) => cellText(orders, 2, row))).toEqual(['mapping.mode', '(not set)', '+ all']);
    expect(cellText(orders, 3, 1)).toBe('mapping.properties.email');
    expect(tableFor(wrapper, 'audit').findHeaderSlot()?.getElement().textContent).toContain('added');
    expect(cellText(tableFor(wrapper, 'legacy'), 1, 3)).toBe('(not set)');
    expect(api.calls.map((call) => call.path)).toEqual([
      '/v1/workspaces/ws-1/destinations',
      '/v1/workspaces/ws-1/diff',
      '/v1/workspaces/ws-1/versions/3',
    ]);
  });

  it('publishes with the note and If-Match on the live version it showed, then reloads', async () => {
    const api = workspaceApi({ publish: [PUBLISHED] });
    const { wrapper } = render(api);
    await eventually(() => expect(isDisabled(publishButton())).toBe(false));

    const note = screen.getByRole('textbox', { name: 'Note' });
    fireEvent.change(note, { target: { value: '  add refunds  ' } });
    fireEvent.click(publishButton());

    await eventually(() => expect(publishCalls(api)).toHaveLength(1));
    const [publish] = publishCalls(api);
    expect(publish.headers.get('if-match')).toBe('"3"');
    expect(publish.body).toEqual({ note: 'add refunds' });
    await eventually(() =>
      expect(wrapper.findFlashbar()?.getElement().textContent).toContain('version 4 is live'),
    );
    await eventually(() =>
      expect(api.calls.filter((call) => call.path === '/v1/workspaces/ws-1/destinations')).toHaveLength(2),
    );
  });

  it('says someone published meanwhile on a 412, and shows the diff against the new live version', async () => {
    const api = workspaceApi({
      publish: [{ status: 412, body: { code: 'PreconditionFailed', message: 'live is 4', requestId: 'r' } }],
      publishedByOthersAfter: 1,
    });
    const { wrapper } = render(api);
    await eventually(() => expect(isDisabled(publishButton())).toBe(false));

    fireEvent.click(publishButton());

    await eventually(() =>
      expect(wrapper.findAlert()?.getElement().textContent).toContain('Someone published meanwhile'),
    );
    await eventually(() => expect(screen.getByText('Against version 4, the live one.')).toBeTruthy());
    expect(wrapper.findFlashbar()?.findItems()).toHaveLength(0);

    fireEvent.click(publishButton());
    await eventually(() => expect(publishCalls(api)).toHaveLength(2));
    expect(publishCalls(api)[1].headers.get('if-match')).toBe('"4"');
  });

  it('says there is nothing to publish when the draft is the live version, and does not offer to', async () => {
    const api = workspaceApi({ changes: NO_CHANGES });
    render(api);

    await eventually(() =>
      expect(screen.getByText('Nothing to publish: the draft is the same as live version 3.')).toBeTruthy(),
    );
    expect(isDisabled(publishButton())).toBe(true);
    fireEvent.click(publishButton());
    expect(publishCalls(api)).toHaveLength(0);
  });

  it("disables a viewer's publish, with the reason", async () => {
    const api = workspaceApi({ publish: [PUBLISHED] });
    const { wrapper } = render(api, ROLES.viewer);
    await eventually(() => expect(wrapper.findAllTables()).toHaveLength(3));

    expect(isDisabled(publishButton())).toBe(true);
    expect(document.body.textContent).toContain('Viewers cannot publish');
    fireEvent.click(publishButton());
    expect(publishCalls(api)).toHaveLength(0);
  });
});
