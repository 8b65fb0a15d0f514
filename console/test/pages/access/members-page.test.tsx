import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../../src/api/client';
import { MembersPage } from '../../../src/pages/access/members-page';
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

const MEMBERS_PATH = '/v1/workspaces/ws-1/members';

const ana: Schemas['Member'] = {
  userId: 'u-ana',
  email: 'ana@example.com',
  role: 'admin',
  addedAt: '2026-01-02T10:00:00.000Z',
  addedBy: 'iam:arn:aws:iam::1:role/bootstrap',
};
const bo: Schemas['Member'] = { ...ana, userId: 'u-bo', email: 'bo@example.com', role: 'viewer' };

/** A members API over a list that the calls change, as the real one does. */
function membersApi(answerInvite?: (body: unknown) => { status: number; body: unknown }) {
  let members = [ana, bo];
  return fakeApi((method, path, body) => {
    if (method === 'GET' && path === MEMBERS_PATH) return { body: { members } };
    if (method === 'POST' && path === MEMBERS_PATH) {
      if (answerInvite) return answerInvite(body);
      const invited = { ...bo, userId: 'u-new', ...(body as { email: string; role: 'editor' }) };
      members = [...members, invited];
      return { status: 201, body: invited };
    }
    const member = members.find((candidate) => path === `${MEMBERS_PATH}/${candidate.userId}`);
    if (member && method === 'PATCH') {
      members = members.map((m) => (m === member ? { ...m, ...(body as object) } : m));
      return { body: { ...member, ...(body as object) } };
    }
    if (member && method === 'DELETE') {
      members = members.filter((m) => m !== member);
      return { status: 204 };
    }
    return notFound(method, path);
  });
}

const renderMembers = workspacePage(<MembersPage />, 'members', { access: ROLES.admin });

const loaded = () => eventually(() => expect(tableRows().length).toBeGreaterThan(0));

describe('MembersPage', () => {
  it('lists the members with their email, role and who added them', async () => {
    // Prepare
    const api = membersApi();

    // Act
    renderMembers(api);
    await loaded();

    // Assess
    const rows = tableRows();
    expect(rows.map((row) => row.slice(0, 2))).toEqual([
      ['ana@example.com', 'admin'],
      ['bo@example.com', 'viewer'],
    ]);
    expect(rows[0][3]).toBe('iam:arn:aws:iam::1:role/bootstrap');
    expect(screen().findHeader()?.findCounter()?.getElement().textContent?.trim()).toBe('(2)');
  });

  it('invites by email with the chosen role, then says what the API answered once', async () => {
    // Prepare
    const api = membersApi();
    renderMembers(api);
    await loaded();

    // Act
    click(buttonNamed('Invite member'));
    const modal = openModal();
    fieldLabelled('Email', modal).findControl()?.findInput()?.setInputValue(' new@example.com ');
    const role = fieldLabelled('Role', modal).findControl()?.findSelect();
    role?.openDropdown();
    role?.selectOptionByValue('editor');
    click(buttonNamed('Invite', modal));

    // Assess
    await eventually(() => expect(screen().findFlashbar()?.findItems()).toHaveLength(1));
    expect(api.calls.filter((call) => call.method === 'POST')).toEqual([
      expect.objectContaining({ path: MEMBERS_PATH, body: { email: 'new@example.com', role: 'editor' } }),
    ]);
    expect(screen().findFlashbar()?.getElement().textContent).toContain('Invited new@example.com as editor');
    await eventually(() => expect(tableRows().map((row) => row[0])).toContain('new@example.com'));
    expect(screen().findModal()?.isVisible() ?? false).toBe(false);
  });

  it("shows the API's problem with a bad email next to the field and keeps the modal open", async () => {
    // Prepare
    const api = membersApi(() => ({
      status: 400,
      body: {
        code: 'InvalidRequest',
        message: 'email: Invalid email address',
        problems: [{ field: 'email', message: 'Invalid email address' }],
      },
    }));
    renderMembers(api);
    await loaded();

    // Act
    click(buttonNamed('Invite member'));
    fieldLabelled('Email', openModal()).findControl()?.findInput()?.setInputValue('not-an-email');
    click(buttonNamed('Invite', openModal()));

    // Assess
    await eventually(() =>
      expect(fieldLabelled('Email', openModal()).findError()?.getElement().textContent).toBe(
        'Invalid email address',
      ),
    );
    expect(api.calls.find((call) => call.method === 'POST')?.body).toEqual({
      email: 'not-an-email',
      role: 'viewer',
    });
    expect(screen().findFlashbar()?.findItems() ?? []).toHaveLength(0);
  });

  it("changes a member's role with PATCH and shows the new role", async () => {
    // Prepare
    const api = membersApi();
    renderMembers(api);
    await loaded();

    // Act
    click(screen().findButton('[aria-label="Change role of bo@example.com"]') ?? buttonNamed('missing'));
    const role = fieldLabelled('Role', openModal()).findControl()?.findSelect();
    role?.openDropdown();
    role?.selectOptionByValue('admin');
    click(buttonNamed('Change role', openModal()));

    // Assess
    await eventually(() => expect(tableRows()[1].slice(0, 2)).toEqual(['bo@example.com', 'admin']));
    expect(api.calls.filter((call) => call.method === 'PATCH')).toEqual([
      expect.objectContaining({ path: `${MEMBERS_PATH}/u-bo`, body: { role: 'admin' } }),
    ]);
  });

  it('asks before removing, and removes nobody when cancelled', async () => {
    // Prepare
    const api = membersApi();
    renderMembers(api);
    await loaded();

    // Act
    click(screen().findButton('[aria-label="Remove bo@example.com"]') ?? buttonNamed('missing'));
    const asked = openModal().getElement().textContent;
    click(buttonNamed('Cancel', openModal()));

    // Assess
    expect(asked).toContain('Remove bo@example.com from ws-1?');
    expect(api.calls.filter((call) => call.method === 'DELETE')).toHaveLength(0);
    expect(screen().findModal()?.isVisible() ?? false).toBe(false);
  });

  it('removes a member once confirmed', async () => {
    // Prepare
    const api = membersApi();
    renderMembers(api);
    await loaded();

    // Act
    click(screen().findButton('[aria-label="Remove bo@example.com"]') ?? buttonNamed('missing'));
    click(buttonNamed('Remove', openModal()));

    // Assess
    await eventually(() => expect(tableRows().map((row) => row[0])).toEqual(['ana@example.com']));
    expect(api.calls.filter((call) => call.method === 'DELETE').map((call) => call.path)).toEqual([
      `${MEMBERS_PATH}/u-bo`,
    ]);
  });

  it.each([ROLES.viewer, ROLES.editor])('tells a $role that only admins manage members', (access) => {
    // Prepare
    const api = membersApi();

    // Act
    renderMembers(api, access);

    // Assess
    expect(screen().findAlert()?.getElement().textContent).toContain('Only admins manage members');
    expect(screen().findTable()).toBeNull();
    expect(api.calls).toHaveLength(0);
  });

  it("shows the API's refusal when it no longer takes the person for an admin", async () => {
    // Prepare
    const api = fakeApi(() => ({
      status: 403,
      body: { code: 'Forbidden', message: 'admin role required', requestId: 'req-9' },
    }));

    // Act
    renderMembers(api);

    // Assess
    await eventually(() =>
      expect(screen().findAlert()?.getElement().textContent).toContain('admin role required'),
    );
    expect(screen().findAlert()?.getElement().textContent).toContain('req-9');
  });
});
