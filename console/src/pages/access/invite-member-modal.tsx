import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { problemWith, useSubmission } from '../../components/use-submission';
import { type Role, useWorkspace } from '../../workspace/workspace-context';
import { FormModal } from './form-modal';
import { RoleSelect } from './role-select';

/** Invites a person by email with a role; the API checks the address and answers with the new member. */
export function InviteMemberModal({
  onInvited,
  onDismiss,
}: {
  onInvited: (member: Schemas['Member']) => void;
  onDismiss: () => void;
}) {
  const api = useApiClient();
  const { workspace } = useWorkspace();
  const [email, setEmail] = useState('');
  // The least a new member can be given: an admin raises it deliberately.
  const [role, setRole] = useState<Role>('viewer');
  const { busy, error, submit } = useSubmission();
  const invite = () =>
    submit(async () => {
      const member = await call(
        api.POST('/v1/workspaces/{workspace}/members', {
          params: { path: { workspace } },
          body: { email: email.trim(), role },
        }),
      );
      onInvited(member);
    });
  return (
    <FormModal
      header="Invite member"
      submitLabel="Invite"
      busy={busy}
      error={error}
      onSubmit={() => void invite()}
      onDismiss={onDismiss}
    >
      <FormField
        label="Email"
        description="Someone new to the console gets an email with a temporary password."
        errorText={problemWith(error, 'email')}
      >
        <Input type="email" value={email} onChange={({ detail }) => setEmail(detail.value)} autoFocus />
      </FormField>
      <FormField label="Role" errorText={problemWith(error, 'role')}>
        <RoleSelect value={role} onChange={setRole} />
      </FormField>
    </FormModal>
  );
}
