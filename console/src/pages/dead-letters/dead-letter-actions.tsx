import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Modal from '@cloudscape-design/components/modal';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useWorkspace } from '../../workspace/workspace-context';
import type { DeadLetterAction, DeadLetterOutcome } from './dead-letter-outcome';

const WORDING: Record<DeadLetterAction, { button: string; title: string; consequence: string }> = {
  redrive: {
    button: 'Redrive',
    title: 'Redrive dead letters',
    consequence:
      'They go back to be delivered again, each with the mapping it started with, and leave this list.',
  },
  discard: {
    button: 'Discard',
    title: 'Discard dead letters',
    consequence: 'They are forgotten for good, here and in the dead-letter queue. This cannot be undone.',
  },
};

/** Redrive and Discard for the selected letters, each confirmed first; the outcome goes to `onDone`. */
export function DeadLetterActions({
  selected,
  onDone,
}: {
  readonly selected: readonly Schemas['DeadLetter'][];
  readonly onDone: (outcome: DeadLetterOutcome) => void;
}) {
  const api = useApiClient();
  const { workspace, canEdit } = useWorkspace();
  const [confirming, setConfirming] = useState<DeadLetterAction>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();

  const disabledReason = !canEdit
    ? 'Viewers cannot redrive or discard: ask an editor or admin of the workspace.'
    : selected.length === 0
      ? 'Select the letters first.'
      : undefined;

  async function confirm(action: DeadLetterAction) {
    setBusy(true);
    setError(undefined);
    const request = {
      params: { path: { workspace } },
      body: { letters: selected.map((letter) => letter.id) },
    };
    try {
      const outcome: DeadLetterOutcome =
        action === 'redrive'
          ? {
              action,
              result: await call(api.POST('/v1/workspaces/{workspace}/dead-letters/redrive', request)),
            }
          : {
              action,
              result: await call(api.POST('/v1/workspaces/{workspace}/dead-letters/discard', request)),
            };
      setConfirming(undefined);
      onDone(outcome);
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setBusy(false);
    }
  }

  const close = () => {
    setConfirming(undefined);
    setError(undefined);
  };

  return (
    <>
      <SpaceBetween direction="horizontal" size="xs">
        <Button
          disabled={disabledReason !== undefined}
          disabledReason={disabledReason}
          onClick={() => setConfirming('discard')}
        >
          {WORDING.discard.button}
        </Button>
        <Button
          variant="primary"
          disabled={disabledReason !== undefined}
          disabledReason={disabledReason}
          onClick={() => setConfirming('redrive')}
        >
          {WORDING.redrive.button}
        </Button>
      </SpaceBetween>
      {confirming && (
        <Modal
          visible
          onDismiss={close}
          header={WORDING[confirming].title}
          footer={
            <Box float="right">
              <SpaceBetween direction="horizontal" size="xs">
                <Button variant="link" onClick={close}>
                  Cancel
                </Button>
                {/* Not the action's own word: a second "Redrive" button would make a click by name ambiguous. */}
                <Button variant="primary" loading={busy} onClick={() => void confirm(confirming)}>
                  Confirm
                </Button>
              </SpaceBetween>
            </Box>
          }
        >
          <SpaceBetween size="s">
            <Box variant="p">
              {selected.length === 1 ? '1 letter is selected.' : `${selected.length} letters are selected.`}{' '}
              {WORDING[confirming].consequence}
            </Box>
            <ApiErrorAlert error={error} />
          </SpaceBetween>
        </Modal>
      )}
    </>
  );
}
