import FormField from '@cloudscape-design/components/form-field';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { ConfirmModal } from '../../components/confirm-modal';

export interface RollbackModalProps {
  /** The version whose destinations come back. */
  readonly target: number;
  /** The live version now: the rollback publishes the one after it. */
  readonly liveVersion: number;
  /** Rolls back with the note; a refusal it throws (other than a stale live version) shows here. */
  onConfirm(note: string): Promise<void>;
  onCancel(): void;
}

/** Asks before a rollback, saying what it does: a new version, not a rewrite of history. */
export function RollbackModal({ target, liveVersion, onConfirm, onCancel }: RollbackModalProps) {
  const [note, setNote] = useState('');
  return (
    <ConfirmModal
      header={`Roll back to version ${target}?`}
      confirmLabel="Roll back"
      errorHeader="Not rolled back"
      onConfirm={() => onConfirm(note.trim())}
      onDismiss={onCancel}
      fields={
        <FormField label="Note" description="Why: recorded with the new version. Optional.">
          <Textarea value={note} onChange={({ detail }) => setNote(detail.value)} />
        </FormField>
      }
    >
      This publishes a new version {liveVersion + 1} with version {target}'s destinations. The draft follows
      it; versions {target + 1} to {liveVersion} stay in the history.
    </ConfirmModal>
  );
}
