import Box from '@cloudscape-design/components/box';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Table from '@cloudscape-design/components/table';
import { useApi } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { RouterLink, workspacePaths } from '../../components/router-link';
import { formatTime } from '../../components/time';
import { useWorkspace } from '../../workspace/workspace-context';
import { type TimeWindow, TimeWindowControl } from './time-window';

/** The failures the API returns at most. */
const FAILURES_SHOWN = 100;

/** A destination's latest failed deliveries, newest first, as the dispatcher logged them. */
export function FailuresTab({
  destination,
  window,
  onWindowChange,
}: {
  readonly destination: string;
  readonly window: TimeWindow;
  readonly onWindowChange: (window: TimeWindow) => void;
}) {
  const { workspace } = useWorkspace();
  const failures = useApi(
    (api) =>
      call(
        api.GET('/v1/workspaces/{workspace}/destinations/{destination}/failures', {
          params: { path: { workspace, destination }, query: { window, limit: FAILURES_SHOWN } },
        }),
      ),
    [workspace, destination, window],
  );
  return (
    <SpaceBetween size="m">
      <ApiErrorAlert error={failures.error} />
      <Table
        items={failures.data?.failures ?? []}
        loading={failures.loading}
        loadingText="Reading the delivery logs"
        wrapLines
        header={
          <Header
            variant="h2"
            counter={failures.data ? `(${failures.data.failures.length})` : undefined}
            actions={<TimeWindowControl value={window} onChange={onWindowChange} />}
            description={
              <>
                The logs name an event by a hash of its distinct id, never the id itself (it may be personal
                data): to follow one event, look it up by its distinct id in{' '}
                <RouterLink href={workspacePaths(workspace).events()}>Event lookup</RouterLink>.
              </>
            }
          >
            Recent failures
          </Header>
        }
        columnDefinitions={[
          { id: 'at', header: 'Time', cell: (failure) => formatTime(failure.at) },
          { id: 'code', header: 'Reason code', cell: (failure) => failure.code },
          { id: 'reason', header: 'Reason', cell: (failure) => failure.reason ?? '-' },
          { id: 'attempt', header: 'Attempt', cell: (failure) => failure.attempt ?? '-' },
          { id: 'outcome', header: 'Then', cell: (failure) => failure.outcome },
          {
            id: 'event',
            header: 'Event (distinct id hash)',
            cell: (failure) => <Box variant="code">{failure.distinctIdHash}</Box>,
          },
        ]}
        empty={
          <Box textAlign="center" color="inherit">
            No failed deliveries in the last {window}.
          </Box>
        }
      />
    </SpaceBetween>
  );
}
