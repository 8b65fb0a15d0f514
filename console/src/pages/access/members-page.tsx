import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useState } from 'react';
import { useApi, useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { ConfirmModal } from '../../components/confirm-modal';
import { useNotify } from '../../components/notifications';
import { Timestamp } from '../../components/time';
import { useWorkspace } from '../../workspace/workspace-context';
import { AdminsOnly } from './admins-only';
import { ChangeRoleModal } from './change-role-modal';
import { InviteMemberModal } from './invite-member-modal';
import { ManagedListHeader } from './managed-list-header';

type Member = Schemas['Member'];

/** The open dialog, if any: one at a time, each about one member. */
type Dialog =
  | { kind: 'invite' }
  | { kind: 'change-role'; member: Member }
  | { kind: 'remove'; member: Member };

/** The workspace's members: admins invite people, change their roles and remove them. */
export function MembersPage() {
  const { isAdmin } = useWorkspace();
  return isAdmin ? <ManageMembers /> : <AdminsOnly title="Members" what="members" />;
}

function ManageMembers() {
  const api = useApiClient();
  const notify = useNotify();
  const { workspace } = useWorkspace();
  const members = useApi(
    (client) => call(client.GET('/v1/workspaces/{workspace}/members', { params: { path: { workspace } } })),
    [workspace],
  );
  const [dialog, setDialog] = useState<Dialog>();
  const close = () => setDialog(undefined);

  const remove = async (member: Member) => {
    await call(
      api.DELETE('/v1/workspaces/{workspace}/members/{member}', {
        params: { path: { workspace, member: member.userId } },
      }),
    );
    close();
    notify({ type: 'success', content: `Removed ${member.email} from ${workspace}.` });
    members.reload();
  };

  return (
    <SpaceBetween size="m">
      <ApiErrorAlert error={members.error} header="The members could not be loaded" />
      <Table
        wrapLines
        variant="full-page"
        header={
          <ManagedListHeader
            title="Members"
            count={members.data?.members.length}
            description="People who sign in to this workspace, and what their role lets them do."
            addLabel="Invite member"
            onAdd={() => setDialog({ kind: 'invite' })}
            onRefresh={members.reload}
          />
        }
        loading={members.loading && !members.data}
        loadingText="Loading members"
        items={members.data?.members ?? []}
        trackBy="userId"
        empty={<Box textAlign="center">No members yet.</Box>}
        columnDefinitions={[
          { id: 'email', header: 'Email', cell: (member) => member.email, isRowHeader: true },
          { id: 'role', header: 'Role', cell: (member) => member.role },
          { id: 'added', header: 'Added', cell: (member) => <Timestamp at={member.addedAt} /> },
          { id: 'added-by', header: 'Added by', cell: (member) => member.addedBy },
          {
            id: 'actions',
            header: 'Actions',
            cell: (member) => (
              <SpaceBetween direction="horizontal" size="xs">
                <Button
                  variant="inline-link"
                  ariaLabel={`Change role of ${member.email}`}
                  onClick={() => setDialog({ kind: 'change-role', member })}
                >
                  Change role
                </Button>
                <Button
                  variant="inline-link"
                  ariaLabel={`Remove ${member.email}`}
                  onClick={() => setDialog({ kind: 'remove', member })}
                >
                  Remove
                </Button>
              </SpaceBetween>
            ),
          },
        ]}
      />
      {dialog?.kind === 'invite' && (
        <InviteMemberModal
          onDismiss={close}
          onInvited={(member) => {
            close();
            // The API answers with the membership only: a new person's temporary password goes to them by email.
            notify({
              type: 'success',
              header: `Invited ${member.email} as ${member.role}`,
              content: 'Someone new to the console gets an email with a temporary password to sign in with.',
            });
            members.reload();
          }}
        />
      )}
      {dialog?.kind === 'change-role' && (
        <ChangeRoleModal
          member={dialog.member}
          onDismiss={close}
          onChanged={(member) => {
            close();
            notify({ type: 'success', content: `${member.email} is now ${member.role} in ${workspace}.` });
            members.reload();
          }}
        />
      )}
      {dialog?.kind === 'remove' && (
        <ConfirmModal
          header="Remove member"
          confirmLabel="Remove"
          onConfirm={() => remove(dialog.member)}
          onDismiss={close}
        >
          Remove <b>{dialog.member.email}</b> from {workspace}? They lose access at once; their changes stay
          in the audit log.
        </ConfirmModal>
      )}
    </SpaceBetween>
  );
}
