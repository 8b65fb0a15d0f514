import Button from '@cloudscape-design/components/button';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { ConfirmModal } from '../../components/confirm-modal';
import { useNotify } from '../../components/notifications';
import { useSubmission } from '../../components/use-submission';
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
  const enabling = useSubmission();

  async function turn(enable: boolean) {
    const params = { path: { workspace, destination } };
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
  }

  const viewerReason = canEdit ? undefined : 'Viewers cannot enable or disable destinations.';
  if (disabled)
    return (
      <>
        <Button
          loading={enabling.busy}
          disabled={!canEdit}
          disabledReason={viewerReason}
          onClick={() => void enabling.submit(() => turn(true))}
        >
          Enable
        </Button>
        <ApiErrorAlert error={enabling.error} />
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
      {confirming && (
        <ConfirmModal
          header={`Disable ${destination}?`}
          confirmLabel="Confirm"
          onConfirm={() => turn(false)}
          onDismiss={() => setConfirming(false)}
        >
          Within a minute, events stop reaching it: each is dead-lettered with DestinationDisabled instead, so
          nothing is lost. Enable it again, then redrive its dead letters.
        </ConfirmModal>
      )}
    </>
  );
}
