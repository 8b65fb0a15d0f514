import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useApiClient } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useNotify } from '../../components/notifications';
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const disabledReason = !isAdmin
    ? 'Only admins of the workspace can delete destinations.'
    : !inDraft
      ? 'Already removed in the draft: publish to stop sending it events.'
      : undefined;

  async function remove() {
    setBusy(true);
    try {
      await call(
        api.DELETE('/v1/workspaces/{workspace}/destinations/{destination}', {
          params: { path: { workspace, destination } },
        }),
      );
      notify({
        type: 'success',
        content: `Removed ${destination} from the draft: publish to stop sending it events.`,
      });
      navigate(`/workspaces/${workspace}/destinations`);
    } catch (caught) {
      setError(caught as Error);
      setBusy(false);
    }
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
        <Modal
          visible
          onDismiss={() => setConfirming(false)}
          header={`Delete ${destination}?`}
          footer={
            <Box float="right">
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" onClick={() => setConfirming(false)}>
                  Cancel
                </Button>
                <Button variant="primary" loading={busy} onClick={() => void remove()}>
                  Confirm
                </Button>
              </SpaceBetween>
            </Box>
          }
        >
          <SpaceBetween size="s">
            <Box variant="p">
              It is removed from the draft. It keeps receiving events until the draft is published; its dead
              letters stay until they expire.
            </Box>
            <ApiErrorAlert error={error} />
          </SpaceBetween>
        </Modal>
      )}
    </>
  );
}
