import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { batchedIngestCost } from '../../bench/cost';
import {
  BATCHED_COST_GOAL,
  type BatchedCostInput,
  batchedCostRows,
  batchedCostSection,
  GENERATED_MARKER,
  withGeneratedSection,
} from '../../bench/performance-page';

describe('withGeneratedSection', () => {
  it('replaces only what follows the marker, keeping the measured sections before it', () => {
    // Prepare
    const page = `# Performance\n\n## The local demo\n\nkept\n\n${GENERATED_MARKER}\n\n## Old report\n\nstale\n`;

    // Act
    const written = withGeneratedSection(page, '## The throughput benchmark: how it runs\n\nnew\n');

    // Assess
    expect(written).toBe(
      `# Performance\n\n## The local demo\n\nkept\n\n${GENERATED_MARKER}\n\n## The throughput benchmark: how it runs\n\nnew\n`,
    );
  });

  it('refuses a page without the marker rather than overwrite it', () => {
    expect(() => withGeneratedSection('# Performance\n\nhand-written\n', 'report')).toThrow(/no marker line/);
  });

  it('finds the marker once in docs/performance.md', () => {
    // Prepare
    const page = readFileSync(path.join(__dirname, '..', '..', 'docs', 'performance.md'), 'utf8');

    // Act
    const occurrences = page.split(GENERATED_MARKER).length - 1;

    // Assess
    expect(occurrences).toBe(1);
    expect(page.indexOf('## The local demo')).toBeLessThan(page.indexOf(GENERATED_MARKER));
  });
});

describe('the batched ingest cost rows', () => {
  const measured = (deliveriesPerSecond: number) => ({
    deliveriesPerSecond,
    snsStandardCallsPerDelivery: 0.1,
    snsFifoCallsPerDelivery: 0,
    lambdaCallsPerDelivery: 0,
  });
  const topic = { snsStandard: 1, snsFifo: 0, lambda: 0 };
  const six = { snsStandard: 1, snsFifo: 1, lambda: 1, kinesis: 1, eventBridge: 1, sqsStandard: 1 };
  // What the cost table gives dispatcherCost: per scenario, one input per benchmark batch size.
  const inputs: BatchedCostInput[] = [
    {
      scenario: 'SNS standard',
      cost: { destinations: topic, batchSize: 100, messageBytes: 289 },
      measured: measured(1_550),
    },
    {
      scenario: 'SNS standard',
      cost: { destinations: topic, batchSize: 10, messageBytes: 289 },
      measured: measured(400),
    },
    {
      scenario: 'all six',
      cost: { destinations: six, batchSize: 100, messageBytes: 289 },
      measured: measured(2_070),
    },
    {
      scenario: 'all six',
      cost: { destinations: six, batchSize: 10, messageBytes: 289 },
      measured: measured(1_000),
    },
  ];

  it("costs each scenario at 1, 10 and 100 events per message, with the time measured at the batch size nearest each invocation's events", () => {
    // Act
    const rows = batchedCostRows(inputs);

    // Assess: 10 events per invocation at 1 per message (batch 10 measured); 100 and 1,000 (batch 100).
    expect(rows.map((r) => r.scenario)).toEqual(['SNS standard', 'all six']);
    const [topicRow] = rows;
    expect(topicRow.byEventsPerMessage.map((c) => c.eventsPerMessage)).toEqual([1, 10, 100]);
    const expected = [
      batchedIngestCost(inputs[1].cost, inputs[1].measured, 1),
      batchedIngestCost(inputs[0].cost, inputs[0].measured, 10),
      batchedIngestCost(inputs[0].cost, inputs[0].measured, 100),
    ];
    expect(topicRow.byEventsPerMessage.map((c) => c.cost)).toEqual(expected);
  });

  it('renders a row per scenario and says where the goal at 100 events per message is met', () => {
    // Act
    const section = batchedCostSection(inputs);

    // Assess
    const rows = batchedCostRows(inputs);
    const platform = (row: number, column: number) =>
      `$${rows[row].byEventsPerMessage[column].cost.platform.toFixed(3)}`;
    expect(section).toMatch(/^### Batched ingest messages/);
    expect(section).toContain(`| SNS standard | ${platform(0, 0)} | ${platform(0, 1)} | ${platform(0, 2)} |`);
    expect(rows[0].byEventsPerMessage[2].cost.platform).toBeLessThanOrEqual(BATCHED_COST_GOAL);
    expect(rows[1].byEventsPerMessage[2].cost.platform).toBeGreaterThan(BATCHED_COST_GOAL);
    expect(section).toContain('is met in 1 of 2 scenarios; not in all six ($');
    const metAt289 = batchedCostRows(inputs, 289).filter(
      (row) => row.byEventsPerMessage[2].cost.platform <= BATCHED_COST_GOAL,
    ).length;
    expect(section).toContain(`with the benchmark's own events, in ${metAt289} of 2.`);
    expect(section).toContain('events of\n1,024 bytes in the queue');
    expect(section).toContain("the benchmark's are about 289 bytes");
  });

  it('renders nothing without inputs', () => {
    expect(batchedCostSection([])).toBe('');
  });
});
