import SegmentedControl from '@cloudscape-design/components/segmented-control';

/** How far back the delivery logs are read: the API's windows. */
export type TimeWindow = 'hour' | 'day' | 'week';

const OPTIONS: { id: TimeWindow; text: string }[] = [
  { id: 'hour', text: 'Last hour' },
  { id: 'day', text: 'Last day' },
  { id: 'week', text: 'Last week' },
];

export function TimeWindowControl({
  value,
  onChange,
}: {
  readonly value: TimeWindow;
  readonly onChange: (window: TimeWindow) => void;
}) {
  return (
    <SegmentedControl
      label="Time window"
      selectedId={value}
      options={OPTIONS}
      onChange={({ detail }) => onChange(detail.selectedId as TimeWindow)}
    />
  );
}
