import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import type { Schemas } from '../../api/client';
import { type Destination, displayValue } from './destination-fields';

/** A destination's settings as label and value, labelled as its type's form labels them. */
export function DestinationSettings({
  destination,
  fields,
}: {
  readonly destination: Destination;
  readonly fields: readonly Schemas['DestinationField'][];
}) {
  const labels = new Map(fields.map((field) => [field.name, field.label]));
  const items = Object.entries(destination)
    // The mapping is read and edited on its own tab.
    .filter(([name]) => name !== 'mapping')
    .map(([name, value]) => ({ label: labels.get(name) ?? name, value: displayValue(value) }));
  const ruleCount = Object.keys(destination.mapping?.properties ?? {}).length;
  items.push({
    label: 'Data mapping',
    value: destination.mapping
      ? `${destination.mapping.mode ?? 'all'}, ${ruleCount} property rules`
      : 'Privacy-safe defaults',
  });
  return <KeyValuePairs columns={3} items={items} />;
}
