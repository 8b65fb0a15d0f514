import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useApi } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useNotify } from '../../components/notifications';
import { workspacePaths } from '../../components/router-link';
import { useWorkspace } from '../../workspace/workspace-context';
import { AddDestinationWizard } from './add-destination-wizard';
import { DestinationSaved } from './destination-saved';

/** Add a destination to the draft with the wizard, then check its setup. */
export function AddDestinationPage() {
  const { workspace } = useWorkspace();
  const navigate = useNavigate();
  const notify = useNotify();
  const [saved, setSaved] = useState<string>();
  const types = useApi(
    (api) =>
      call(api.GET('/v1/workspaces/{workspace}/destination-types', { params: { path: { workspace } } })),
    [workspace],
  );

  if (saved) return <DestinationSaved destination={saved} />;
  return (
    <SpaceBetween size="m">
      <Header variant="h1" description="Adds it to the draft: publish a version to start delivering to it.">
        Add destination
      </Header>
      <ApiErrorAlert error={types.error} header="The destination types could not be loaded" />
      {types.data ? (
        <AddDestinationWizard
          types={types.data.types}
          onCancel={() => navigate(workspacePaths(workspace).destinations)}
          onSaved={(destination) => {
            notify({ type: 'success', content: `Destination ${destination.id} added to the draft.` });
            setSaved(destination.id);
          }}
        />
      ) : (
        !types.error && <StatusIndicator type="loading">Loading the destination types</StatusIndicator>
      )}
    </SpaceBetween>
  );
}
