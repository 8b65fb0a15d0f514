import AttributeEditor from '@cloudscape-design/components/attribute-editor';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import {
  ACTION_TEXT,
  MAPPING_ACTIONS,
  type MappingAction,
  type MappingForm,
  type RowProblem,
  type RuleRow,
} from './mapping-form';

const ACTION_OPTIONS = MAPPING_ACTIONS.map((action) => ({ value: action, label: ACTION_TEXT[action] }));

/** The mapping's rules as rows to add and remove, with the mode, event renames and consent. */
export function RulesEditor({
  form,
  problems,
  readOnly,
  onChange,
}: {
  readonly form: MappingForm;
  readonly problems: readonly RowProblem[];
  /** Viewers see the rules, every control disabled. */
  readonly readOnly: boolean;
  readonly onChange: (form: MappingForm) => void;
}) {
  const problemAt = (at: string) => problems.find((problem) => problem.at === at)?.message;
  const setRule = (index: number, change: Partial<RuleRow>) =>
    onChange({ ...form, rules: form.rules.map((row, at) => (at === index ? { ...row, ...change } : row)) });

  return (
    <SpaceBetween size="l">
      <FormField label="Mode" description="What goes out of the properties the rules do not name.">
        <RadioGroup
          value={form.mode}
          onChange={({ detail }) => onChange({ ...form, mode: detail.value as MappingForm['mode'] })}
          items={[
            {
              value: 'all',
              label: 'All',
              description: 'Everything, personal data still hashed or redacted by default',
              disabled: readOnly,
            },
            {
              value: 'listed',
              label: 'Listed only',
              description: 'Only the properties the rules name',
              disabled: readOnly,
            },
          ]}
        />
      </FormField>
      <FormField
        label="Property rules"
        description="By property path, e.g. visitor.email or event.event_properties.total."
      >
        <AttributeEditor<RuleRow>
          items={form.rules}
          addButtonText="Add rule"
          removeButtonText="Remove rule"
          disableAddButton={readOnly}
          isItemRemovable={() => !readOnly}
          onAddButtonClick={() =>
            onChange({
              ...form,
              rules: [...form.rules, { path: 'visitor.', action: 'hash', rename: '', event: '' }],
            })
          }
          onRemoveButtonClick={({ detail }) =>
            onChange({ ...form, rules: form.rules.filter((_, at) => at !== detail.itemIndex) })
          }
          empty="No rules: the privacy-safe defaults apply."
          definition={[
            {
              label: 'Property path',
              control: (row, index) => (
                <Input
                  value={row.path}
                  disabled={readOnly}
                  ariaLabel={`Property path of rule ${index + 1}`}
                  onChange={({ detail }) => setRule(index, { path: detail.value })}
                />
              ),
              errorText: (_, index) => problemAt(`rules.${index}`),
            },
            {
              label: 'Action',
              control: (row, index) => (
                <Select
                  selectedOption={ACTION_OPTIONS.find((option) => option.value === row.action) ?? null}
                  options={ACTION_OPTIONS}
                  disabled={readOnly}
                  ariaLabel={`Action of rule ${index + 1}`}
                  onChange={({ detail }) =>
                    setRule(index, { action: detail.selectedOption.value as MappingAction })
                  }
                />
              ),
            },
            {
              label: 'Rename to (optional)',
              control: (row, index) => (
                <Input
                  value={row.rename}
                  disabled={readOnly}
                  ariaLabel={`New name of rule ${index + 1}`}
                  onChange={({ detail }) => setRule(index, { rename: detail.value })}
                />
              ),
            },
            {
              label: 'Only for event (optional)',
              control: (row, index) => (
                <Input
                  value={row.event}
                  disabled={readOnly}
                  placeholder="Every event"
                  ariaLabel={`Event of rule ${index + 1}`}
                  onChange={({ detail }) => setRule(index, { event: detail.value })}
                />
              ),
            },
          ]}
        />
      </FormField>
      <FormField label="Event renames" description="Event names as the destination receives them.">
        <AttributeEditor
          items={form.eventRenames}
          addButtonText="Add event rename"
          removeButtonText="Remove rename"
          disableAddButton={readOnly}
          isItemRemovable={() => !readOnly}
          onAddButtonClick={() =>
            onChange({ ...form, eventRenames: [...form.eventRenames, { from: '', to: '' }] })
          }
          onRemoveButtonClick={({ detail }) =>
            onChange({ ...form, eventRenames: form.eventRenames.filter((_, at) => at !== detail.itemIndex) })
          }
          empty="Events go out under their own names."
          definition={[
            {
              label: 'Event',
              control: (row, index) => (
                <Input
                  value={row.from}
                  disabled={readOnly}
                  ariaLabel={`Event renamed by rename ${index + 1}`}
                  onChange={({ detail }) =>
                    onChange({
                      ...form,
                      eventRenames: form.eventRenames.map((r, at) =>
                        at === index ? { ...r, from: detail.value } : r,
                      ),
                    })
                  }
                />
              ),
              errorText: (_, index) => problemAt(`eventRenames.${index}`),
            },
            {
              label: 'Sent as',
              control: (row, index) => (
                <Input
                  value={row.to}
                  disabled={readOnly}
                  ariaLabel={`New event name of rename ${index + 1}`}
                  onChange={({ detail }) =>
                    onChange({
                      ...form,
                      eventRenames: form.eventRenames.map((r, at) =>
                        at === index ? { ...r, to: detail.value } : r,
                      ),
                    })
                  }
                />
              ),
            },
          ]}
        />
      </FormField>
      <FormField
        label="Required consent"
        description="Categories the visitor must all have granted; other events are not delivered here."
        constraintText="Separate categories with commas, e.g. marketing, analytics. Empty: none required."
        errorText={problemAt('consent')}
      >
        <Input
          value={form.consent}
          disabled={readOnly}
          ariaLabel="Required consent"
          onChange={({ detail }) => onChange({ ...form, consent: detail.value })}
        />
      </FormField>
    </SpaceBetween>
  );
}
