import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';
import { ApiErrorAlert } from './api-error-alert';
import { useSubmission } from './use-submission';

/**
 * Asks before a change (removing a member, deleting a destination, a rollback…): nothing is sent
 * until the person confirms; a refusal stays in the modal so they can read it and cancel.
 * Render it only while asking: each time it opens, it starts without the last refusal.
 */
export function ConfirmModal({
  header,
  children,
  fields,
  confirmLabel,
  errorHeader,
  onConfirm,
  onDismiss,
}: {
  header: string;
  /** What the change does, as one paragraph. */
  children: ReactNode;
  /** Inputs that go with the change (a note), under the paragraph. */
  fields?: ReactNode;
  confirmLabel: string;
  /** The refusal's header; the API's error code when absent. */
  errorHeader?: string;
  /** Makes the change; the caller closes the modal when it succeeds, a throw shows in it. */
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
            {/* Cancel cannot stop a change already sent, so it does not pretend to while one is. */}
            <Button variant="link" onClick={onDismiss} disabled={busy}>
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
        {fields}
        <ApiErrorAlert error={error} header={errorHeader} />
      </SpaceBetween>
    </Modal>
  );
}
