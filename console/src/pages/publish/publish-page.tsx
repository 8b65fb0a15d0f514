import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import Form from '@cloudscape-design/components/form';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useApi, useApiClient } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { DiffView, isEmptyDiff } from '../../components/diff-view';
import { ifMatchLive, StaleVersionAlert, useLiveVersionGuard } from '../../components/live-version';
import { useNotify } from '../../components/notifications';
import { useSubmission } from '../../components/use-submission';
import { useWorkspace } from '../../workspace/workspace-context';
import { type DraftChanges, loadDraftChanges } from './draft-changes';

/** The API's limit on a version's note. */
const NOTE_MAX = 500;

/** The draft against the live version, field by field, and the button that makes it live. */
export function PublishPage() {
  const { workspace, canEdit } = useWorkspace();
  const api = useApiClient();
  const notify = useNotify();
  const draft = useApi((client) => loadDraftChanges(client, workspace), [workspace]);
  const [note, setNote] = useState('');
  const { busy: publishing, error: failure, submit } = useSubmission();
  const live = useLiveVersionGuard();

  async function publish(against: DraftChanges) {
    await submit(() =>
      live.send(async () => {
        const published = await call(
          api.POST('/v1/workspaces/{workspace}/publish', {
            params: { path: { workspace }, header: ifMatchLive(against.liveVersion) },
            body: note.trim() ? { note: note.trim() } : {},
          }),
        );
        notify({ type: 'success', content: `Published: version ${published.version} is live.` });
        setNote('');
      }),
    );
    draft.reload();
  }

  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description="What publishing changes: the draft's destinations against the live version. Publishing makes the draft live as the next version."
      >
        Draft and publish
      </Header>
      <StaleVersionAlert guard={live}>
        The live version changed since this page was loaded, so nothing was published. The changes below are
        reloaded against the new live version: check them and publish again.
      </StaleVersionAlert>
      {draft.error && <ApiErrorAlert error={draft.error} header="The draft could not be loaded" />}
      {!draft.data && draft.loading && (
        <Box textAlign="center">
          <Spinner size="large" />
        </Box>
      )}
      {draft.data && (
        <DraftView
          draft={draft.data}
          canEdit={canEdit}
          note={note}
          onNoteChange={setNote}
          busy={publishing || draft.loading}
          failure={failure}
          onPublish={() => draft.data && void publish(draft.data)}
        />
      )}
    </SpaceBetween>
  );
}

function DraftView(props: {
  draft: DraftChanges;
  canEdit: boolean;
  note: string;
  onNoteChange: (note: string) => void;
  busy: boolean;
  failure: Error | undefined;
  onPublish: () => void;
}) {
  const { draft, canEdit, note, onNoteChange, busy, failure, onPublish } = props;
  // The first publish is allowed even with an empty draft: it makes version 1 exist.
  const nothingToPublish = draft.liveVersion > 0 && isEmptyDiff(draft.changes);
  const disabledReason = !canEdit
    ? 'Viewers cannot publish: an editor or admin of this workspace can.'
    : nothingToPublish
      ? 'Nothing to publish: the draft is the live version.'
      : note.length > NOTE_MAX
        ? `The note is longer than ${NOTE_MAX} characters.`
        : undefined;
  const liveLabel = draft.liveVersion > 0 ? `Live (version ${draft.liveVersion})` : 'Live (none yet)';
  return (
    <SpaceBetween size="l">
      <Container
        header={
          <Header
            variant="h2"
            description={
              draft.liveVersion > 0
                ? `Against version ${draft.liveVersion}, the live one.`
                : 'Nothing is live yet: publishing makes the draft version 1.'
            }
          >
            Changes
          </Header>
        }
      >
        {nothingToPublish ? (
          <Box variant="p">
            Nothing to publish: the draft is the same as live version {draft.liveVersion}.
          </Box>
        ) : (
          <DiffView
            changes={draft.changes}
            before={draft.live}
            after={draft.draft}
            beforeLabel={liveLabel}
            afterLabel="Draft"
          />
        )}
      </Container>
      {failure && <ApiErrorAlert error={failure} header="Not published" />}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!disabledReason && !busy) onPublish();
        }}
      >
        <Form
          header={<Header variant="h2">Publish</Header>}
          actions={
            <Button
              variant="primary"
              formAction="submit"
              loading={busy}
              disabled={disabledReason !== undefined}
              disabledReason={disabledReason}
            >
              Publish
            </Button>
          }
        >
          <FormField
            label="Note"
            description="Why: recorded with the version and shown in its history. Optional."
            constraintText={`${note.length}/${NOTE_MAX} characters`}
            errorText={note.length > NOTE_MAX ? `At most ${NOTE_MAX} characters.` : undefined}
          >
            <Textarea
              value={note}
              onChange={({ detail }) => onNoteChange(detail.value)}
              placeholder="What this version changes, and why"
              disabled={!canEdit}
            />
          </FormField>
        </Form>
      </form>
    </SpaceBetween>
  );
}
