import { useCollection } from '@cloudscape-design/collection-hooks';
import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import Popover from '@cloudscape-design/components/popover';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import type { ReactNode } from 'react';
import { RouterLink, workspacePaths } from '../../components/router-link';
import { summarizeHealth } from './delivery-health';
import type { DestinationRow, PublishState } from './destination-rows';

const STATES: Record<
  PublishState,
  { readonly indicator: StatusIndicatorProps.Type; readonly label: string }
> = {
  'draft-only': { indicator: 'pending', label: 'Draft only' },
  live: { indicator: 'success', label: 'Live' },
  changed: { indicator: 'info', label: 'Changed in draft' },
  removed: { indicator: 'stopped', label: 'Removed in draft' },
  disabled: { indicator: 'error', label: 'Disabled' },
};

/** What the text filter matches: the words each cell shows. */
function shownText(row: DestinationRow): string {
  return [
    row.id,
    row.typeLabel,
    row.target,
    row.events,
    STATES[row.state].label,
    summarizeHealth(row.health).text,
  ]
    .join(' ')
    .toLowerCase();
}

export interface DestinationsTableProps {
  readonly workspace: string;
  readonly rows: readonly DestinationRow[];
  readonly loading: boolean;
  /** Why health is missing (the delivery logs could not be read), shown instead of a health figure. */
  readonly healthUnavailable: boolean;
  /** The header's buttons: "Add destination". */
  readonly actions: ReactNode;
}

/** The workspace's destinations: filter by any shown text, sort by any column, open one by its id. */
export function DestinationsTable({
  workspace,
  rows,
  loading,
  healthUnavailable,
  actions,
}: DestinationsTableProps) {
  const paths = workspacePaths(workspace);
  const { items, collectionProps, filterProps, filteredItemsCount } = useCollection(
    rows as DestinationRow[],
    {
      filtering: {
        filteringFunction: (row, text) => shownText(row).includes(text.trim().toLowerCase()),
        empty: (
          <Box textAlign="center" color="inherit" padding={{ vertical: 'l' }}>
            <Box variant="strong" color="inherit">
              No destinations yet
            </Box>
            {/* No second "Add destination" button here: the header's is the one to press. */}
            <Box variant="p" color="inherit">
              Choose Add destination to send this workspace's events to a Lambda function, SNS topic, SQS
              queue, Kinesis stream or EventBridge bus, then publish a version to start delivering.
            </Box>
          </Box>
        ),
        noMatch: (
          <Box textAlign="center" color="inherit" padding={{ vertical: 'l' }}>
            <Box variant="strong" color="inherit">
              No matches
            </Box>
            <Box variant="p" color="inherit">
              No destination shows that text.
            </Box>
          </Box>
        ),
      },
      sorting: { defaultState: { sortingColumn: { sortingField: 'id' } } },
    },
  );

  const columns: TableProps.ColumnDefinition<DestinationRow>[] = [
    {
      id: 'id',
      header: 'Destination',
      sortingField: 'id',
      isRowHeader: true,
      cell: (row) => <RouterLink href={paths.destination(row.id)}>{row.id}</RouterLink>,
    },
    { id: 'type', header: 'Type', sortingField: 'typeLabel', cell: (row) => row.typeLabel || '-' },
    { id: 'target', header: 'Target', sortingField: 'target', cell: (row) => row.target || '-' },
    { id: 'events', header: 'Events', sortingField: 'events', cell: (row) => row.events || '-' },
    {
      id: 'status',
      header: 'Status',
      // Wide enough for "Removed in draft" beside its icon: lines wrap between words, never inside one.
      minWidth: 170,
      sortingComparator: (a, b) => STATES[a.state].label.localeCompare(STATES[b.state].label),
      cell: (row) => <PublishStateIndicator row={row} />,
    },
    {
      id: 'health',
      header: 'Health (last hour)',
      // "12 delivered, 3 failed" beside its icon, wrapped at most between its words.
      minWidth: 200,
      sortingComparator: (a, b) => summarizeHealth(a.health).rank - summarizeHealth(b.health).rank,
      cell: (row) => {
        if (healthUnavailable) return <StatusIndicator type="stopped">Unavailable</StatusIndicator>;
        const health = summarizeHealth(row.health);
        return <StatusIndicator type={health.indicator}>{health.text}</StatusIndicator>;
      },
    },
  ];

  const counter = filterProps.filteringText ? `(${filteredItemsCount}/${rows.length})` : `(${rows.length})`;
  return (
    <Table
      {...collectionProps}
      variant="full-page"
      items={items}
      wrapLines
      columnDefinitions={columns}
      trackBy="id"
      loading={loading}
      loadingText="Loading destinations"
      ariaLabels={{ tableLabel: 'Destinations' }}
      header={
        <Header
          variant="awsui-h1-sticky"
          counter={loading ? undefined : counter}
          description="Where this workspace's events go. Changes go into the draft; publish a version to make them live."
          actions={actions}
        >
          Destinations
        </Header>
      }
      filter={
        <TextFilter
          {...filterProps}
          filteringPlaceholder="Find destinations"
          filteringAriaLabel="Find destinations"
          countText={`${filteredItemsCount ?? 0} ${filteredItemsCount === 1 ? 'match' : 'matches'}`}
        />
      }
    />
  );
}

function PublishStateIndicator({ row }: { row: DestinationRow }) {
  const state = STATES[row.state];
  const indicator = <StatusIndicator type={state.indicator}>{state.label}</StatusIndicator>;
  if (!row.disabledReason) return indicator;
  return (
    <Popover header="Disabled by the platform" content={row.disabledReason} dismissButton={false}>
      {indicator}
    </Popover>
  );
}
