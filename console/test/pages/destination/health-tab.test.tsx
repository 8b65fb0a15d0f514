import createWrapper, { type ElementWrapper } from '@cloudscape-design/components/test-utils/dom';
import { act, fireEvent, render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../../src/api/client';
import { HealthTab } from '../../../src/pages/destination/health-tab';
import { figures, series } from './fixtures';

/** The Health tab of destination crm over the last day, showing these figures. */
function renderHealthTab(crm: Schemas['DestinationHealth']) {
  const data = {
    workspace: 'ws-1',
    window: 'day',
    from: '2025-06-01T00:00:00Z',
    to: '2025-06-02T00:00:00Z',
    generatedAt: '2025-06-02T00:00:00Z',
    totals: crm,
    destinations: [crm],
  } as Schemas['WorkspaceHealth'];
  const { container } = render(
    <HealthTab
      destination="crm"
      health={{ data, error: undefined, loading: false, reload: () => {} }}
      window="day"
      onWindowChange={() => {}}
    />,
  );
  return createWrapper(container);
}

/** What the chart tells of each point, as a keyboard user reads it: moving along the x axis from the first. */
function readPoints(application: ElementWrapper, popover: () => string | undefined, count: number) {
  act(() => application.focus());
  const read = [popover()];
  for (let i = 1; i < count; i++) {
    act(() => {
      fireEvent.keyDown(application.getElement(), { key: 'ArrowRight', keyCode: 39 });
    });
    read.push(popover());
  }
  return read;
}

describe('HealthTab', () => {
  it('charts delivered, failed and dead-lettered per bucket of the window, on a time axis', () => {
    // Prepare
    const wrapper = renderHealthTab(figures(5) as Schemas['DestinationHealth']);

    // Act
    const chart = wrapper.findLineChart();
    const application = chart?.findApplication();
    if (!chart || !application) throw new Error('no line chart');
    const points = readPoints(
      application,
      () => chart.findDetailPopover()?.findContent()?.getElement().textContent ?? undefined,
      12,
    );

    // Assess
    expect(
      chart
        .findLegend()
        ?.findItems()
        .map((item) => item.getElement().textContent?.trim()),
    ).toEqual(['Delivered', 'Failed', 'Dead-lettered']);
    expect(points).toEqual(
      series(5).map(
        (bucket) => `Delivered${bucket.delivered}Failed${bucket.failed}Dead-lettered${bucket.deadLettered}`,
      ),
    );
    // The time axis's ticks are times of the day, not bucket numbers.
    expect(chart.findXTicks().length).toBeGreaterThan(1);
    expect(chart.findXTicks().every((tick) => /\d{2}:\d{2}/.test(tick.getElement().textContent ?? ''))).toBe(
      true,
    );
  });

  it('titles each chart, and shows empty states instead of bare axes when nothing happened', () => {
    // Prepare
    const quiet: Schemas['DestinationHealth'] = {
      ...(figures(0) as Schemas['DestinationHealth']),
      failed: { total: 0, byCode: {} },
      retriesScheduled: 0,
      deadLettered: { total: 0, byCode: {} },
      blockedByConsent: 0,
      series: series(0).map((bucket) => ({ ...bucket, failed: 0, deadLettered: 0 })),
    };

    // Act
    const wrapper = renderHealthTab(quiet);

    // Assess
    expect(
      wrapper.findAllHeaders().map((header) => header.findHeadingText().getElement().textContent),
    ).toEqual([
      'Delivery health',
      'Deliveries over time',
      'Outcomes in the window',
      'Failures by error code',
    ]);
    expect(wrapper.findLineChart()?.findSeries()).toHaveLength(0);
    expect(wrapper.findLineChart()?.findStatusContainer()?.getElement().textContent).toBe(
      'Nothing delivered or failed in the window',
    );
    expect(
      wrapper
        .findAllBarCharts()
        .map((chart) => [chart.findSeries().length, chart.findStatusContainer()?.getElement().textContent]),
    ).toEqual([
      [0, 'Nothing logged in the window'],
      [0, 'No failures in the window'],
    ]);
  });

  it('charts the figures by outcome and by error code when there are some', () => {
    // Act
    const wrapper = renderHealthTab(figures(5) as Schemas['DestinationHealth']);

    // Assess
    const [outcomes, failures] = wrapper.findAllBarCharts();
    expect(outcomes.findSeries()).toHaveLength(1);
    expect(
      failures
        .findLegend()
        ?.findItems()
        .map((item) => item.getElement().textContent?.trim()),
    ).toEqual(['Failed', 'Dead-lettered']);
  });
});
