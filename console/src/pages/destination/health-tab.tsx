import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { Loaded } from '../../api/api-context';
import type { Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatTime } from '../../components/time';
import { type TimeWindow, TimeWindowControl } from './time-window';

type Health = Schemas['DestinationHealth'];

const CIRCUIT: Record<Health['circuit']['state'], { type: StatusIndicatorProps.Type; text: string }> = {
  closed: { type: 'success', text: 'Closed: delivering' },
  'half-open': { type: 'in-progress', text: 'Half-open: probing' },
  open: { type: 'error', text: 'Open: deliveries paused' },
};

/** A latency bucket as a range: the API gives the histogram bucket that holds the percentile. */
export function latencyText(range: Schemas['LatencyRange'] | null): string {
  if (!range) return 'Nothing delivered';
  const ms = (value: number) => (value >= 1000 ? `${value / 1000} s` : `${value} ms`);
  return range.toMs === null ? `over ${ms(range.fromMs)}` : `${ms(range.fromMs)} to ${ms(range.toMs)}`;
}

/**
 * Delivery health over a window, as the API reads it from the dispatcher's logs: totals for the
 * window (the API gives no series over time), failures by code, latency and the circuit.
 */
export function HealthTab({
  destination,
  health,
  window,
  onWindowChange,
}: {
  readonly destination: string;
  readonly health: Loaded<Schemas['WorkspaceHealth']>;
  readonly window: TimeWindow;
  readonly onWindowChange: (window: TimeWindow) => void;
}) {
  const figures = health.data?.destinations.find((entry) => entry.destinationId === destination);
  return (
    <Container
      header={
        <Header
          variant="h2"
          description={
            health.data
              ? `Read from the delivery logs at ${formatTime(health.data.generatedAt)}, for ${formatTime(health.data.from)} to ${formatTime(health.data.to)}.`
              : 'Read from the delivery logs.'
          }
          actions={<TimeWindowControl value={window} onChange={onWindowChange} />}
        >
          Delivery health
        </Header>
      }
    >
      <SpaceBetween size="l">
        <ApiErrorAlert error={health.error} />
        {health.loading && !health.data && (
          <StatusIndicator type="loading">Reading the delivery logs</StatusIndicator>
        )}
        {health.data && !figures && (
          <Box variant="p">
            Nothing was logged for it in the last {window}: it is not live, or no event was routed to it.
          </Box>
        )}
        {figures && <HealthFigures figures={figures} />}
      </SpaceBetween>
    </Container>
  );
}

function HealthFigures({ figures }: { readonly figures: Health }) {
  const circuit = CIRCUIT[figures.circuit.state];
  const counts = [
    { x: 'Delivered', y: figures.delivered },
    { x: 'Failed', y: figures.failed.total },
    { x: 'Retried', y: figures.retriesScheduled },
    { x: 'Dead-lettered', y: figures.deadLettered.total },
    { x: 'Blocked by consent', y: figures.blockedByConsent },
  ];
  const codes = [
    ...new Set([...Object.keys(figures.failed.byCode), ...Object.keys(figures.deadLettered.byCode)]),
  ].sort();
  return (
    <SpaceBetween size="l">
      <KeyValuePairs
        columns={4}
        items={[
          { label: 'Delivered', value: figures.delivered },
          { label: 'Failed', value: figures.failed.total },
          { label: 'Retries scheduled', value: figures.retriesScheduled },
          { label: 'Dead-lettered', value: figures.deadLettered.total },
          { label: 'Blocked by consent', value: figures.blockedByConsent },
          { label: 'Offloaded (too large)', value: figures.offloaded },
          { label: 'Latency p50', value: latencyText(figures.latencyMs.p50) },
          { label: 'Latency p99', value: latencyText(figures.latencyMs.p99) },
          {
            label: 'Circuit',
            value: (
              <StatusIndicator type={circuit.type}>
                {circuit.text}
                {figures.circuit.reason ? ` (${figures.circuit.reason})` : ''}
              </StatusIndicator>
            ),
          },
          { label: 'Circuit opened in window', value: figures.circuit.openedInWindow },
          { label: 'Failing since', value: formatTime(figures.circuit.failingSince) },
          {
            label: 'Disabled',
            value: figures.disabled ? (
              <StatusIndicator type="error">{`Since ${formatTime(figures.disabled.at)}: ${figures.disabled.reason}`}</StatusIndicator>
            ) : (
              'No'
            ),
          },
          { label: 'Last success', value: formatTime(figures.lastSuccessAt) },
          {
            label: 'Last failure',
            value: figures.lastFailure
              ? `${formatTime(figures.lastFailure.at)}: ${figures.lastFailure.code}${figures.lastFailure.reason ? `, ${figures.lastFailure.reason}` : ''}`
              : '-',
          },
        ]}
      />
      <ColumnLayout columns={2}>
        <BarChart
          ariaLabel="Deliveries in the window"
          series={[{ title: 'Events', type: 'bar', data: counts }]}
          xDomain={counts.map((count) => count.x)}
          xScaleType="categorical"
          xTitle="Outcome"
          yTitle="Events"
          height={220}
          hideFilter
          hideLegend
          empty={<Box textAlign="center">Nothing logged</Box>}
        />
        <BarChart
          ariaLabel="Failures by error code"
          series={[
            {
              title: 'Failed',
              type: 'bar',
              data: codes.map((code) => ({ x: code, y: figures.failed.byCode[code] ?? 0 })),
            },
            {
              title: 'Dead-lettered',
              type: 'bar',
              data: codes.map((code) => ({ x: code, y: figures.deadLettered.byCode[code] ?? 0 })),
            },
          ]}
          xDomain={codes}
          xScaleType="categorical"
          xTitle="Error code"
          yTitle="Events"
          height={220}
          hideFilter
          empty={<Box textAlign="center">No failures in the window</Box>}
        />
      </ColumnLayout>
    </SpaceBetween>
  );
}
