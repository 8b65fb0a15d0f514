import Box from '@cloudscape-design/components/box';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import {
  type FieldDescriptor,
  type FieldValues,
  type GivenAsChoices,
  shownValue,
  visibleFields,
} from './destination-form';
import { typeLabel } from './destination-types';

/** The destination as it will be saved: its type and every field given a value. */
export function DestinationReview({
  type,
  fields,
  values,
  givenAs,
}: {
  type: string;
  fields: readonly FieldDescriptor[];
  values: FieldValues;
  givenAs: GivenAsChoices;
}) {
  const given = visibleFields(fields, givenAs)
    .map((field) => ({ label: field.label, value: shownValue(field, values[field.name]) }))
    .filter(({ value }) => value !== '');
  return (
    <SpaceBetween size="m">
      <KeyValuePairs columns={2} items={[{ label: 'Type', value: typeLabel(type) }, ...given]} />
      <Box variant="p" color="text-body-secondary">
        Saving adds the destination to the draft. It receives no events until you publish a version.
      </Box>
    </SpaceBetween>
  );
}
