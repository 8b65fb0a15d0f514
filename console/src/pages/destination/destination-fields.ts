import type { Schemas } from '../../api/client';

type Field = Schemas['DestinationField'];
export type Destination = Schemas['Destination'];

/** A form's values by field name: text as typed, checkboxes as booleans. */
export type FormValues = Record<string, string | boolean>;

/** Edited on the Mapping tab: there they come with a preview. */
const EDITED_ON_MAPPING_TAB = new Set(['mapping', 'requiredConsent']);
/**
 * The id names the destination (changing it is another destination); region and Lambda's
 * functionName and account only build an ARN when one is created: here the ARN itself is edited.
 */
const NOT_EDITABLE = new Set(['id', 'region', 'functionName', 'account']);

/** The fields of `GET destination-types` a draft destination's form edits. */
export function editableFields(fields: readonly Field[]): Field[] {
  return fields.filter(
    (field) =>
      !EDITED_ON_MAPPING_TAB.has(field.name) && !NOT_EDITABLE.has(field.name) && field.kind !== 'json',
  );
}

const LIST_SEPARATOR = /[\n,]/;

/** What the form shows for a destination's current values. */
export function formValuesOf(destination: Destination, fields: readonly Field[]): FormValues {
  const record = destination as Record<string, unknown>;
  return Object.fromEntries(
    fields.map((field) => {
      const value = record[field.name];
      if (field.kind === 'boolean') return [field.name, value === true];
      if (field.kind === 'list') return [field.name, Array.isArray(value) ? value.join(', ') : ''];
      return [field.name, value === undefined || value === null ? '' : String(value)];
    }),
  );
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** A field's typed value; `null` removes an optional field (as PATCH takes it). */
function parse(field: Field, raw: string | boolean): { value: unknown } | { problem: string } {
  if (field.kind === 'boolean') return { value: raw === true };
  const text = String(raw).trim();
  if (text === '') return field.required ? { problem: 'is required' } : { value: null };
  if (field.kind === 'number') {
    const number = Number(text);
    if (!Number.isFinite(number)) return { problem: 'must be a number' };
    if (field.min !== undefined && number < field.min) return { problem: `must be at least ${field.min}` };
    if (field.max !== undefined && number > field.max) return { problem: `must be at most ${field.max}` };
    return { value: number };
  }
  if (field.kind === 'list')
    return {
      value: text
        .split(LIST_SEPARATOR)
        .map((item) => item.trim())
        .filter(Boolean),
    };
  if (field.pattern && !new RegExp(field.pattern).test(text))
    return { problem: field.patternMessage ?? `must match ${field.pattern}` };
  return { value: text };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Only the fields that changed, as `PATCH …/destinations/{destination}` takes them: two people
 * changing different fields of one destination then do not undo each other's change.
 */
export function changesFrom(
  destination: Destination,
  fields: readonly Field[],
  values: FormValues,
): { changes: Record<string, unknown>; problems: FieldProblem[] } {
  const current = destination as Record<string, unknown>;
  const changes: Record<string, unknown> = {};
  const problems: FieldProblem[] = [];
  for (const field of fields) {
    const parsed = parse(field, values[field.name] ?? '');
    if ('problem' in parsed) {
      problems.push({ field: field.name, message: `${field.label} ${parsed.problem}` });
      continue;
    }
    const before = current[field.name];
    // An unchecked box or an empty optional field for a value never set is no change.
    const unset = parsed.value === null || (field.kind === 'boolean' && parsed.value === false);
    if (before === undefined && unset) continue;
    if (!same(before, parsed.value)) changes[field.name] = parsed.value;
  }
  return { changes, problems };
}

/** A stored value as a person reads it. */
export function displayValue(value: unknown): string {
  if (value === undefined || value === null) return '-';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
