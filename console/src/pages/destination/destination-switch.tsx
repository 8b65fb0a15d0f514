import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useNotify } from '../../components/notifications';
import { useWorkspace } from '../../workspace/workspace-context';

/**
 * Disable a destination without unpublishing it (its events are dead-lettered with
 * DestinationDisabled, to redrive later), or enable it again, also after the dispatcher disabled
 * it for failing for long. Disabling asks first: events stop reaching the customer's account.
 */
export function DestinationSwitchButton({
  destination,
  disabled,
  onChanged,
}: {
  readonly destination: string;
  /** Whether it is disabled now (from the health figures); undefined while they load. */
  readonly disabled: boolean | undefined;
  readonly onChanged: () => void;
}) {
  const api = useApiClient();
  const notify = useNotify();
  const { workspace, canEdit } = useWorkspace();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  async function turn(enable: boolean) {
    setBusy(true);
    setError(undefined);
    const params = { path: { workspace, destination } };
    try {
      await call(
        enable
          ? api.POST('/v1/workspaces/{workspace}/destinations/{destination}/enable', { params })
          : api.POST('/v1/workspaces/{workspace}/destinations/{destination}/disable', { params }),
      );
      setConfirming(false);
      notify({
        type: 'success',
        content: enable
          ? `Enabled ${destination}: deliveries resume within a minute. Redrive its DestinationDisabled dead letters.`
          : `Disabled ${destination}: within a minute its events are dead-lettered with DestinationDisabled.`,
      });
      onChanged();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  }

  const viewerReason = canEdit ? undefined : 'Viewers cannot enable or disable destinations.';
  if (disabled)
    return (
      <>
        <Button
          loading={busy}
          disabled={!canEdit}
          disabledReason={viewerReason}
          onClick={() => void turn(true)}
        >
          Enable
        </Button>
        {error && <ApiErrorAlert error={error} />}
      </>
    );
  return (
    <>
      <Button
        disabled={!canEdit || disabled === undefined}
        disabledReason={viewerReason}
        onClick={() => setConfirming(true)}
      >
        Disable
      </Button>
      <Modal
        visible={confirming}
        onDismiss={() => setConfirming(false)}
        header={`Disable ${destination}?`}
        footer={
          <Box float="right">
            <SpaceBetween direction="horizontal" size="xs">
              <Button variant="link" onClick={() => setConfirming(false)}>
                Cancel
              </Button>
              <Button variant="primary" loading={busy} onClick={() => void turn(false)}>
                Confirm
              </Button>
            </SpaceBetween>
          </Box>
        }
      >
        <SpaceBetween size="s">
          <Box variant="p">
            Within a minute, events stop reaching it: each is dead-lettered with DestinationDisabled instead,
            so nothing is lost. Enable it again, then redrive its dead letters.
          </Box>
          <ApiErrorAlert error={error} />
        </SpaceBetween>
      </Modal>
    </>
  );
}
