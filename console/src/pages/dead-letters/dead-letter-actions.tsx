import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import { useState } from 'react';
import { useApiClient } from '../../api/api-context';
import { call, type Schemas } from '../../api/client';
import { ConfirmModal } from '../../components/confirm-modal';
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
  const disabledReason = !canEdit
    ? 'Viewers cannot redrive or discard: ask an editor or admin of the workspace.'
    : selected.length === 0
      ? 'Select the letters first.'
      : undefined;

  async function confirm(action: DeadLetterAction) {
    const request = {
      params: { path: { workspace } },
      body: { letters: selected.map((letter) => letter.id) },
    };
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
  }

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
        // Not the action's own word: a second "Redrive" button would make a click by name ambiguous.
        <ConfirmModal
          header={WORDING[confirming].title}
          confirmLabel="Confirm"
          onConfirm={() => confirm(confirming)}
          onDismiss={() => setConfirming(undefined)}
        >
          {selected.length === 1 ? '1 letter is selected.' : `${selected.length} letters are selected.`}{' '}
          {WORDING[confirming].consequence}
        </ConfirmModal>
      )}
    </>
  );
}
