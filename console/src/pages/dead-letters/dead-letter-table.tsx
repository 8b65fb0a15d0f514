import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Pagination from '@cloudscape-design/components/pagination';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table, { type TableProps } from '@cloudscape-design/components/table';
import { useState } from 'react';
import type { Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { RouterLink, workspacePaths } from '../../components/router-link';
import { formatTime } from '../../components/time';
import { useWorkspace } from '../../workspace/workspace-context';
import { DeadLetterActions } from './dead-letter-actions';
import { type DeadLetterOutcome, summariseOutcome } from './dead-letter-outcome';
import { useDeadLetterPages } from './use-dead-letter-pages';

type DeadLetter = Schemas['DeadLetter'];

export interface DeadLetterTableProps {
  /** Only this destination's letters: the table then has no destination column or filter. */
  readonly destination?: string;
  /** @default 'Dead letters' */
  readonly title?: string;
}

/**
 * Dead letters with their filters, pages, selection, and redrive and discard of the selection
 * with the outcome: the same table on the workspace's page and on a destination's.
 */
export function DeadLetterTable({ destination, title = 'Dead letters' }: DeadLetterTableProps) {
  const { workspace } = useWorkspace();
  const [destinationFilter, setDestinationFilter] = useState('');
  const [code, setCode] = useState('');
  const pages = useDeadLetterPages({ destination: destination ?? destinationFilter, code });
  const [selected, setSelected] = useState<DeadLetter[]>([]);
  const [outcome, setOutcome] = useState<DeadLetterOutcome>();

  const letters = pages.data?.letters ?? [];
  const columns: TableProps.ColumnDefinition<DeadLetter>[] = [
    { id: 'at', header: 'Dead-lettered', cell: (letter) => formatTime(letter.at) },
    ...(destination
      ? []
      : [
          {
            id: 'destination',
            header: 'Destination',
            cell: (letter: DeadLetter) =>
              letter.destinationId ? (
                <RouterLink href={workspacePaths(workspace).destination(letter.destinationId)}>
                  {letter.destinationId}
                </RouterLink>
              ) : (
                // Dead-lettered before routing: name where its retry was still going.
                (letter.targets?.join(', ') ?? '-')
              ),
          },
        ]),
    { id: 'code', header: 'Error code', cell: (letter) => letter.errorCode },
    { id: 'reason', header: 'Reason', cell: (letter) => letter.reason, maxWidth: 480 },
    { id: 'attempts', header: 'Attempts', cell: (letter) => letter.attempts },
    {
      id: 'event',
      header: 'Distinct id',
      cell: (letter) =>
        letter.distinctId ? (
          <RouterLink {...workspacePaths(workspace).eventLookup(letter.distinctId)}>
            {letter.distinctId}
          </RouterLink>
        ) : (
          '-'
        ),
    },
    { id: 'expires', header: 'Forgotten at', cell: (letter) => formatTime(letter.expiresAt) },
  ];

  function done(result: DeadLetterOutcome) {
    setOutcome(result);
    setSelected([]);
    pages.restart();
  }

  return (
    <SpaceBetween size="m">
      {outcome && <OutcomeAlert outcome={outcome} onDismiss={() => setOutcome(undefined)} />}
      <ApiErrorAlert error={pages.error} />
      <Table
        items={letters}
        columnDefinitions={columns}
        trackBy="id"
        selectionType="multi"
        selectedItems={selected}
        onSelectionChange={({ detail }) => setSelected([...detail.selectedItems])}
        ariaLabels={{
          selectionGroupLabel: 'Dead letters to redrive or discard',
          allItemsSelectionLabel: () => 'Select every letter on this page',
          itemSelectionLabel: (_, letter) =>
            `Select the letter of ${formatTime(letter.at)} (${letter.errorCode})`,
        }}
        loading={pages.loading && !pages.data}
        loadingText="Loading dead letters"
        wrapLines
        header={
          <Header
            counter={
              selected.length > 0
                ? `(${selected.length}/${letters.length})`
                : `(${letters.length}${pages.hasMore ? '+' : ''})`
            }
            description="Events that could not be delivered after their retries: redrive them once the cause is fixed."
            actions={<DeadLetterActions selected={selected} onDone={done} />}
          >
            {title}
          </Header>
        }
        filter={
          <SpaceBetween direction="horizontal" size="s">
            {!destination && (
              <AppliedFilter
                label="Destination"
                placeholder="Any destination"
                value={destinationFilter}
                onApply={setDestinationFilter}
              />
            )}
            <AppliedFilter label="Error code" placeholder="Any error code" value={code} onApply={setCode} />
          </SpaceBetween>
        }
        pagination={
          <Pagination
            currentPageIndex={pages.pageNumber}
            pagesCount={pages.pagesCount}
            openEnd={pages.hasMore}
            onChange={({ detail }) => {
              setSelected([]);
              pages.goTo(detail.currentPageIndex);
            }}
            ariaLabels={{
              nextPageLabel: 'Next page',
              previousPageLabel: 'Previous page',
              pageLabel: (page) => `Page ${page}`,
            }}
          />
        }
        empty={
          <Box textAlign="center" color="inherit">
            <b>No dead letters</b>
            <Box variant="p" color="inherit">
              {destination || destinationFilter || code
                ? 'None match these filters.'
                : 'Every event was delivered or is still being retried.'}
            </Box>
          </Box>
        }
      />
    </SpaceBetween>
  );
}

/** A filter field applied on Enter or on leaving it: each change of filter is a new request. */
function AppliedFilter(props: {
  readonly label: string;
  readonly placeholder: string;
  readonly value: string;
  readonly onApply: (value: string) => void;
}) {
  const [text, setText] = useState(props.value);
  const apply = () => props.value !== text.trim() && props.onApply(text.trim());
  return (
    <FormField label={props.label}>
      <Input
        type="search"
        value={text}
        placeholder={props.placeholder}
        ariaLabel={props.label}
        onChange={({ detail }) => {
          setText(detail.value);
          // Clearing the field needs no Enter: the search box's clear button empties it.
          if (detail.value === '') props.onApply('');
        }}
        onKeyDown={({ detail }) => detail.key === 'Enter' && apply()}
        onBlur={apply}
      />
    </FormField>
  );
}

function OutcomeAlert({
  outcome,
  onDismiss,
}: {
  readonly outcome: DeadLetterOutcome;
  readonly onDismiss: () => void;
}) {
  const summary = summariseOutcome(outcome);
  return (
    <Alert type={summary.type} header={summary.header} dismissible onDismiss={onDismiss}>
      {summary.details.length > 0 && (
        <ul>
          {summary.details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      )}
    </Alert>
  );
}
