import Box from '@cloudscape-design/components/box';
import ContentLayout from '@cloudscape-design/components/content-layout';
import Header from '@cloudscape-design/components/header';
import SpaceBetween from '@cloudscape-design/components/space-between';
import Spinner from '@cloudscape-design/components/spinner';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import Tabs from '@cloudscape-design/components/tabs';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import { useApi } from '../../api/api-context';
import { call } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useWorkspace } from '../../workspace/workspace-context';
import { DeadLetterTable } from '../dead-letters/dead-letter-table';
import { ConfigurationTab } from './configuration-tab';
import { DeleteDestinationButton } from './delete-destination';
import { DRAFT_STATUS_TEXT, draftStatus } from './destination-status';
import { DestinationSwitchButton } from './destination-switch';
import { FailuresTab } from './failures-tab';
import { HealthTab } from './health-tab';
import { MappingTab } from './mapping/mapping-tab';
import type { TimeWindow } from './time-window';

/** One destination: its settings, health, failures, dead letters and mapping, on tabs. */
export function DestinationPage() {
  const { destination = '' } = useParams();
  const { workspace } = useWorkspace();
  const [timeWindow, setTimeWindow] = useState<TimeWindow>('day');
  const view = useApi(
    (api) =>
      call(
        api.GET('/v1/workspaces/{workspace}/destinations/{destination}', {
          params: { path: { workspace, destination } },
        }),
      ),
    [workspace, destination],
  );
  // Loaded here, not on the Health tab: the header shows the circuit and disabled state too.
  const health = useApi(
    (api) =>
      call(
        api.GET('/v1/workspaces/{workspace}/health', {
          params: { path: { workspace }, query: { window: timeWindow } },
        }),
      ),
    [workspace, timeWindow],
  );

  if (view.error)
    return (
      <Box padding="l">
        <ApiErrorAlert error={view.error} />
      </Box>
    );
  if (!view.data)
    return (
      <Box padding="xxxl" textAlign="center">
        <Spinner size="large" />
      </Box>
    );
  const shown = view.data;
  const spec = shown.draft ?? shown.live;
  const figures = health.data?.destinations.find((entry) => entry.destinationId === destination);

  return (
    <ContentLayout
      header={
        <Header
          variant="h1"
          description={`${spec?.type ?? ''} destination`}
          info={
            <StatusIndicator type={draftStatus(shown) === 'live' ? 'success' : 'pending'}>
              {DRAFT_STATUS_TEXT[draftStatus(shown)]}
            </StatusIndicator>
          }
          actions={
            <SpaceBetween direction="horizontal" size="xs">
              <DestinationSwitchButton
                destination={destination}
                disabled={health.data ? figures?.disabled != null : undefined}
                onChanged={health.reload}
              />
              <DeleteDestinationButton destination={destination} inDraft={shown.draft !== null} />
            </SpaceBetween>
          }
        >
          {destination}
        </Header>
      }
    >
      <SpaceBetween size="l">
        {figures?.disabled && (
          <StatusIndicator type="error">
            Disabled: its events are dead-lettered with DestinationDisabled
          </StatusIndicator>
        )}
        {figures && !figures.disabled && figures.circuit.state !== 'closed' && (
          <StatusIndicator type="warning">{`Circuit ${figures.circuit.state}: deliveries are paused and retried`}</StatusIndicator>
        )}
        <Tabs
          ariaLabel="Destination"
          tabs={[
            {
              id: 'configuration',
              label: 'Configuration',
              content: <ConfigurationTab view={shown} disabled={figures?.disabled} onChanged={view.reload} />,
            },
            {
              id: 'health',
              label: 'Health',
              content: (
                <HealthTab
                  destination={destination}
                  health={health}
                  window={timeWindow}
                  onWindowChange={setTimeWindow}
                />
              ),
            },
            {
              id: 'failures',
              label: 'Failures',
              content: (
                <FailuresTab destination={destination} window={timeWindow} onWindowChange={setTimeWindow} />
              ),
            },
            {
              id: 'dead-letters',
              label: 'Dead letters',
              content: <DeadLetterTable destination={destination} title={`Dead letters of ${destination}`} />,
            },
            {
              id: 'mapping',
              label: 'Mapping',
              content: <MappingTab destination={destination} view={shown} />,
            },
          ]}
        />
      </SpaceBetween>
    </ContentLayout>
  );
}
