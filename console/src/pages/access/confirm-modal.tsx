import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useSubmission } from './use-submission';

/**
 * Asks before a change that cannot be undone (removing a member, revoking a key): nothing is sent
 * until the person confirms; a refusal stays in the modal so they can read it and cancel.
 */
export function ConfirmModal({
  header,
  children,
  confirmLabel,
  onConfirm,
  onDismiss,
}: {
  header: string;
  children: ReactNode;
  confirmLabel: string;
  /** Makes the change; the caller closes the modal when it succeeds. */
  onConfirm: () => Promise<void>;
  onDismiss: () => void;
}) {
  const { busy, error, submit } = useSubmission();
  return (
    <Modal
      visible
      header={header}
      onDismiss={onDismiss}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onDismiss}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={() => void submit(onConfirm)}>
              {confirmLabel}
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box variant="p">{children}</Box>
        <ApiErrorAlert error={error} />
      </SpaceBetween>
    </Modal>
  );
}
