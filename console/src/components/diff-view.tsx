import Badge, { type BadgeProps } from '@cloudscape-design/components/badge';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import type { Schemas } from '../api/client';

type Destination = Schemas['Destination'];
type DestinationDiff = Schemas['DestinationDiff'];

/** One field of a destination, by dotted path (`mapping.properties.email.action`), before and after. */
export interface FieldChange {
  readonly path: string;
  /** Undefined: the field is not set on that side. */
  readonly before?: string;
  readonly after?: string;
}

/**
 * A destination as dotted paths to display text. Nested objects (mappings) are walked so that one
 * changed rule shows as one row; lists stay whole, as a list is one setting to a reader.
 */
export function flattenFields(value: unknown, prefix = ''): Map<string, string> {
  const fields = new Map<string, string>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (prefix) fields.set(prefix, displayValue(value));
    return fields;
  }
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    for (const [path, text] of flattenFields(inner, prefix ? `${prefix}.${key}` : key))
      fields.set(path, text);
  }
  return fields;
}

function displayValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null))
    return value.length === 0 ? '(none)' : value.map(String).join(', ');
  return JSON.stringify(value);
}

/** The fields that differ between two versions of one destination, in path order. */
export function fieldChanges(before: Destination | undefined, after: Destination | undefined): FieldChange[] {
  const old = flattenFields(before ?? {});
  const next = flattenFields(after ?? {});
  return [...new Set([...old.keys(), ...next.keys()])]
    .sort()
    .filter((path) => old.get(path) !== next.get(path))
    .map((path) => ({ path, before: old.get(path), after: next.get(path) }));
}

export const isEmptyDiff = (changes: DestinationDiff): boolean =>
  changes.added.length + changes.changed.length + changes.removed.length === 0;

/** "1 added, 2 changed": a diff in a few words, for lists. */
export function summariseChanges(changes: DestinationDiff): string {
  const parts = [
    changes.added.length > 0 && `${changes.added.length} added`,
    changes.changed.length > 0 && `${changes.changed.length} changed`,
    changes.removed.length > 0 && `${changes.removed.length} removed`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'No destination changes';
}

type Change = 'added' | 'changed' | 'removed';
const BADGE: Record<Change, BadgeProps['color']> = { added: 'green', changed: 'blue', removed: 'red' };

export interface DiffViewProps {
  /** Which destination ids were added, changed and removed, as the API computed it. */
  readonly changes: DestinationDiff;
  /** The destinations on the old side (the live version, or the older version compared). */
  readonly before: readonly Destination[];
  /** The destinations on the new side (the draft, or the newer version). */
  readonly after: readonly Destination[];
  /** Column titles naming the two sides: "Live (version 3)", "Draft". */
  readonly beforeLabel: string;
  readonly afterLabel: string;
}

/**
 * What changed between two sets of destinations: one table per destination added, changed or
 * removed, each field with its old value (red) and new value (green).
 */
export function DiffView({ changes, before, after, beforeLabel, afterLabel }: DiffViewProps) {
  if (isEmptyDiff(changes)) return <Box color="text-status-inactive">No destination changes.</Box>;
  const oldById = new Map(before.map((d) => [d.id, d]));
  const newById = new Map(after.map((d) => [d.id, d]));
  const entries: { id: string; change: Change }[] = [
    ...changes.added.map((id) => ({ id, change: 'added' as const })),
    ...changes.changed.map((id) => ({ id, change: 'changed' as const })),
    ...changes.removed.map((id) => ({ id, change: 'removed' as const })),
  ];
  return (
    <SpaceBetween size="l">
      {entries.map(({ id, change }) => (
        <DestinationChange
          key={`${change}:${id}`}
          id={id}
          change={change}
          fields={fieldChanges(oldById.get(id), newById.get(id))}
          beforeLabel={beforeLabel}
          afterLabel={afterLabel}
        />
      ))}
    </SpaceBetween>
  );
}

function DestinationChange(props: {
  id: string;
  change: Change;
  fields: FieldChange[];
  beforeLabel: string;
  afterLabel: string;
}) {
  const { id, change, fields, beforeLabel, afterLabel } = props;
  return (
    <Table
      wrapLines
      variant="embedded"
      trackBy="path"
      items={fields}
      header={
        <Header variant="h3" description={DESCRIPTION[change]}>
          <SpaceBetween direction="horizontal" size="xs">
            <span>{id}</span>
            <Badge color={BADGE[change]}>{change}</Badge>
          </SpaceBetween>
        </Header>
      }
      columnDefinitions={[
        { id: 'field', header: 'Field', cell: (field) => <Box variant="code">{field.path}</Box> },
        {
          id: 'before',
          header: beforeLabel,
          cell: (field) => <FieldValue value={field.before} side="before" />,
        },
        { id: 'after', header: afterLabel, cell: (field) => <FieldValue value={field.after} side="after" /> },
      ]}
      // The API says it changed but neither side's content is at hand (a list read at another moment).
      empty={<Box color="text-status-inactive">Its fields are not available here: reload to see them.</Box>}
    />
  );
}

const DESCRIPTION: Record<Change, string> = {
  added: 'A new destination: it starts receiving events',
  changed: 'Only the fields that differ',
  removed: 'It stops receiving events',
};

function FieldValue({ value, side }: { value: string | undefined; side: 'before' | 'after' }) {
  if (value === undefined) return <Box color="text-status-inactive">(not set)</Box>;
  return (
    <Box color={side === 'before' ? 'text-status-error' : 'text-status-success'}>
      {side === 'before' ? '− ' : '+ '}
      {value}
    </Box>
  );
}

/** A destination's settings as a field/value table: what a published version holds. */
export function DestinationFields({ destination }: { destination: Destination }) {
  const fields = [...flattenFields(destination)].map(([path, value]) => ({ path, value }));
  return (
    <Table
      wrapLines
      variant="embedded"
      trackBy="path"
      items={fields}
      header={
        <Header variant="h3" description={destination.type}>
          {destination.id}
        </Header>
      }
      columnDefinitions={[
        { id: 'field', header: 'Field', cell: (field) => <Box variant="code">{field.path}</Box> },
        { id: 'value', header: 'Value', cell: (field) => field.value },
      ]}
    />
  );
}
