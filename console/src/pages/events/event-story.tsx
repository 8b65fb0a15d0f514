import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Steps, { type StepsProps } from '@cloudscape-design/components/steps';
import type { Schemas } from '../../api/client';
import { formatTime } from '../../components/time';

type Story = Schemas['EventStory'];
type Step = Schemas['EventStep'];
export type LookBack = Story['window'];

export const LOOK_BACK_TEXT: Record<LookBack, string> = {
  hour: 'the last hour',
  day: 'the last day',
  week: 'the last week',
};

/** One event's story: when it was received and what became of it at each destination, in time order. */
export function EventStory({ distinctId, story }: { distinctId: string; story: Story }) {
  if (!story.found) return <NotFound distinctId={distinctId} story={story} />;
  return (
    <Container
      header={
        <Header variant="h2" description={`From the delivery logs of ${LOOK_BACK_TEXT[story.window]}.`}>
          Story of {distinctId}
        </Header>
      }
    >
      <SpaceBetween size="l">
        <KeyValuePairs
          columns={3}
          items={[
            { label: 'Logged as', value: <Box variant="code">{story.distinctIdHash}</Box> },
            { label: 'From', value: formatTime(story.from) },
            { label: 'To', value: formatTime(story.to) },
          ]}
        />
        <Steps ariaLabel={`What happened to ${distinctId}`} steps={story.steps.map(toTimelineStep)} />
      </SpaceBetween>
    </Container>
  );
}

/** Not found is not an error: the lookup reads a window of logs, and only this workspace's. */
function NotFound({ distinctId, story }: { distinctId: string; story: Story }) {
  return (
    <Alert type="info" header={`No event ${distinctId} in ${LOOK_BACK_TEXT[story.window]}`}>
      The delivery logs from {formatTime(story.from)} to {formatTime(story.to)} do not name this distinct_id
      in workspace {story.workspace}. Either it was not received in that time (check the id, or look further
      back), or it was sent to a different workspace: a lookup sees only this workspace's events.
    </Alert>
  );
}

function toTimelineStep(step: Step): StepsProps.Step {
  return {
    status: STATUS[step.kind](step),
    statusIconAriaLabel: step.kind,
    header: headline(step),
    details: details(step),
    annotation: <Box variant="small">{formatTime(step.at)}</Box>,
  };
}

const STATUS: Record<Step['kind'], (step: Step) => StepsProps.Status> = {
  received: () => 'info',
  delivered: () => 'success',
  deferred: () => 'pending',
  // A failure with a next try is a warning; one without is where the event stopped.
  failed: (step) => (step.next ? 'warning' : 'error'),
  'dead-lettered': () => 'error',
};

function headline(step: Step): string {
  const destination = step.destinationId
    ? `${step.destinationId}${step.destinationType ? ` (${step.destinationType})` : ''}`
    : 'a destination';
  const code = step.errorCode ? `: ${step.errorCode}` : '';
  switch (step.kind) {
    case 'received':
      return step.redriven ? 'Received again, redriven from the dead letters' : 'Received';
    case 'delivered':
      return `Delivered to ${destination}`;
    case 'deferred':
      return `Deferred for ${destination}${code}`;
    case 'failed':
      return `Failed at ${destination}${code}`;
    case 'dead-lettered':
      return `Dead-lettered for ${destination}${code}`;
  }
}

function details(step: Step): string | undefined {
  const parts = [
    step.attempt !== undefined && `Attempt ${step.attempt}`,
    step.errorMessage,
    step.next && `Next: ${step.next}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
