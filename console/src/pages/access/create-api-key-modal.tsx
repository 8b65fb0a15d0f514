import DatePicker from '@cloudscape-design/components/date-picker';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { problemWith, useSubmission } from '../../components/use-submission';
import { type Role, useWorkspace } from '../../workspace/workspace-context';
import { FormModal } from './form-modal';
import { expiryAt, isExpiryDayAllowed } from './key-expiry';
import { RoleSelect } from './role-select';

/**
 * Creates an API key for a machine. The answer holds the key's secret, the one time the API ever
 * gives it: it goes straight to `onCreated` and nowhere else.
 */
export function CreateApiKeyModal({
  onCreated,
  onDismiss,
}: {
  onCreated: (created: Schemas['CreatedApiKey']) => void;
  onDismiss: () => void;
}) {
  const api = useApiClient();
  const { workspace } = useWorkspace();
  const [name, setName] = useState('');
  // The least a key can be given: an admin raises it deliberately.
  const [role, setRole] = useState<Role>('viewer');
  /** `YYYY-MM-DD`, or empty for a key that never expires. */
  const [expiryDay, setExpiryDay] = useState('');
  const { busy, error, submit } = useSubmission();
  const create = () =>
    submit(async () => {
      const created = await call(
        api.POST('/v1/workspaces/{workspace}/api-keys', {
          params: { path: { workspace } },
          body: { name: name.trim(), role, ...(expiryDay && { expiresAt: expiryAt(expiryDay) }) },
        }),
      );
      onCreated(created);
    });
  return (
    <FormModal
      header="Create API key"
      submitLabel="Create API key"
      busy={busy}
      error={error}
      onSubmit={() => void create()}
      onDismiss={onDismiss}
    >
      <FormField
        label="Name"
        description="What the key is for, to recognise it in the list and the audit log."
        errorText={problemWith(error, 'name')}
      >
        <Input value={name} onChange={({ detail }) => setName(detail.value)} autoFocus />
      </FormField>
      <FormField label="Role" errorText={problemWith(error, 'role')}>
        <RoleSelect value={role} onChange={setRole} />
      </FormField>
      <FormField
        label={
          <>
            Expires <i>- optional</i>
          </>
        }
        description="The key stops working at the end of this day, your time. Without a date it never expires."
        constraintText="At most a year ahead."
        errorText={problemWith(error, 'expiresAt')}
      >
        <DatePicker
          value={expiryDay}
          onChange={({ detail }) => setExpiryDay(detail.value)}
          isDateEnabled={(day) => isExpiryDayAllowed(day)}
          placeholder="YYYY/MM/DD"
        />
      </FormField>
    </FormModal>
  );
}
