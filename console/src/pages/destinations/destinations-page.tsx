import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useMemo } from 'react';
import { useApi } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { RouterLink, useRouterFollow, workspacePaths } from '../../components/router-link';
import { useWorkspace } from '../../workspace/workspace-context';
import { destinationRows, draftChanges, draftDiffersFromLive } from './destination-rows';
import { DestinationsTable } from './destinations-table';

/** The workspace's destinations as drafted, how each stands against the live version, and its delivery health. */
export function DestinationsPage() {
  const { workspace, canEdit } = useWorkspace();
  const follow = useRouterFollow();
  const paths = workspacePaths(workspace);
  const listing = useApi(
    (api) => call(api.GET('/v1/workspaces/{workspace}/destinations', { params: { path: { workspace } } })),
    [workspace],
  );
  // Health comes from the delivery logs, which can be slow or unavailable: the table does not wait for it.
  const health = useApi(
    (api) =>
      call(
        api.GET('/v1/workspaces/{workspace}/health', {
          params: { path: { workspace }, query: { window: 'hour' } },
        }),
      ),
    [workspace],
  );
  const rows = useMemo(
    () => (listing.data ? destinationRows(listing.data, health.data) : []),
    [listing.data, health.data],
  );

  return (
    <SpaceBetween size="m">
      <ApiErrorAlert error={listing.error} header="The destinations could not be loaded" />
      {listing.data && draftDiffersFromLive(listing.data) && (
        <Alert type="info" header="The draft differs from the live version">
          {draftChanges(listing.data)} since version {listing.data.liveVersion}: events keep going to the live
          version's destinations until you publish.{' '}
          <RouterLink href={paths.publish}>Draft and publish</RouterLink>
        </Alert>
      )}
      {health.error && (
        <Alert type="warning" header="Delivery health is unavailable">
          {health.error.message}
        </Alert>
      )}
      <DestinationsTable
        workspace={workspace}
        rows={rows}
        loading={listing.loading && !listing.data}
        healthUnavailable={health.error !== undefined}
        actions={
          <Button
            variant="primary"
            href={paths.addDestination}
            onFollow={follow}
            disabled={!canEdit}
            disabledReason="Viewers cannot add destinations: ask an editor or admin of this workspace."
          >
            Add destination
          </Button>
        }
      />
    </SpaceBetween>
  );
}
