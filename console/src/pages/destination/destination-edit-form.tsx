import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Checkbox from '@cloudscape-design/components/checkbox';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { ApiError, call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useNotify } from '../../components/notifications';
import { useWorkspace } from '../../workspace/workspace-context';
import {
  changesFrom,
  type Destination,
  type FieldProblem,
  type FormValues,
  formValuesOf,
} from './destination-fields';

type Field = Schemas['DestinationField'];

/**
 * Edits a draft destination's settings and saves only what changed. `PATCH` takes no revision
 * (the server checks the draft's revision only within its own read and write), so before saving
 * the form reads the draft again and refuses to write over a change saved since it was opened.
 */
export function DestinationEditForm({
  destination,
  fields,
  onSaved,
  onCancel,
}: {
  readonly destination: Destination;
  readonly fields: readonly Field[];
  readonly onSaved: () => void;
  readonly onCancel: () => void;
}) {
  const api = useApiClient();
  const notify = useNotify();
  const { workspace } = useWorkspace();
  const [values, setValues] = useState<FormValues>(() => formValuesOf(destination, fields));
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [error, setError] = useState<Error>();
  const [stale, setStale] = useState(false);
  const [saving, setSaving] = useState(false);
  const path = { workspace, destination: destination.id };

  async function save() {
    const { changes, problems: found } = changesFrom(destination, fields, values);
    setProblems(found);
    setError(undefined);
    if (found.length > 0) return;
    if (Object.keys(changes).length === 0) return onCancel();
    setSaving(true);
    try {
      const now = await call(
        api.GET('/v1/workspaces/{workspace}/destinations/{destination}', { params: { path } }),
      );
      if (JSON.stringify(now.draft) !== JSON.stringify(destination)) {
        setStale(true);
        return;
      }
      await call(
        api.PATCH('/v1/workspaces/{workspace}/destinations/{destination}', {
          params: { path },
          body: changes,
        }),
      );
      notify({ type: 'success', content: `Saved ${destination.id} to the draft: publish to make it live.` });
      onSaved();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setSaving(false);
    }
  }

  const problemWith = (name: string) =>
    problems.find((problem) => problem.field === name)?.message ??
    (error instanceof ApiError ? error.problemWith(name) : undefined);

  return (
    <form onSubmit={(event) => event.preventDefault()}>
      <Form
        actions={
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onCancel}>
              Cancel
            </Button>
            <Button variant="primary" loading={saving} disabled={stale} onClick={() => void save()}>
              Save to draft
            </Button>
          </SpaceBetween>
        }
      >
        <SpaceBetween size="m">
          {stale && (
            <Alert
              type="warning"
              header="Someone changed this destination's draft meanwhile"
              action={<Button onClick={onSaved}>Reload</Button>}
            >
              Saving would write over their change. Reload to see it, then make your change again.
            </Alert>
          )}
          <ApiErrorAlert error={error} />
          {fields.map((field) => (
            <FieldControl
              key={field.name}
              field={field}
              value={values[field.name] ?? ''}
              errorText={problemWith(field.name)}
              onChange={(value) => setValues((current) => ({ ...current, [field.name]: value }))}
            />
          ))}
          <Box variant="small">
            Region, the destination id and, for Lambda, its function name are set when it is added.
          </Box>
        </SpaceBetween>
      </Form>
    </form>
  );
}

function FieldControl({
  field,
  value,
  errorText,
  onChange,
}: {
  readonly field: Field;
  readonly value: string | boolean;
  readonly errorText?: string;
  readonly onChange: (value: string | boolean) => void;
}) {
  const label = field.required ? field.label : `${field.label} (optional)`;
  if (field.kind === 'boolean')
    return (
      <FormField description={field.description} errorText={errorText}>
        <Checkbox checked={value === true} onChange={({ detail }) => onChange(detail.checked)}>
          {field.label}
        </Checkbox>
      </FormField>
    );
  const control = field.options ? (
    <Select
      selectedOption={value ? { value: String(value), label: String(value) } : null}
      options={[
        ...(field.required ? [] : [{ value: '', label: 'Not set' }]),
        ...field.options.map((option) => ({ value: option, label: option })),
      ]}
      onChange={({ detail }) => onChange(detail.selectedOption.value ?? '')}
      ariaLabel={field.label}
    />
  ) : (
    <Input
      value={String(value)}
      type={field.kind === 'number' ? 'number' : 'text'}
      placeholder={Array.isArray(field.example) ? field.example.join(', ') : field.example}
      ariaLabel={field.label}
      onChange={({ detail }) => onChange(detail.value)}
    />
  );
  return (
    <FormField
      label={label}
      description={field.description}
      constraintText={field.kind === 'list' ? 'Separate names with commas.' : undefined}
      errorText={errorText}
    >
      {control}
    </FormField>
  );
}
