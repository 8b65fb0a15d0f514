import FormField from '@cloudscape-design/components/form-field';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { problemWith, useSubmission } from '../../components/use-submission';
import { type Role, useWorkspace } from '../../workspace/workspace-context';
import { FormModal } from './form-modal';
import { RoleSelect } from './role-select';

/** Gives a member another role; the API answers with the member as they now are. */
export function ChangeRoleModal({
  member,
  onChanged,
  onDismiss,
}: {
  member: Schemas['Member'];
  onChanged: (member: Schemas['Member']) => void;
  onDismiss: () => void;
}) {
  const api = useApiClient();
  const { workspace } = useWorkspace();
  const [role, setRole] = useState<Role>(member.role);
  const { busy, error, submit } = useSubmission();
  const change = () =>
    submit(async () => {
      const changed = await call(
        api.PATCH('/v1/workspaces/{workspace}/members/{member}', {
          params: { path: { workspace, member: member.userId } },
          body: { role },
        }),
      );
      onChanged(changed);
    });
  return (
    <FormModal
      header={`Change the role of ${member.email}`}
      submitLabel="Change role"
      busy={busy}
      error={error}
      // Sending the role they already have would write an audit event for nothing.
      onSubmit={() => (role === member.role ? onDismiss() : void change())}
      onDismiss={onDismiss}
    >
      <FormField label="Role" errorText={problemWith(error, 'role')}>
        <RoleSelect value={role} onChange={setRole} />
      </FormField>
    </FormModal>
  );
}
