import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { ApiErrorAlert } from '../../components/api-error-alert';

export interface RollbackModalProps {
  /** The version whose destinations come back. */
  readonly target: number;
  /** The live version now: the rollback publishes the one after it. */
  readonly liveVersion: number;
  readonly busy: boolean;
  /** Why the last attempt failed, other than a stale live version (the page handles that). */
  readonly failure: Error | undefined;
  onConfirm(note: string): void;
  onCancel(): void;
}

/** Asks before a rollback, saying what it does: a new version, not a rewrite of history. */
export function RollbackModal({
  target,
  liveVersion,
  busy,
  failure,
  onConfirm,
  onCancel,
}: RollbackModalProps) {
  const [note, setNote] = useState('');
  return (
    <Modal
      visible
      onDismiss={onCancel}
      header={`Roll back to version ${target}?`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" onClick={onCancel} disabled={busy}>
              Cancel
            </Button>
            <Button variant="primary" loading={busy} onClick={() => onConfirm(note.trim())}>
              Roll back
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <SpaceBetween size="m">
        <Box variant="p">
          This publishes a new version {liveVersion + 1} with version {target}'s destinations. The draft
          follows it; versions {target + 1} to {liveVersion} stay in the history.
        </Box>
        <FormField label="Note" description="Why: recorded with the new version. Optional.">
          <Textarea value={note} onChange={({ detail }) => setNote(detail.value)} />
        </FormField>
        {failure && <ApiErrorAlert error={failure} header="Not rolled back" />}
      </SpaceBetween>
    </Modal>
  );
}
