import type { Schemas } from '../../api/client';

/**
 * The add-destination form as data: its values, which fields show, what is wrong with them, and
 * the request they make. Everything comes from the API's field descriptors
 * (`GET …/destination-types`), so a field or rule the API adds needs no change here.
 */

export type FieldDescriptor = Schemas['DestinationField'];
export type DestinationTypeInfo = Schemas['DestinationTypes']['types'][number];

/** What an input holds: text as typed (numbers, lists and JSON too), or a checkbox's state. */
export type FieldValue = string | boolean;
export type FieldValues = Readonly<Record<string, FieldValue>>;

/**
 * For a field others can stand in for (`or`, e.g. Lambda's Function ARN for Region + Function
 * name + Account): whether the form asks for the field itself or for its parts.
 */
export type GivenAs = 'field' | 'parts';
export type GivenAsChoices = Readonly<Record<string, GivenAs>>;

export type FieldErrors = Readonly<Record<string, string>>;

/** Each field's default; values already typed for a field of the same name are kept. */
export function initialValues(fields: readonly FieldDescriptor[], kept: FieldValues = {}): FieldValues {
  return Object.fromEntries(
    fields.map((field) => [
      field.name,
      kept[field.name] ?? (field.kind === 'boolean' ? field.default === 'true' : (field.default ?? '')),
    ]),
  );
}

/** Parts first: they are what people know (a function's name, not its ARN). */
export function initialGivenAs(fields: readonly FieldDescriptor[]): GivenAsChoices {
  return Object.fromEntries(fields.filter((field) => field.or?.length).map((field) => [field.name, 'parts']));
}

/** The fields the form shows: a field given by its parts is hidden, and so are the parts of one given whole. */
export function visibleFields(
  fields: readonly FieldDescriptor[],
  givenAs: GivenAsChoices,
): FieldDescriptor[] {
  const hidden = new Set<string>();
  for (const field of fields) {
    if (!field.or?.length) continue;
    if (givenAs[field.name] === 'field') for (const part of field.or) hidden.add(part);
    else hidden.add(field.name);
  }
  return fields.filter((field) => !hidden.has(field.name));
}

/** The parts a field can be given as, as the API describes them. */
export function partsOf(field: FieldDescriptor, fields: readonly FieldDescriptor[]): FieldDescriptor[] {
  return (field.or ?? []).flatMap((name) => fields.find((candidate) => candidate.name === name) ?? []);
}

const isBlank = (value: FieldValue | undefined) => typeof value !== 'boolean' && (value ?? '').trim() === '';

/** A list as typed: names separated by commas or new lines. */
export const listItems = (text: string): string[] =>
  text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * What is wrong with a value as typed, in the API's words ("Region must be an AWS region"):
 * its pattern, number range or JSON. An empty value is not wrong here; see `missing`.
 */
export function typingError(field: FieldDescriptor, value: FieldValue | undefined): string | undefined {
  if (typeof value === 'boolean' || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  const problem = ((): string | undefined => {
    switch (field.kind) {
      case 'number': {
        const number = Number(text);
        if (!Number.isFinite(number)) return 'must be a number';
        if (field.min !== undefined && number < field.min) return `must be at least ${field.min}`;
        if (field.max !== undefined && number > field.max) return `must be at most ${field.max}`;
        return undefined;
      }
      case 'json':
        try {
          JSON.parse(text);
          return undefined;
        } catch {
          return 'must be valid JSON';
        }
      case 'list':
        return field.pattern &&
          listItems(text).some((item) => !new RegExp(field.pattern as string).test(item))
          ? (field.patternMessage ?? 'has an item that is not valid')
          : undefined;
      default:
        return field.pattern && !new RegExp(field.pattern).test(text)
          ? (field.patternMessage ?? 'is not valid')
          : undefined;
    }
  })();
  return problem && `${field.label} ${problem}`;
}

/**
 * Every problem of the form, by field name: as typed, and (once the person tries to go on)
 * required fields left empty. A field given by its parts needs at least one of them; which
 * ones exactly the API says when saving (Lambda's Account, say, comes from the role).
 */
export function formErrors(
  fields: readonly FieldDescriptor[],
  values: FieldValues,
  givenAs: GivenAsChoices,
  options: { readonly missing: boolean },
): FieldErrors {
  const errors: Record<string, string> = {};
  for (const field of visibleFields(fields, givenAs)) {
    const error = typingError(field, values[field.name]);
    if (error) errors[field.name] = error;
    else if (options.missing && field.required && field.kind !== 'boolean' && isBlank(values[field.name]))
      errors[field.name] = `${field.label} is required`;
  }
  if (options.missing)
    for (const field of fields) {
      if (!field.required || givenAs[field.name] !== 'parts') continue;
      const parts = partsOf(field, fields);
      if (parts.every((part) => isBlank(values[part.name])))
        errors[field.name] =
          `Give ${parts.map((part) => part.label).join(', ')}, or ${field.label} as one field`;
    }
  return errors;
}

/** A value as the API takes it; undefined: leave the field out (empty, or an unticked box). */
function requestValue(field: FieldDescriptor, value: FieldValue | undefined): unknown {
  if (typeof value === 'boolean') return value === (field.default === 'true') ? undefined : value;
  const text = (value ?? '').trim();
  if (text === '') return undefined;
  switch (field.kind) {
    case 'number':
      return Number(text);
    case 'list':
      return listItems(text);
    case 'json':
      return JSON.parse(text);
    default:
      return text;
  }
}

/** The `POST …/destinations` body: the type and every shown field that has a value. */
export function destinationRequest(
  type: string,
  fields: readonly FieldDescriptor[],
  values: FieldValues,
  givenAs: GivenAsChoices,
): Schemas['DestinationRequest'] {
  const body: Record<string, unknown> = { type };
  for (const field of visibleFields(fields, givenAs)) {
    const value = requestValue(field, values[field.name]);
    if (value !== undefined) body[field.name] = value;
  }
  return body as Schemas['DestinationRequest'];
}

/** A value as the review shows it. */
export function shownValue(field: FieldDescriptor, value: FieldValue | undefined): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (field.kind === 'list') return listItems(value ?? '').join(', ');
  return (value ?? '').trim();
}

/**
 * The API's problems by the form field they name: `region`, `events.0` (an item of a list), or
 * `config.region`; a problem the form has no field for stays in the error alert only.
 */
export function problemsByField(
  problems: readonly { field: string; message: string }[],
  fields: readonly FieldDescriptor[],
): FieldErrors {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    // The outermost segment that names a field: `mapping.properties.id` is about the mapping, not the id.
    const name = problem.field.split('.').find((segment) => fields.some((field) => field.name === segment));
    const field = fields.find((candidate) => candidate.name === name);
    if (field && !errors[field.name]) errors[field.name] = `${field.label} ${problem.message}`;
  }
  return errors;
}
