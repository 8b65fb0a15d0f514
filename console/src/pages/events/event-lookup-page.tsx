import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import Container from '@cloudscape-design/components/container';
import FormField from '@cloudscape-design/components/form-field';
import Header from '@cloudscape-design/components/header';
import Input from '@cloudscape-design/components/input';
import Select from '@cloudscape-design/components/select';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import { useEffect, useState } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { useApi } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import type { EventSearch } from '../../components/router-link';
import { useWorkspace } from '../../workspace/workspace-context';
import { EventStory, LOOK_BACK_TEXT, type LookBack } from './event-story';

/** The API's own default window. */
const DEFAULT_LOOK_BACK: LookBack = 'day';
const LOOK_BACK_OPTIONS = (Object.keys(LOOK_BACK_TEXT) as LookBack[]).map((value) => ({
  value,
  label: `In ${LOOK_BACK_TEXT[value]}`,
}));

const toLookBack = (value: unknown): LookBack =>
  typeof value === 'string' && Object.hasOwn(LOOK_BACK_TEXT, value) ? (value as LookBack) : DEFAULT_LOOK_BACK;

/** The search in the history entry's state: anything else there (or nothing) is no search. */
function searchOf(state: unknown): { distinctId: string; lookBack: LookBack } {
  const search = (typeof state === 'object' && state !== null ? state : {}) as Partial<
    Record<keyof EventSearch, unknown>
  >;
  return {
    distinctId: typeof search.id === 'string' ? search.id.trim() : '',
    lookBack: toLookBack(search.window),
  };
}

/**
 * Finds one event by its distinct_id and tells its story. The search lives in the router's
 * navigation state (`{ id, window }`, see `EventSearch`), not in the URL: a distinct_id may be
 * personal data (an email address), and the URL lands in the browser's history and in links people
 * share. Each lookup is a history entry, so the back button returns to the previous one, and other
 * pages link here with the id in the link's `state` (`workspacePaths(…).eventLookup(id)`).
 */
export function EventLookupPage() {
  const { workspace } = useWorkspace();
  const location = useLocation();
  const navigate = useNavigate();
  const { distinctId, lookBack } = searchOf(location.state);
  const [typedId, setTypedId] = useState(distinctId);
  const [chosenLookBack, setChosenLookBack] = useState(lookBack);
  // A link or the back button changes the search: the form shows what is being looked up.
  useEffect(() => setTypedId(distinctId), [distinctId]);
  useEffect(() => setChosenLookBack(lookBack), [lookBack]);

  const lookup = useApi(
    async (api) =>
      distinctId
        ? {
            distinctId,
            lookBack,
            story: await call(
              api.GET('/v1/workspaces/{workspace}/events/{distinctId}', {
                params: { path: { workspace, distinctId }, query: { window: lookBack } },
              }),
            ),
          }
        : undefined,
    [workspace, distinctId, lookBack],
  );
  // For one render after the search changes, the previous search's answer is still held: not this one's.
  const story =
    lookup.data?.distinctId === distinctId && lookup.data.lookBack === lookBack
      ? lookup.data.story
      : undefined;

  function lookUp() {
    const id = typedId.trim();
    if (!id) return;
    // The same search again reads the logs again: they may have caught up.
    if (id === distinctId && chosenLookBack === lookBack) lookup.reload();
    else navigate(location.pathname, { state: { id, window: chosenLookBack } satisfies EventSearch });
  }

  return (
    <SpaceBetween size="l">
      <Header
        variant="h1"
        description="Follow one event through delivery: when it was received, and what became of it at each destination."
      >
        Event lookup
      </Header>
      <Container>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            lookUp();
          }}
        >
          <SpaceBetween direction="horizontal" size="s" alignItems="end">
            <FormField label="Distinct id" description="The event's event.distinct_id, as your site sent it.">
              <Input
                type="search"
                value={typedId}
                onChange={({ detail }) => setTypedId(detail.value)}
                placeholder="e.g. 01J9Z6…"
              />
            </FormField>
            <FormField label="Window" description="How far back the logs are read.">
              <Select
                selectedOption={LOOK_BACK_OPTIONS.find((option) => option.value === chosenLookBack) ?? null}
                onChange={({ detail }) => setChosenLookBack(toLookBack(detail.selectedOption.value ?? null))}
                options={LOOK_BACK_OPTIONS}
              />
            </FormField>
            <Button variant="primary" formAction="submit" disabled={!typedId.trim()}>
              Look up
            </Button>
          </SpaceBetween>
        </form>
      </Container>
      {distinctId === '' && (
        <Box color="text-status-inactive">Enter an event's distinct_id to see what happened to it.</Box>
      )}
      {lookup.error && <ApiErrorAlert error={lookup.error} header="The delivery logs could not be read" />}
      {distinctId !== '' && lookup.loading && (
        <Box>
          <Spinner /> Reading the delivery logs of {LOOK_BACK_TEXT[lookBack]}…
        </Box>
      )}
      {story && !lookup.loading && <EventStory distinctId={distinctId} story={story} />}
    </SpaceBetween>
  );
}
