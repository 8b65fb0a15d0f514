import Checkbox from '@cloudscape-design/components/checkbox';
import ExpandableSection from '@cloudscape-design/components/expandable-section';
import FormField from '@cloudscape-design/components/form-field';
import Input from '@cloudscape-design/components/input';
import RadioGroup from '@cloudscape-design/components/radio-group';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import type { ReactNode } from 'react';
import {
  type FieldDescriptor,
  type FieldErrors,
  type FieldValue,
  type FieldValues,
  type GivenAs,
  type GivenAsChoices,
  partsOf,
  visibleFields,
} from './destination-form';

export interface DestinationFieldsProps {
  /** The chosen type's fields, in the API's order. */
  readonly fields: readonly FieldDescriptor[];
  readonly values: FieldValues;
  readonly givenAs: GivenAsChoices;
  /** By field name: as typed, missing, or as the API answered. */
  readonly errors: FieldErrors;
  onChange(name: string, value: FieldValue): void;
  onGivenAsChange(name: string, givenAs: GivenAs): void;
}

/**
 * A type's fields as form controls, each labelled with the API's own label. The resource and
 * what names the destination come first; optional tuning (numbers, switches, JSON, choices with a
 * default) waits in "Additional settings", so that the first screen asks only what most people set.
 */
export function DestinationFields({
  fields,
  values,
  givenAs,
  errors,
  onChange,
  onGivenAsChange,
}: DestinationFieldsProps) {
  const shown = new Set(visibleFields(fields, givenAs).map((field) => field.name));
  const wholes = fields.filter((field) => field.or?.length);
  const wholeOf = (field: FieldDescriptor) =>
    wholes.find((whole) => whole.name === field.name || whole.or?.includes(field.name));

  const main: ReactNode[] = [];
  const additional: ReactNode[] = [];
  const choicesShown = new Set<string>();
  for (const field of fields) {
    const whole = wholeOf(field);
    // The choice between a whole and its parts comes before whichever of them the API lists first.
    if (whole && !choicesShown.has(whole.name)) {
      choicesShown.add(whole.name);
      main.push(
        <GivenAsChoice
          key={`${whole.name}:given-as`}
          whole={whole}
          parts={partsOf(whole, fields)}
          value={givenAs[whole.name] ?? 'parts'}
          error={givenAs[whole.name] === 'parts' ? errors[whole.name] : undefined}
          onChange={(choice) => onGivenAsChange(whole.name, choice)}
        />,
      );
    }
    if (!shown.has(field.name)) continue;
    const control = (
      <FieldControl
        key={field.name}
        field={field}
        value={values[field.name]}
        error={errors[field.name]}
        onChange={(value) => onChange(field.name, value)}
      />
    );
    (whole || !isTuning(field) ? main : additional).push(control);
  }
  const additionalHasError = fields.some((field) => isTuning(field) && errors[field.name]);
  return (
    <SpaceBetween size="l">
      {main}
      {additional.length > 0 && (
        // Expanded when one of its fields is wrong, so that the error is not hidden.
        <ExpandableSection headerText="Additional settings" {...(additionalHasError && { expanded: true })}>
          <SpaceBetween size="l">{additional}</SpaceBetween>
        </ExpandableSection>
      )}
    </SpaceBetween>
  );
}

/** Optional settings with a sensible absence: numbers, switches, JSON, and choices with a default. */
function isTuning(field: FieldDescriptor): boolean {
  if (field.required) return false;
  return (
    field.kind === 'number' || field.kind === 'boolean' || field.kind === 'json' || !!field.options?.length
  );
}

function constraintText(field: FieldDescriptor): string | undefined {
  const example = Array.isArray(field.example) ? field.example.join(', ') : field.example;
  const notes = [
    !field.required && 'Optional.',
    field.kind === 'list' && 'Separate names with commas.',
    field.kind === 'json' && 'JSON.',
    example && `For example: ${example}`,
  ].filter(Boolean);
  return notes.length > 0 ? notes.join(' ') : undefined;
}

function FieldControl({
  field,
  value,
  error,
  onChange,
}: {
  field: FieldDescriptor;
  value: FieldValue | undefined;
  error: string | undefined;
  onChange(value: FieldValue): void;
}) {
  if (field.kind === 'boolean')
    // The checkbox's own text is its label, so the field is found by the API's label as for the others.
    return (
      <FormField description={field.description} errorText={error}>
        <Checkbox checked={value === true} onChange={({ detail }) => onChange(detail.checked)}>
          {field.label}
        </Checkbox>
      </FormField>
    );
  const text = typeof value === 'string' ? value : '';
  return (
    <FormField
      label={field.label}
      description={field.description}
      constraintText={constraintText(field)}
      errorText={error}
      stretch
    >
      {field.options?.length ? (
        <Select
          selectedOption={text ? { value: text, label: text } : null}
          options={field.options.map((option) => ({ value: option, label: option }))}
          placeholder="Choose"
          onChange={({ detail }) => onChange(detail.selectedOption.value ?? '')}
        />
      ) : field.kind === 'json' ? (
        <Textarea
          value={text}
          rows={6}
          spellcheck={false}
          onChange={({ detail }) => onChange(detail.value)}
        />
      ) : (
        <Input
          value={text}
          type={field.kind === 'number' ? 'number' : 'text'}
          autoComplete={false}
          spellcheck={false}
          onChange={({ detail }) => onChange(detail.value)}
        />
      )}
    </FormField>
  );
}

/**
 * Give a field whole, or by its parts. The options' labels name no field, so that each field's
 * own label stays the only thing called, say, "Region".
 */
function GivenAsChoice({
  whole,
  parts,
  value,
  error,
  onChange,
}: {
  whole: FieldDescriptor;
  parts: readonly FieldDescriptor[];
  value: GivenAs;
  error: string | undefined;
  onChange(value: GivenAs): void;
}) {
  return (
    <FormField label="Give the resource as" description={whole.description} errorText={error}>
      <RadioGroup
        value={value}
        onChange={({ detail }) => onChange(detail.value as GivenAs)}
        items={[
          {
            value: 'parts',
            label: 'Separate fields',
            description: parts.map((part) => part.label).join(', '),
          },
          { value: 'field', label: 'One field', description: whole.label },
        ]}
      />
    </FormField>
  );
}
