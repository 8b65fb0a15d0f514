import Alert from '@cloudscape-design/components/alert';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import Textarea from '@cloudscape-design/components/textarea';
import { useState } from 'react';
import { useApi, useApiClient } from '../../../api/api-context';
import { call, type Schemas } from '../../../api/client';
import { ApiErrorAlert } from '../../../components/api-error-alert';
import { useNotify } from '../../../components/notifications';
import { RouterLink, workspacePaths } from '../../../components/router-link';
import { useWorkspace } from '../../../workspace/workspace-context';
import { type Mapping, type MappingForm, mappingFormOf, mappingRequestOf, problemsOf } from './mapping-form';
import { MappingPreview } from './mapping-preview';
import { RulesEditor } from './rules-editor';
import { SAMPLE_EVENTS, sampleText } from './sample-events';
import { useDebouncedValue } from './use-debounced-value';

/** How long the sample must rest before it is tested: one request per pause, not per keystroke. */
const PREVIEW_DELAY_MS = 300;

/** The mapping and required consent: edited as rows, saved to the draft, previewed on a sample. */
export function MappingTab({
  destination,
  view,
}: {
  readonly destination: string;
  readonly view: Schemas['DestinationView'];
}) {
  const { workspace } = useWorkspace();
  const stored = useApi(
    (api) =>
      call(
        api.GET('/v1/workspaces/{workspace}/destinations/{destination}/mapping', {
          params: { path: { workspace, destination } },
        }),
      ),
    [workspace, destination],
  );
  if (stored.error) return <ApiErrorAlert error={stored.error} />;
  if (!stored.data) return <Spinner />;
  // Keyed by what is stored: after a save the rows start from it again, and the preview reruns.
  return (
    <MappingEditor
      key={JSON.stringify(stored.data)}
      destination={destination}
      view={view}
      stored={stored.data}
      onSaved={stored.reload}
    />
  );
}

function MappingEditor({
  destination,
  view,
  stored,
  onSaved,
}: {
  readonly destination: string;
  readonly view: Schemas['DestinationView'];
  readonly stored: Schemas['MappingView'];
  readonly onSaved: () => void;
}) {
  const api = useApiClient();
  const notify = useNotify();
  const { workspace, canEdit } = useWorkspace();
  const inDraft = stored.draft !== null;
  const saved = mappingFormOf(stored.draft ?? stored.live);
  const [form, setForm] = useState<MappingForm>(saved);
  const [showProblems, setShowProblems] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<Error>();
  const [stale, setStale] = useState(false);
  const events = (view.draft ?? view.live)?.events ?? ['*'];
  const [sampleId, setSampleId] = useState(SAMPLE_EVENTS[0].id);
  const [sample, setSample] = useState(() => sampleText(SAMPLE_EVENTS[0], workspace, events));
  const settledSample = useDebouncedValue(sample, PREVIEW_DELAY_MS);

  const problems = problemsOf(form);
  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  // The rules as edited run in the preview as soon as they are whole, before anything is saved.
  const edited = dirty && problems.length === 0 ? mappingRequestOf(form) : undefined;
  const settledEdit = useDebouncedValue(edited ? JSON.stringify(edited) : undefined, PREVIEW_DELAY_MS);
  const readOnlyReason = !canEdit
    ? 'Viewers cannot change mappings: ask an editor or admin of the workspace.'
    : !inDraft
      ? 'Removed in the draft: there is no mapping to edit.'
      : undefined;

  async function save() {
    setShowProblems(true);
    setError(undefined);
    if (problems.length > 0) return;
    setSaving(true);
    const path = { workspace, destination };
    try {
      // PUT replaces the whole mapping: refuse to write over one saved since this page read it.
      const now = await call(
        api.GET('/v1/workspaces/{workspace}/destinations/{destination}/mapping', { params: { path } }),
      );
      if (JSON.stringify(now.draft) !== JSON.stringify(stored.draft)) {
        setStale(true);
        return;
      }
      await call(
        api.PUT('/v1/workspaces/{workspace}/destinations/{destination}/mapping', {
          params: { path },
          body: mappingRequestOf(form),
        }),
      );
      notify({
        type: 'success',
        content: `Saved the mapping of ${destination} to the draft: publish to make it live.`,
      });
      onSaved();
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setSaving(false);
    }
  }

  return (
    <SpaceBetween size="l">
      <Alert type="info">
        The mapping is saved to the draft: review and publish it in{' '}
        <RouterLink href={workspacePaths(workspace).publish}>Draft and publish</RouterLink>. What each rule
        does is in Data mapping and consent, in the platform's documentation.
      </Alert>
      {stale && (
        <Alert
          type="warning"
          header="Someone saved this mapping meanwhile"
          action={<Button onClick={onSaved}>Reload</Button>}
        >
          Saving would write over their change. Reload to see it, then make your change again.
        </Alert>
      )}
      <ApiErrorAlert error={error} />
      <Container
        header={
          <Header
            variant="h2"
            description={inDraft ? 'As drafted' : 'As live: removed in the draft'}
            actions={
              <SpaceBetween direction="horizontal" size="xs">
                <Button disabled={!dirty || readOnlyReason !== undefined} onClick={() => setForm(saved)}>
                  Discard changes
                </Button>
                <Button
                  variant="primary"
                  loading={saving}
                  disabled={readOnlyReason !== undefined || stale}
                  disabledReason={readOnlyReason}
                  onClick={() => void save()}
                >
                  Save mapping
                </Button>
              </SpaceBetween>
            }
          >
            Rules
          </Header>
        }
      >
        <RulesEditor
          form={form}
          problems={showProblems ? problems : []}
          readOnly={readOnlyReason !== undefined}
          onChange={setForm}
        />
      </Container>
      <Container
        header={
          <Header variant="h2" description="Exactly what this destination would receive of a sample event.">
            Preview
          </Header>
        }
      >
        <SpaceBetween size="m">
          <FormField
            label="Sample event"
            description="Pick one, or paste an ingest message of your own below."
          >
            <Select
              selectedOption={
                SAMPLE_EVENTS.map((s) => ({ value: s.id, label: s.label })).find(
                  (o) => o.value === sampleId,
                ) ?? null
              }
              options={SAMPLE_EVENTS.map((s) => ({ value: s.id, label: s.label }))}
              ariaLabel="Sample event"
              onChange={({ detail }) => {
                const chosen =
                  SAMPLE_EVENTS.find((s) => s.id === detail.selectedOption.value) ?? SAMPLE_EVENTS[0];
                setSampleId(chosen.id);
                setSample(sampleText(chosen, workspace, events));
              }}
            />
          </FormField>
          <FormField label="Sample ingest message (JSON)" stretch>
            <Textarea
              value={sample}
              rows={14}
              spellcheck={false}
              ariaLabel="Sample ingest message (JSON)"
              onChange={({ detail }) => setSample(detail.value)}
            />
          </FormField>
          {dirty && problems.length > 0 && (
            <Alert type="warning" header="The preview shows the saved mapping">
              Complete the rules above to preview them.
            </Alert>
          )}
          {canEdit ? (
            <MappingPreview
              destination={destination}
              sample={settledSample}
              draft={inDraft}
              savedMapping={((stored.draft ?? stored.live)?.mapping ?? null) as Mapping | null}
              edited={settledEdit ? (JSON.parse(settledEdit) as Schemas['MappingRequest']) : undefined}
            />
          ) : (
            <Alert type="info">
              Previews are for editors and admins: the API lets no viewer test mappings.
            </Alert>
          )}
        </SpaceBetween>
      </Container>
    </SpaceBetween>
  );
}
