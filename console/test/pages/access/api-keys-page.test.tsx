import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../../src/api/client';
import { ApiKeysPage } from '../../../src/pages/access/api-keys-page';
import { expiryAt } from '../../../src/pages/access/key-expiry';
import {
  buttonNamed,
  click,
  eventually,
  fieldLabelled,
  openModal,
  screen,
  tableRows,
} from '../../support/cloudscape';
import { fakeApi, notFound, ROLES, workspacePage } from '../../support/render';

const KEYS_PATH = '/v1/workspaces/ws-1/api-keys';
const SECRET = 'edk_0123456789abcdef_s3cr3t-that-is-shown-once';

const ci: Schemas['ApiKey'] = {
  id: '00000000000000c1',
  prefix: 'edk_00000000000000c1',
  name: 'CI pipeline',
  role: 'editor',
  createdAt: '2026-02-01T10:00:00.000Z',
  createdBy: 'user:u-ana',
  lastUsedAt: '2026-02-03T10:00:00.000Z',
};
const old: Schemas['ApiKey'] = {
  ...ci,
  id: '00000000000000a0',
  prefix: 'edk_00000000000000a0',
  name: 'Old importer',
  createdAt: '2025-06-01T10:00:00.000Z',
  revokedAt: '2025-07-01T10:00:00.000Z',
  revokedBy: 'user:u-ana',
};

/** An API keys API over a list that the calls change, as the real one does. */
function keysApi() {
  let keys = [old, ci];
  return fakeApi((method, path, body) => {
    if (method === 'GET' && path === KEYS_PATH) return { body: { apiKeys: keys } };
    if (method === 'POST' && path === KEYS_PATH) {
      const request = body as Schemas['ApiKeyRequest'];
      const apiKey = { ...ci, id: '0123456789abcdef', prefix: 'edk_0123456789abcdef', ...request };
      keys = [...keys, { ...apiKey, createdAt: '2026-03-01T10:00:00.000Z' }];
      return { status: 201, body: { key: SECRET, apiKey } };
    }
    const key = keys.find((candidate) => path === `${KEYS_PATH}/${candidate.id}`);
    if (key && method === 'DELETE') {
      const revoked = { ...key, revokedAt: '2026-03-02T10:00:00.000Z', revokedBy: 'user:u-ana' };
      keys = keys.map((k) => (k === key ? revoked : k));
      return { body: revoked };
    }
    return notFound(method, path);
  });
}

const renderKeys = workspacePage(<ApiKeysPage />, 'api-keys', { access: ROLES.admin });

const loaded = () => eventually(() => expect(tableRows().length).toBeGreaterThan(0));

async function createKey(name: string, fill: (modal: ReturnType<typeof openModal>) => void = () => {}) {
  click(buttonNamed('Create API key'));
  const modal = openModal();
  fieldLabelled('Name', modal).findControl()?.findInput()?.setInputValue(name);
  fill(modal);
  click(buttonNamed('Create API key', modal));
}

