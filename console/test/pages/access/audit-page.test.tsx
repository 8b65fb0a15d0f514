import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../../src/api/client';
import { AuditPage } from '../../../src/pages/access/audit-page';
import { buttonNamed, click, eventually, screen, tableRows } from '../../support/cloudscape';
import { fakeApi, notFound, ROLES, workspacePage } from '../../support/render';

const AUDIT_PATH = '/v1/workspaces/ws-1/audit-events';

const event = (id: string, fields: Partial<Schemas['AuditEvent']>): Schemas['AuditEvent'] => ({
  id,
  workspace: 'ws-1',
  at: '2026-03-01T10:00:00.000Z',
  action: 'destination.create',
  target: 'destination/orders',
  actor: { type: 'user', id: 'u-ana', name: 'ana@example.com' },
  requestId: `req-${id}`,
  ...fields,
});

const published = event('e3', {
  at: '2026-03-03T10:00:00.000Z',
  action: 'workspace.publish',
  target: 'workspace',
  before: { liveVersion: 2 },
  after: { liveVersion: 3 },
  sourceIp: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (console)',
});
const revoked = event('e2', {
  at: '2026-03-02T10:00:00.000Z',
  action: 'api-key.revoke',
  target: 'api-key/00000000000000c1',
  actor: { type: 'api-key', id: '00000000000000ff' },
});
const created = event('e1', {});

/** Two pages: the newest two events with a cursor, then the oldest. */
function auditApi() {
  return fakeApi((method, path) => {
    if (method === 'GET' && path === AUDIT_PATH)
      return { body: { events: [published, revoked], nextCursor: 'c-2' } };
    if (method === 'GET' && path === `${AUDIT_PATH}?cursor=c-2`) return { body: { events: [created] } };
    return notFound(method, path);
  });
}

const renderAudit = workspacePage(<AuditPage />, 'audit', { access: ROLES.viewer });

const loaded = () => eventually(() => expect(tableRows().length).toBeGreaterThan(1));
const actions = () => tableRows().map((row) => row[2]);

describe('AuditPage', () => {
  it('shows a viewer the newest events with actor, action, target, versions, source IP and user agent', async () => {
    // Prepare
    const api = auditApi();

    // Act
    renderAudit(api);
    await loaded();

    // Assess
    const [first, second] = tableRows();
    expect(first.slice(1)).toEqual([
      'ana@example.com (user)',
      'workspace.publish',
      'workspace',
      'liveVersion 2',
      'liveVersion 3',
      '203.0.113.7',
      'Mozilla/5.0 (console)',
    ]);
    expect(first[0]).toBe(new Date(published.at).toLocaleString());
    expect(second.slice(1, 5)).toEqual([
      'API key 00000000000000ff',
      'api-key.revoke',
      'api-key/00000000000000c1',
      '—',
    ]);
    expect(api.calls.map((call) => call.path)).toEqual([AUDIT_PATH]);
  });

  it('asks for the next page with the cursor the API gave, and adds the older events below', async () => {
    // Prepare
    const api = auditApi();
    renderAudit(api);
    await loaded();

    // Act
    click(buttonNamed('Load more'));

    // Assess
    await eventually(() =>
      expect(actions()).toEqual(['workspace.publish', 'api-key.revoke', 'destination.create']),
    );
    expect(api.calls.map((call) => call.path)).toEqual([AUDIT_PATH, `${AUDIT_PATH}?cursor=c-2`]);
    // The last page has no cursor: there is nothing more to load.
    expect(
      screen()
        .findAllButtons()
        .map((button) => button.getElement().textContent),
    ).not.toContain('Load more');
  });

  it('filters the loaded events by any text shown', async () => {
    // Prepare
    const api = auditApi();
    renderAudit(api);
    await loaded();

    // Act
    screen().findTextFilter()?.findInput().setInputValue('203.0.113');

    // Assess
    expect(actions()).toEqual(['workspace.publish']);
    expect(screen().findTextFilter()?.findResultsCount().getElement().textContent).toBe(
      '1 of 2 loaded events',
    );
    expect(api.calls).toHaveLength(1);
  });

  it("shows the API's refusal", async () => {
    // Prepare
    const api = fakeApi(() => ({
      status: 403,
      body: { code: 'Forbidden', message: 'not a member', requestId: 'r-7' },
    }));

    // Act
    renderAudit(api);

    // Assess
    await eventually(() => expect(screen().findAlert()?.getElement().textContent).toContain('not a member'));
  });
});
