import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import TextFilter from '@cloudscape-design/components/text-filter';
import { useState } from 'react';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { Timestamp } from '../../components/time';
import { useWorkspace } from '../../workspace/workspace-context';
import { actorText, eventMatches, stateText } from './audit-event-text';
import { useAuditEvents } from './use-audit-events';

/** Who changed what in the workspace, newest first; everyone in it may read it. */
export function AuditPage() {
  const { workspace } = useWorkspace();
  const audit = useAuditEvents(workspace);
  const [filter, setFilter] = useState('');
  // The API has no search: the filter narrows the events loaded so far, and "Load more" adds older ones.
  const shown = audit.events.filter((event) => eventMatches(event, filter));
  return (
    <SpaceBetween size="m">
      <ApiErrorAlert error={audit.error} header="The audit log could not be loaded" />
      <Table
        variant="full-page"
        header={
          <Header
            variant="h1"
            counter={
              audit.events.length > 0 ? `(${audit.events.length}${audit.hasMore ? '+' : ''})` : undefined
            }
            description="Every change to the workspace: who made it, from where, and what it changed."
            actions={<Button iconName="refresh" ariaLabel="Refresh" onClick={audit.refresh} />}
          >
            Audit log
          </Header>
        }
        filter={
          <TextFilter
            filteringText={filter}
            filteringPlaceholder="Find events"
            filteringAriaLabel="Filter the loaded events"
            countText={filter ? `${shown.length} of ${audit.events.length} loaded events` : undefined}
            onChange={({ detail }) => setFilter(detail.filteringText)}
          />
        }
        loading={audit.loading && audit.events.length === 0}
        loadingText="Loading the audit log"
        items={shown}
        trackBy="id"
        wrapLines
        empty={
          <Box textAlign="center">
            {filter && audit.events.length > 0 ? (
              <SpaceBetween size="xs">
                <span>No loaded event matches.</span>
                <Button onClick={() => setFilter('')}>Clear filter</Button>
              </SpaceBetween>
            ) : (
              'No changes recorded yet.'
            )}
          </Box>
        }
        columnDefinitions={[
          { id: 'time', header: 'Time', cell: (event) => <Timestamp at={event.at} />, isRowHeader: true },
          { id: 'actor', header: 'Actor', cell: (event) => actorText(event.actor) },
          { id: 'action', header: 'Action', cell: (event) => event.action },
          { id: 'target', header: 'Target', cell: (event) => event.target },
          { id: 'before', header: 'Before', cell: (event) => stateText(event.before) || '—' },
          { id: 'after', header: 'After', cell: (event) => stateText(event.after) || '—' },
          { id: 'source-ip', header: 'Source IP', cell: (event) => event.sourceIp ?? '—' },
          { id: 'user-agent', header: 'User agent', cell: (event) => event.userAgent ?? '—' },
        ]}
        footer={
          audit.hasMore ? (
            <Box textAlign="center">
              <Button onClick={audit.loadMore} loading={audit.loading}>
                Load more
              </Button>
            </Box>
          ) : undefined
        }
      />
    </SpaceBetween>
  );
}
