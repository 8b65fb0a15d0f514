import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useApi } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { RouterLink, workspacePaths } from '../../components/router-link';
import { formatTime } from '../../components/time';
import { useWorkspace } from '../../workspace/workspace-context';
import { DestinationEditForm } from './destination-edit-form';
import { editableFields } from './destination-fields';
import { DestinationSettings } from './destination-settings';

/** The draft and live settings side by side; the draft edited in place. */
export function ConfigurationTab({
  view,
  disabled,
  onChanged,
}: {
  readonly view: Schemas['DestinationView'];
  /** Set when the destination is disabled: by its workspace, or by the dispatcher after failing for long. */
  readonly disabled: { at: string; reason: string } | null | undefined;
  readonly onChanged: () => void;
}) {
  const { workspace, canEdit } = useWorkspace();
  const [editing, setEditing] = useState(false);
  const types = useApi(
    (api) =>
      call(api.GET('/v1/workspaces/{workspace}/destination-types', { params: { path: { workspace } } })),
    [workspace],
  );
  const type = (view.draft ?? view.live)?.type;
  const fields = types.data?.types.find((candidate) => candidate.type === type)?.fields ?? [];
  const editDisabledReason = !canEdit
    ? 'Viewers cannot change destinations: ask an editor or admin of the workspace.'
    : !view.draft
      ? 'Removed in the draft: there is nothing to edit.'
      : !types.data
        ? 'Loading the fields of its type.'
        : undefined;

  return (
    <SpaceBetween size="l">
      <Alert type="info">
        Changes go to the draft, not to what is live: review and publish them in{' '}
        <RouterLink href={workspacePaths(workspace).publish}>Draft and publish</RouterLink>.
      </Alert>
      {disabled && (
        <Alert type="error" header="Disabled">
          Since {formatTime(disabled.at)} ({disabled.reason}) its events are dead-lettered with
          DestinationDisabled. Once the cause is fixed, enable it (at the top of this page), then redrive its
          dead letters.
        </Alert>
      )}
      <ApiErrorAlert error={types.error} />
      <ColumnLayout columns={editing ? 1 : 2}>
        <Container
          header={
            <Header
              variant="h2"
              description="What the next publish makes live"
              actions={
                !editing && (
                  <Button
                    disabled={editDisabledReason !== undefined}
                    disabledReason={editDisabledReason}
                    onClick={() => setEditing(true)}
                  >
                    Edit draft
                  </Button>
                )
              }
            >
              Draft
            </Header>
          }
        >
          {editing && view.draft ? (
            <DestinationEditForm
              destination={view.draft}
              fields={editableFields(fields)}
              onCancel={() => setEditing(false)}
              onSaved={() => {
                setEditing(false);
                onChanged();
              }}
            />
          ) : view.draft ? (
            <DestinationSettings destination={view.draft} fields={fields} />
          ) : (
            <Box variant="p">Removed in the draft: publishing stops sending it events.</Box>
          )}
        </Container>
        {!editing && (
          <Container
            header={
              <Header variant="h2" description={`Version ${view.liveVersion}`}>
                Live
              </Header>
            }
          >
            {view.live ? (
              <DestinationSettings destination={view.live} fields={fields} />
            ) : (
              <Box variant="p">Not live yet: publish the draft to start sending it events.</Box>
            )}
          </Container>
        )}
      </ColumnLayout>
    </SpaceBetween>
  );
}
