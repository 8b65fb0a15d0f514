import Select, { type SelectProps } from '@cloudscape-design/components/select';
import type { Role } from '../../workspace/workspace-context';

/** The roles in the order they grant more, described as the API's `Role` schema describes them. */
const ROLE_OPTIONS: readonly SelectProps.Option[] = [
  { value: 'viewer', label: 'viewer', description: 'Reads everything' },
  { value: 'editor', label: 'editor', description: 'Also drafts, checks, tests, publishes and rolls back' },
  { value: 'admin', label: 'admin', description: 'Also manages members and API keys, and deletes' },
];

/** A role picker for a `FormField` labelled "Role" (the field gives it its accessible name). */
export function RoleSelect({ value, onChange }: { value: Role; onChange: (role: Role) => void }) {
  return (
    <Select
      selectedOption={ROLE_OPTIONS.find((option) => option.value === value) ?? null}
      options={ROLE_OPTIONS as SelectProps.Option[]}
      onChange={({ detail }) => onChange(detail.selectedOption.value as Role)}
    />
  );
}
