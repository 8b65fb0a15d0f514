import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Table from '@cloudscape-design/components/table';
import { useMemo, useState } from 'react';
import { useApi, useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { summariseChanges } from '../../components/diff-view';
import { ifMatchLive, StaleVersionAlert, useLiveVersionGuard } from '../../components/live-version';
import { useNotify } from '../../components/notifications';
import { formatTime } from '../../components/time';
import { useWorkspace } from '../../workspace/workspace-context';
import { RollbackModal } from './rollback-modal';
import { VersionComparison } from './version-comparison';
import { VersionContent } from './version-content';

type Version = Schemas['PublishedVersion'];

/** What the panel under the list shows: two versions compared, or one version's content. */
type Detail = { kind: 'compare'; from: Version; to: Version } | { kind: 'content'; version: Version };

/** Every published version, newest first: compare any two, see one's content, roll back to one. */
export function VersionsPage() {
  const { workspace, canEdit } = useWorkspace();
  const api = useApiClient();
  const notify = useNotify();
  const list = useApi(
    (client) => call(client.GET('/v1/workspaces/{workspace}/versions', { params: { path: { workspace } } })),
    [workspace],
  );
  const versions = useMemo(
    () => [...(list.data?.versions ?? [])].sort((a, b) => b.version - a.version),
    [list.data],
  );
  // Every publish and rollback makes a new version, so the newest is the live one.
  const liveVersion = versions[0]?.version ?? 0;
  const [selected, setSelected] = useState<Version[]>([]);
  const [detail, setDetail] = useState<Detail>();
  const [rollbackTarget, setRollbackTarget] = useState<number>();
  const live = useLiveVersionGuard();

  /** Throws a refusal other than a stale live version, for the modal to show. */
  async function rollBack(target: number, note: string) {
    await live.send(async () => {
      const published = await call(
        api.POST('/v1/workspaces/{workspace}/rollback', {
          params: { path: { workspace }, header: ifMatchLive(liveVersion) },
          body: { toVersion: target, ...(note && { note }) },
        }),
      );
      notify({
        type: 'success',
        content: `Rolled back to version ${target}: version ${published.version} is live with its destinations.`,
      });
    });
    closeAfterChange();
  }

  /** The list is out of date once a version was added (ours or someone's): start again from it. */
  function closeAfterChange() {
    setRollbackTarget(undefined);
    setSelected([]);
    setDetail(undefined);
    list.reload();
  }

  const [first, second] = [...selected].sort((a, b) => a.version - b.version);
  const one = selected.length === 1 ? first : undefined;
  const rollbackDisabledReason = !canEdit
    ? 'Viewers cannot roll back: an editor or admin of this workspace can.'
    : !one
      ? 'Select the one version to roll back to.'
      : one.version === liveVersion
        ? `Version ${liveVersion} is already live.`
        : undefined;

  return (
    <SpaceBetween size="l">
      <StaleVersionAlert guard={live}>
        A new version went live since this list was loaded, so nothing was rolled back. The list is reloaded:
        check it and roll back again if you still mean to.
      </StaleVersionAlert>
      {list.error && <ApiErrorAlert error={list.error} header="The versions could not be loaded" />}
      <Table
        wrapLines
        variant="full-page"
        trackBy="version"
        items={versions}
        loading={list.loading && !list.data}
        loadingText="Loading versions"
        selectionType="multi"
        selectedItems={selected}
        onSelectionChange={({ detail: change }) => setSelected(change.selectedItems)}
        ariaLabels={{
          selectionGroupLabel: 'Versions',
          itemSelectionLabel: (_, version) => `Version ${version.version}`,
          allItemsSelectionLabel: () => 'All versions',
        }}
        header={
          <Header
            variant="h1"
            counter={list.data ? `(${versions.length})` : undefined}
            description="Every published version, newest first. Select two to compare them, or one to see it or roll back to it."
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button
                  disabled={!one}
                  disabledReason="Select one version to see its content."
                  onClick={() => one && setDetail({ kind: 'content', version: one })}
                >
                  View content
                </Button>
                <Button
                  disabled={selected.length !== 2}
                  disabledReason="Select two versions to compare."
                  onClick={() => first && second && setDetail({ kind: 'compare', from: first, to: second })}
                >
                  Compare
                </Button>
                <Button
                  disabled={rollbackDisabledReason !== undefined}
                  disabledReason={rollbackDisabledReason}
                  onClick={() => setRollbackTarget(one?.version)}
                >
                  Roll back
                </Button>
              </SpaceBetween>
            }
          >
            Versions
          </Header>
        }
        columnDefinitions={[
          {
            id: 'version',
            header: 'Version',
            cell: (version) =>
              version.version === liveVersion ? (
                <SpaceBetween direction="horizontal" size="xs">
                  <span>{version.version}</span>
                  <StatusIndicator type="success">Live</StatusIndicator>
                </SpaceBetween>
              ) : (
                version.version
              ),
          },
          { id: 'changes', header: 'What changed', cell: describeVersion },
          { id: 'publishedBy', header: 'Published by', cell: (version) => version.publishedBy },
          {
            id: 'publishedAt',
            header: 'Published at',
            cell: (version) => formatTime(version.publishedAt),
          },
          { id: 'note', header: 'Note', cell: (version) => version.note ?? '—' },
        ]}
        empty={
          <Box textAlign="center" color="inherit">
            <b>No versions yet</b>
            <Box variant="p" color="inherit">
              Publish the draft to make version 1.
            </Box>
          </Box>
        }
      />
      {detail?.kind === 'compare' && (
        <VersionComparison workspace={workspace} from={detail.from} to={detail.to} />
      )}
      {detail?.kind === 'content' && <VersionContent version={detail.version} />}
      {rollbackTarget !== undefined && (
        <RollbackModal
          target={rollbackTarget}
          liveVersion={liveVersion}
          onConfirm={(note) => rollBack(rollbackTarget, note)}
          onCancel={() => setRollbackTarget(undefined)}
        />
      )}
    </SpaceBetween>
  );
}

/** "Rolled back to version 2: 1 removed": how the version came to be, and what it changed. */
function describeVersion(version: Version): string {
  const changes = summariseChanges(version.changes);
  return version.action === 'rollback' && version.restoredVersion !== undefined
    ? `Rolled back to version ${version.restoredVersion}: ${changes}`
    : changes;
}
