import BarChart from '@cloudscape-design/components/bar-chart';
import Box from '@cloudscape-design/components/box';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import Container from '@cloudscape-design/components/container';
import Header from '@cloudscape-design/components/header';
import KeyValuePairs from '@cloudscape-design/components/key-value-pairs';
import LineChart from '@cloudscape-design/components/line-chart';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator, { type StatusIndicatorProps } from '@cloudscape-design/components/status-indicator';
import type { Loaded } from '../../api/api-context';
import type { Schemas } from '../../api/client';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatTime } from '../../components/time';
import { type TimeWindow, TimeWindowControl } from './time-window';

type Health = Schemas['DestinationHealth'];
type Bucket = Schemas['HealthBucket'];

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
 * Delivery health over a window, as the API reads it from the dispatcher's logs: deliveries and
 * failures over time (the API's 12 buckets), totals for the window, failures by code, latency and
 * the circuit.
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
        {figures && <HealthFigures figures={figures} window={window} />}
      </SpaceBetween>
    </Container>
  );
}

/** A point of the series per this long (the API splits each window in 12). */
const BUCKET: Record<TimeWindow, string> = { hour: '5 minutes', day: '2 hours', week: '14 hours' };

/** The series as the chart draws it: a line per outcome, a point per bucket (none: nothing happened). */
function seriesLines(buckets: readonly Bucket[]) {
  const outcomes = [
    { title: 'Delivered', y: (bucket: Bucket) => bucket.delivered },
    { title: 'Failed', y: (bucket: Bucket) => bucket.failed },
    { title: 'Dead-lettered', y: (bucket: Bucket) => bucket.deadLettered },
  ];
  if (buckets.every((bucket) => outcomes.every((outcome) => outcome.y(bucket) === 0))) return [];
  return outcomes.map((outcome) => ({
    title: outcome.title,
    type: 'line' as const,
    data: buckets.map((bucket) => ({ x: new Date(bucket.at), y: outcome.y(bucket) })),
  }));
}

/** A bucket's start on the time axis: the hour within a day, the day and hour within a week. */
const tickFormatter =
  (window: TimeWindow) =>
  (time: Date): string =>
    window === 'week'
      ? time.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
      : time.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

function HealthFigures({ figures, window }: { readonly figures: Health; readonly window: TimeWindow }) {
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
  const lines = seriesLines(figures.series);
  const first = figures.series.at(0);
  const last = figures.series.at(-1);
  return (
    <SpaceBetween size="l">
      <div>
        <Header variant="h3" description={`Events per ${BUCKET[window]}, each point at its start.`}>
          Deliveries over time
        </Header>
        <LineChart
          ariaLabel="Deliveries over time"
          series={lines}
          xScaleType="time"
          xDomain={first && last ? [new Date(first.at), new Date(last.at)] : undefined}
          xTitle="Time"
          yTitle="Events"
          i18nStrings={{ xTickFormatter: tickFormatter(window) }}
          height={220}
          hideFilter
          empty={<Box textAlign="center">Nothing delivered or failed in the window</Box>}
        />
      </div>
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
        <div>
          <Header variant="h3">Outcomes in the window</Header>
          <BarChart
            ariaLabel="Outcomes in the window"
            series={
              counts.some((count) => count.y > 0) ? [{ title: 'Events', type: 'bar', data: counts }] : []
            }
            xDomain={counts.map((count) => count.x)}
            xScaleType="categorical"
            xTitle="Outcome"
            yTitle="Events"
            height={220}
            hideFilter
            hideLegend
            empty={<Box textAlign="center">Nothing logged in the window</Box>}
          />
        </div>
        <div>
          <Header variant="h3">Failures by error code</Header>
          <BarChart
            ariaLabel="Failures by error code"
            series={
              codes.length > 0
                ? [
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
                  ]
                : []
            }
            xDomain={codes}
            xScaleType="categorical"
            xTitle="Error code"
            yTitle="Events"
            height={220}
            hideFilter
            empty={<Box textAlign="center">No failures in the window</Box>}
          />
        </div>
      </ColumnLayout>
    </SpaceBetween>
  );
}
