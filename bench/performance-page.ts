/** docs/performance.md: part written by hand from measurements elsewhere, part by `npm run bench`. */
import {
  BATCHED_EVENT_BYTES,
  BATCHED_MESSAGES_PER_INVOCATION,
  batchedIngestCost,
  type CostPerMillion,
  type CostScenario,
  EVENTS_PER_MESSAGE,
  ingestRequestsPerEvent,
  type MeasuredApproach,
  PRICES,
} from './cost';

/** Where the page's own sections end and this benchmark's report begins. */
export const GENERATED_MARKER =
  '<!-- Written by `npm run bench` from here to the end: edit bench/throughput.ts, not this. -->';

/**
 * docs/performance.md with its generated part replaced: the sections before the marker (the
 * demo, faults, mapping, isolation) are measured elsewhere and kept as they are.
 */
export function withGeneratedSection(page: string, generated: string): string {
  const at = page.indexOf(GENERATED_MARKER);
  if (at < 0) throw new Error(`docs/performance.md has no marker line: ${GENERATED_MARKER}`);
  return `${page.slice(0, at)}${GENERATED_MARKER}\n\n${generated}`;
}

/** One scenario's cost inputs, as `dispatcherCost` got them for one of the benchmark's batch sizes. */
export interface BatchedCostInput {
  /** The scenario's name in the cost table (`SNS standard`, `all six`, …). */
  readonly scenario: string;
  readonly cost: CostScenario;
  /** The dispatcher's measurement at `cost.batchSize`. */
  readonly measured: MeasuredApproach;
}

/** A scenario's platform cost per million events at each of `EVENTS_PER_MESSAGE`. */
export interface BatchedCostRow {
  readonly scenario: string;
  readonly byEventsPerMessage: { readonly eventsPerMessage: number; readonly cost: CostPerMillion }[];
}

/** The measurement at the batch size nearest (by ratio) to the events an invocation would handle. */
const nearestMeasurement = (
  inputs: readonly BatchedCostInput[],
  eventsPerInvocation: number,
): BatchedCostInput =>
  inputs.reduce((best, input) =>
    Math.abs(Math.log(input.cost.batchSize / eventsPerInvocation)) <
    Math.abs(Math.log(best.cost.batchSize / eventsPerInvocation))
      ? input
      : best,
  );

/**
 * The platform's cost per million events at 1, 10 and 100 events per ingest message, per
 * scenario, from the inputs of the cost table: for each, the dispatcher's time per event is the
 * one measured at the batch size nearest the events it would handle per invocation.
 */
export function batchedCostRows(
  inputs: readonly BatchedCostInput[],
  eventBytes = BATCHED_EVENT_BYTES,
): BatchedCostRow[] {
  const byScenario = new Map<string, BatchedCostInput[]>();
  for (const input of inputs)
    byScenario.set(input.scenario, [...(byScenario.get(input.scenario) ?? []), input]);
  return [...byScenario].map(([scenario, measurements]) => ({
    scenario,
    byEventsPerMessage: EVENTS_PER_MESSAGE.map((eventsPerMessage) => {
      const { cost, measured } = nearestMeasurement(
        measurements,
        eventsPerMessage * BATCHED_MESSAGES_PER_INVOCATION,
      );
      return { eventsPerMessage, cost: batchedIngestCost(cost, measured, eventsPerMessage, { eventBytes }) };
    }),
  }));
}

/** The platform's bill per million events that the issue set for 100 events per message. */
export const BATCHED_COST_GOAL = 0.03;

/**
 * The cost section's part on batched ingest messages: a table of the platform's cost per million
 * events at 1, 10 and 100 events per message, per scenario, what it is made of at 100, and the
 * assumptions. `inputs`: what the cost table gave `dispatcherCost` for the dispatcher, per
 * scenario and batch size.
 */
export function batchedCostSection(inputs: readonly BatchedCostInput[]): string {
  const rows = batchedCostRows(inputs);
  if (rows.length === 0) return '';
  const dollars = (n: number, digits = 3) => `$${n.toFixed(digits)}`;
  const at = (row: BatchedCostRow, n: number) =>
    row.byEventsPerMessage.find((c) => c.eventsPerMessage === n)?.cost as CostPerMillion;
  const hundred = rows.map((row) => ({ scenario: row.scenario, cost: at(row, 100) }));
  const met = hundred.filter((r) => r.cost.platform <= BATCHED_COST_GOAL);
  const missed = hundred.filter((r) => r.cost.platform > BATCHED_COST_GOAL);
  const line = (cost: CostPerMillion, name: string) => dollars(cost.lines[name] ?? 0, 4);
  const table = [
    `| scenario | ${EVENTS_PER_MESSAGE.map((n) => `${n} event${n === 1 ? '' : 's'} per message`).join(' | ')} | at 100: SQS requests / dispatcher requests / dispatcher GB-seconds / KMS |`,
    `| --- | ${EVENTS_PER_MESSAGE.map(() => '---:').join(' | ')} | ---: |`,
    ...rows.map((row) => {
      const cost = at(row, 100);
      const parts = ['SQS requests', 'dispatcher requests', 'dispatcher GB-seconds', 'KMS requests']
        .map((name) => line(cost, name))
        .join(' / ');
      return `| ${row.scenario} | ${row.byEventsPerMessage.map((c) => dollars(c.cost.platform)).join(' | ')} | ${parts} |`;
    }),
  ].join('\n');
  const benchBytes = inputs[0].cost.messageBytes;
  const metAtBenchBytes = batchedCostRows(inputs, benchBytes).filter(
    (row) => at(row, 100).platform <= BATCHED_COST_GOAL,
  ).length;
  const sqs = (eventsPerMessage: number, eventBytes: number) =>
    dollars(
      ingestRequestsPerEvent(eventsPerMessage, eventBytes).total * 1e6 * PRICES.sqsStandardPerRequest,
      4,
    );
  return `### Batched ingest messages

The platform's bill per million events when producers send N events of one workspace in one
ingest message (\`{"workspace_id": …, "events": […]}\`; \`npm run send-test-events -- --batch N\`).
SQS bills each 64 KiB chunk of a payload as a request: the producers' SendMessageBatch (10
messages or 1 MiB a call), the poller's ReceiveMessage (10 messages a call, the same chunks) and
its DeleteMessageBatch (10 messages a request, whatever their size). Assumed: events of
${BATCHED_EVENT_BYTES.toLocaleString('en-US')} bytes in the queue (the benchmark's are about ${benchBytes} bytes: batched, those cost less);
the dispatcher invoked with ${BATCHED_MESSAGES_PER_INVOCATION} messages, so ${BATCHED_MESSAGES_PER_INVOCATION} × N events per invocation; its GB-seconds per
event as measured above at the batch size nearest to that; KMS as above. The destinations'
owners pay what the table above says, whatever the ingest batching.

${table}

At 100 events per message the ingest queue's requests cost ${sqs(100, BATCHED_EVENT_BYTES)} per million events
(${sqs(100, benchBytes)} for the benchmark's events), against ${sqs(1, BATCHED_EVENT_BYTES)} one event per message. The goal
of ${dollars(BATCHED_COST_GOAL, 2)} per million events at 100 events per message is met ${missed.length === 0 ? 'in every scenario' : `in ${met.length} of ${hundred.length} scenarios; not in ${missed.map((r) => `${r.scenario} (${dollars(r.cost.platform, 4)}, of which the dispatcher's time ${line(r.cost, 'dispatcher GB-seconds')})`).join(', ')}`}; with the benchmark's own events, in ${metAtBenchBytes} of ${hundred.length}.
`;
}
