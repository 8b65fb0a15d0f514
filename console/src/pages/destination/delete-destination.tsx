import Button from '@cloudscape-design/components/button';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useApiClient } from '../../api/api-context';
import { call } from '../../api/client';
import { ConfirmModal } from '../../components/confirm-modal';
import { useNotify } from '../../components/notifications';
import { workspacePaths } from '../../components/router-link';
import { useWorkspace } from '../../workspace/workspace-context';

/** Delete, confirmed: removes the destination from the draft (admins only, as the API allows). */
export function DeleteDestinationButton({
  destination,
  inDraft,
}: {
  readonly destination: string;
  readonly inDraft: boolean;
}) {
  const api = useApiClient();
  const notify = useNotify();
  const navigate = useNavigate();
  const { workspace, isAdmin } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const disabledReason = !isAdmin
    ? 'Only admins of the workspace can delete destinations.'
    : !inDraft
      ? 'Already removed in the draft: publish to stop sending it events.'
      : undefined;

  async function remove() {
    await call(
      api.DELETE('/v1/workspaces/{workspace}/destinations/{destination}', {
        params: { path: { workspace, destination } },
      }),
    );
    notify({
      type: 'success',
      content: `Removed ${destination} from the draft: publish to stop sending it events.`,
    });
    navigate(workspacePaths(workspace).destinations);
  }

  return (
    <>
      <Button
        disabled={disabledReason !== undefined}
        disabledReason={disabledReason}
        onClick={() => setConfirming(true)}
      >
        Delete
      </Button>
      {confirming && (
        <ConfirmModal
          header={`Delete ${destination}?`}
          confirmLabel="Confirm"
          onConfirm={remove}
          onDismiss={() => setConfirming(false)}
        >
          It is removed from the draft. It keeps receiving events until the draft is published; its dead
          letters stay until they expire.
        </ConfirmModal>
      )}
    </>
  );
}