describe('ApiKeysPage', () => {
  it('lists the keys newest first, with their prefix, role and status, and no secret', async () => {
    // Prepare
    const api = keysApi();

    // Act
    renderKeys(api);
    await loaded();

    // Assess
    const rows = tableRows();
    expect(rows.map((row) => row.slice(0, 4))).toEqual([
      ['CI pipeline', 'edk_00000000000000c1', 'editor', 'Active'],
      ['Old importer', 'edk_00000000000000a0', 'editor', 'Revoked'],
    ]);
    expect(rows[0][5]).toBe('Never');
    expect(rows[0].at(-1)).toBe('Revoke');
    // A revoked key cannot be revoked again.
    expect(rows[1].at(-1)).toBe('');
  });

  it('shows the new secret once, with a copy button and a warning, and forgets it when dismissed', async () => {
    // Prepare
    const api = keysApi();
    renderKeys(api);
    await loaded();

    // Act
    await createKey('Nightly export');
    await eventually(() => expect(screen().findCopyToClipboard()).not.toBeNull());

    // Assess
    expect(api.calls.filter((call) => call.method === 'POST')).toEqual([
      expect.objectContaining({ path: KEYS_PATH, body: { name: 'Nightly export', role: 'viewer' } }),
    ]);
    const alert = screen().findAlert();
    expect(alert?.getElement().textContent).toContain('cannot be shown again');
    expect(screen().findCopyToClipboard()?.findDisplayedText()?.getElement().textContent).toBe(SECRET);
    await eventually(() => expect(tableRows().map((row) => row[0])).toContain('Nightly export'));
    expect(screen().findTable()?.getElement().textContent).not.toContain(SECRET);

    // Act
    click(alert?.findDismissButton() ?? buttonNamed('missing'));

    // Assess
    expect(document.body.textContent).not.toContain(SECRET);
    expect(screen().findCopyToClipboard()).toBeNull();
    expect([window.localStorage.length, window.sessionStorage.length]).toEqual([0, 0]);
  });

  it('forgets the secret when the person says they copied it', async () => {
    // Prepare
    const api = keysApi();
    renderKeys(api);
    await loaded();
    await createKey('Nightly export');
    await eventually(() => expect(document.body.textContent).toContain(SECRET));

    // Act
    click(buttonNamed('I have copied the key'));

    // Assess
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it('sends the chosen role and the end of the chosen day as the expiry', async () => {
    // Prepare
    const api = keysApi();
    renderKeys(api);
    await loaded();
    const inAMonth = new Date(Date.now() + 30 * 86_400_000);
    const day = [inAMonth.getFullYear(), inAMonth.getMonth() + 1, inAMonth.getDate()]
      .map((part) => String(part).padStart(2, '0'))
      .join('-');

    // Act
    await createKey('Partner', (modal) => {
      const role = fieldLabelled('Role', modal).findControl()?.findSelect();
      role?.openDropdown();
      role?.selectOptionByValue('admin');
      fieldLabelled('Expires', modal)
        .findControl()
        ?.findDatePicker()
        ?.setInputValue(day.replaceAll('-', '/'));
    });

    // Assess
    await eventually(() => expect(api.calls.some((call) => call.method === 'POST')).toBe(true));
    expect(api.calls.find((call) => call.method === 'POST')?.body).toEqual({
      name: 'Partner',
      role: 'admin',
      expiresAt: expiryAt(day),
    });
  });

  it("shows the API's problem with the name next to the field, and no secret", async () => {
    // Prepare
    const api = fakeApi((method) =>
      method === 'GET'
        ? { body: { apiKeys: [ci] } }
        : {
            status: 400,
            body: {
              code: 'InvalidRequest',
              message: 'name: Too small',
              problems: [{ field: 'name', message: 'Too small: expected string to have >=1 characters' }],
            },
          },
    );
    renderKeys(api);
    await loaded();

    // Act
    await createKey('   ');

    // Assess
    await eventually(() =>
      expect(fieldLabelled('Name', openModal()).findError()?.getElement().textContent).toContain('Too small'),
    );
    expect(api.calls.find((call) => call.method === 'POST')?.body).toEqual({ name: '', role: 'viewer' });
    expect(screen().findCopyToClipboard()).toBeNull();
  });

  it('asks before revoking, and revokes nothing when cancelled', async () => {
    // Prepare
    const api = keysApi();
    renderKeys(api);
    await loaded();

    // Act
    click(buttonNamed('Revoke'));
    const asked = openModal().getElement().textContent;
    click(buttonNamed('Cancel', openModal()));

    // Assess
    expect(asked).toContain('Revoke CI pipeline (edk_00000000000000c1)?');
    expect(api.calls.filter((call) => call.method === 'DELETE')).toHaveLength(0);
  });

  it('revokes the key once confirmed and shows it revoked', async () => {
    // Prepare
    const api = keysApi();
    renderKeys(api);
    await loaded();

    // Act
    click(buttonNamed('Revoke'));
    click(buttonNamed('Revoke', openModal()));

    // Assess
    await eventually(() => expect(tableRows()[0][3]).toBe('Revoked'));
    expect(api.calls.filter((call) => call.method === 'DELETE').map((call) => call.path)).toEqual([
      `${KEYS_PATH}/00000000000000c1`,
    ]);
  });

  it.each([ROLES.viewer, ROLES.editor])('tells a $role that only admins manage API keys', (access) => {
    // Prepare
    const api = keysApi();

    // Act
    renderKeys(api, access);

    // Assess
    expect(screen().findAlert()?.getElement().textContent).toContain('Only admins manage API keys');
    expect(screen().findTable()).toBeNull();
    expect(api.calls).toHaveLength(0);
  });
});
