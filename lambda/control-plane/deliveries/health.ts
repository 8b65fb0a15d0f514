import {
  DESTINATION_SUMMARY,
  ERROR_CODES,
  LATENCY_BOUNDS_MS,
  LATENCY_BUCKETS,
} from '../../shared/delivery-summary';
import { escapeForQuery, queryStrings } from './logs-insights';
import type { LogLine } from './timeline';

/**
 * A workspace's delivery health, from the dispatcher's log lines: one Logs Insights query
 * aggregates them (`healthQuery`), or the same aggregation runs over a local log file
 * (`healthRowsOf`); both give `HealthRow`s. A second query counts the same lines per time bucket
 * (`healthSeriesQuery`, or `healthSeriesOf` locally) as `HealthSeriesRow`s. `summarizeHealth`
 * turns both into the answer.
 */

/** The failure lines: one per failed delivery that gets another attempt, one per dead letter. */
export const FAILURE_MESSAGES = {
  retryScheduled: 'delivery failed, retry scheduled',
  willRetry: 'delivery failed, will retry',
  deadLettered: 'dead-lettered',
} as const;

/** Circuit breaker transitions, as the dispatcher logs them (per execution environment). */
export const CIRCUIT_MESSAGES = {
  open: 'circuit opened: deliveries deferred',
  'half-open': 'circuit half-open: probing',
  closed: 'circuit closed',
} as const;

export type CircuitState = keyof typeof CIRCUIT_MESSAGES;

/** Every line the health query reads. */
export const HEALTH_MESSAGES: readonly string[] = [
  DESTINATION_SUMMARY,
  ...Object.values(FAILURE_MESSAGES),
  ...Object.values(CIRCUIT_MESSAGES),
];

/** Lines naming no destination (or no code) are grouped under this. */
export const NONE = '-';

/**
 * One group of lines: a message, a destination and a code (the error code, or the circuit
 * transition's reason), with sums of the summary lines' figures and the latest line's details.
 */
export interface HealthRow {
  readonly message: string;
  readonly destination: string;
  readonly code: string;
  readonly lines: number;
  /** Epoch ms of the group's latest line. */
  readonly lastAt: number;
  /** Epoch ms of the latest summary line with a delivery (summary groups). */
  readonly lastDeliveredAt: number;
  /** The latest line's `errorMessage`. */
  readonly lastReason?: string;
  /** The latest line's `attempts`. */
  readonly lastAttempt?: number;
  readonly delivered: number;
  readonly retried: number;
  readonly blockedByConsent: number;
  readonly offloaded: number;
  readonly failedByCode: Readonly<Record<string, number>>;
  readonly latency: Readonly<Record<string, number>>;
}

/** Query aliases of the summed maps: `failed_Throttled`, `latency_le250`. */
const failedAlias = (code: string) => `failed_${code}`;
const latencyAlias = (bucket: string) => `latency_${bucket}`;

/**
 * The Logs Insights query: the workspace's lines of `HEALTH_MESSAGES` (the workspace filter
 * first, an indexed field: the query scans that workspace's lines only), grouped by message,
 * destination and code, summed. Tens of rows per workspace, whatever the traffic.
 */
export function healthQuery(workspaceId: string): string {
  const sums = [
    // Aliases apart from the fields' own names.
    'sum(delivered) as sumDelivered',
    'sum(retried) as sumRetried',
    'sum(blockedByConsent) as sumBlockedByConsent',
    'sum(offloaded) as sumOffloaded',
    ...ERROR_CODES.map((code) => `sum(failedByCode.${code}) as ${failedAlias(code)}`),
    ...LATENCY_BUCKETS.map((bucket) => `sum(latencyMs.${bucket}) as ${latencyAlias(bucket)}`),
  ];
  return [
    `filter workspaceId = "${escapeForQuery(workspaceId)}" and message in [${queryStrings(HEALTH_MESSAGES)}]`,
    `| fields coalesce(destinationId, "${NONE}") as destination, coalesce(errorCode, reason, "${NONE}") as code,`,
    '    toMillis(@timestamp) as at, least(delivered, 1) * toMillis(@timestamp) as deliveredAt',
    '| stats count(*) as lines, max(at) as lastAt, max(deliveredAt) as lastDeliveredAt,',
    '    latest(errorMessage) as lastReason, latest(attempts) as lastAttempt,',
    `    ${sums.join(',\n    ')}`,
    '  by message, destination, code',
    '| limit 10000',
  ].join('\n');
}

const numberOf = (value: unknown): number => {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
};

/** The health query's rows, as Logs Insights returns them (every value a string), as `HealthRow`s. */
export function parseHealthRows(rows: readonly Record<string, string>[]): HealthRow[] {
  return rows.map((row) => {
    const failedByCode: Record<string, number> = {};
    for (const code of ERROR_CODES) {
      const n = numberOf(row[failedAlias(code)]);
      if (n > 0) failedByCode[code] = n;
    }
    const latency: Record<string, number> = {};
    for (const bucket of LATENCY_BUCKETS) {
      const n = numberOf(row[latencyAlias(bucket)]);
      if (n > 0) latency[bucket] = n;
    }
    const attempt = Number(row.lastAttempt);
    return {
      message: row.message ?? '',
      destination: row.destination || NONE,
      code: row.code || NONE,
      lines: numberOf(row.lines),
      lastAt: numberOf(row.lastAt),
      lastDeliveredAt: numberOf(row.lastDeliveredAt),
      ...(row.lastReason && { lastReason: row.lastReason }),
      ...(row.lastAttempt && Number.isFinite(attempt) && { lastAttempt: attempt }),
      delivered: numberOf(row.sumDelivered),
      retried: numberOf(row.sumRetried),
      blockedByConsent: numberOf(row.sumBlockedByConsent),
      offloaded: numberOf(row.sumOffloaded),
      failedByCode,
      latency,
    };
  });
}

/**
 * The health query evaluated over log lines (the local dispatcher's log file): the same filter,
 * groups and sums, so that the local platform answers as the deployed one does.
 */
export function healthRowsOf(lines: Iterable<LogLine>, workspaceId: string): HealthRow[] {
  type Group = {
    -readonly [K in keyof HealthRow]: HealthRow[K] extends Readonly<Record<string, number>>
      ? Record<string, number>
      : HealthRow[K];
  };
  const groups = new Map<string, Group>();
  for (const line of lines) {
    if (line.workspaceId !== workspaceId || typeof line.message !== 'string') continue;
    if (!HEALTH_MESSAGES.includes(line.message)) continue;
    const destination = typeof line.destinationId === 'string' ? line.destinationId : NONE;
    const codeValue = line.errorCode ?? line.reason;
    const code = typeof codeValue === 'string' ? codeValue : NONE;
    const key = JSON.stringify([line.message, destination, code]);
    let group = groups.get(key);
    if (!group) {
      group = {
        message: line.message,
        destination,
        code,
        lines: 0,
        lastAt: 0,
        lastDeliveredAt: 0,
        delivered: 0,
        retried: 0,
        blockedByConsent: 0,
        offloaded: 0,
        failedByCode: {},
        latency: {},
      };
      groups.set(key, group);
    }
    const at = typeof line.timestamp === 'string' ? Date.parse(line.timestamp) : 0;
    group.lines += 1;
    if (at >= group.lastAt) {
      // `latest()`: the fields of the group's latest line.
      group.lastAt = at;
      group.lastReason = typeof line.errorMessage === 'string' ? line.errorMessage : undefined;
      group.lastAttempt = typeof line.attempts === 'number' ? line.attempts : undefined;
    }
    const delivered = numberOf(line.delivered);
    if (delivered > 0) group.lastDeliveredAt = Math.max(group.lastDeliveredAt, at);
    group.delivered += delivered;
    group.retried += numberOf(line.retried);
    group.blockedByConsent += numberOf(line.blockedByConsent);
    group.offloaded += numberOf(line.offloaded);
    addCounts(group.failedByCode, line.failedByCode, ERROR_CODES);
    addCounts(group.latency, line.latencyMs, LATENCY_BUCKETS);
  }
  return [...groups.values()].map(({ lastReason, lastAttempt, ...group }) => ({
    ...group,
    ...(lastReason !== undefined && { lastReason }),
    ...(lastAttempt !== undefined && { lastAttempt }),
  }));
}

/** Adds a line's counts of known keys (those a query names) to a group's. */
function addCounts(into: Record<string, number>, counts: unknown, keys: readonly string[]): void {
  if (!counts || typeof counts !== 'object') return;
  for (const key of keys) {
    const n = numberOf((counts as Record<string, unknown>)[key]);
    if (n > 0) into[key] = (into[key] ?? 0) + n;
  }
}

/** The series splits the window into this many equal buckets: 5 min for an hour, 2 h for a day, 14 h for a week. */
export const SERIES_BUCKETS = 12;

/** The lines the series counts: deliveries and failures (summary lines), and dead letters. */
export const SERIES_MESSAGES: readonly string[] = [DESTINATION_SUMMARY, FAILURE_MESSAGES.deadLettered];

/** A bucket's length: the window's twelfth (whole milliseconds, so the buckets cover it). */
export const seriesBucketMs = (window: { fromMs: number; toMs: number }): number =>
  Math.max(1, Math.ceil((window.toMs - window.fromMs) / SERIES_BUCKETS));

/**
 * The bucket of a line's time: buckets start at the window's start (not at round times, so that
 * the twelve cover the window exactly and add up to its figures); a line at its very end counts
 * in the last. Undefined outside the window.
 */
export function seriesBucketOf(at: number, window: { fromMs: number; toMs: number }): number | undefined {
  if (!Number.isFinite(at) || at < window.fromMs || at > window.toMs) return undefined;
  return Math.min(SERIES_BUCKETS - 1, Math.floor((at - window.fromMs) / seriesBucketMs(window)));
}

/** One destination's counts in one bucket of the window. */
export interface HealthSeriesRow {
  readonly destination: string;
  /** 0, the oldest, to `SERIES_BUCKETS - 1`. */
  readonly bucket: number;
  /** Summed `delivered` of the summary lines. */
  readonly delivered: number;
  /** Summed `failedByCode` of the summary lines (as `Figures.failed.total` counts). */
  readonly failed: number;
  /** Dead-letter lines. */
  readonly deadLettered: number;
}

/**
 * The series query: the workspace's summary and dead-letter lines (the workspace filter first, as
 * in `healthQuery`: it scans the same lines, no more), per bucket and destination. The bucket is
 * computed from the window's start rather than with `bin()`, whose bins fall on round times: a
 * window that does not start on one would touch thirteen. At most 12 × 2 rows per destination.
 */
export function healthSeriesQuery(workspaceId: string, window: { fromMs: number; toMs: number }): string {
  // Clamped: Logs Insights reads whole seconds, up to a second either side of the window, and the
  // health query counts those lines in its figures too.
  const bucket = `greatest(0, least(floor((toMillis(@timestamp) - ${Math.floor(window.fromMs)}) / ${seriesBucketMs(window)}), ${SERIES_BUCKETS - 1}))`;
  return [
    `filter workspaceId = "${escapeForQuery(workspaceId)}" and message in [${queryStrings(SERIES_MESSAGES)}]`,
    `| fields coalesce(destinationId, "${NONE}") as destination, ${bucket} as bucket`,
    '| stats count(*) as lines, sum(delivered) as sumDelivered,',
    `    ${ERROR_CODES.map((code) => `sum(failedByCode.${code}) as ${failedAlias(code)}`).join(',\n    ')}`,
    '  by bucket, destination, message',
    '| limit 10000',
  ].join('\n');
}

/** Adds one line's (or one query row's) counts to the bucket's row of its destination. */
function addToSeries(
  into: Map<string, HealthSeriesRow>,
  row: Omit<HealthSeriesRow, 'delivered' | 'failed' | 'deadLettered'> &
    Partial<Pick<HealthSeriesRow, 'delivered' | 'failed' | 'deadLettered'>>,
): void {
  const key = JSON.stringify([row.destination, row.bucket]);
  const sum = into.get(key);
  into.set(key, {
    destination: row.destination,
    bucket: row.bucket,
    delivered: (sum?.delivered ?? 0) + (row.delivered ?? 0),
    failed: (sum?.failed ?? 0) + (row.failed ?? 0),
    deadLettered: (sum?.deadLettered ?? 0) + (row.deadLettered ?? 0),
  });
}

/** The series query's rows (every value a string), as one `HealthSeriesRow` per destination and bucket. */
export function parseHealthSeriesRows(rows: readonly Record<string, string>[]): HealthSeriesRow[] {
  const series = new Map<string, HealthSeriesRow>();
  for (const row of rows) {
    const bucket = Number(row.bucket);
    if (!row.bucket || !Number.isInteger(bucket) || bucket < 0 || bucket >= SERIES_BUCKETS) continue;
    const destination = row.destination || NONE;
    if (row.message === FAILURE_MESSAGES.deadLettered)
      addToSeries(series, { destination, bucket, deadLettered: numberOf(row.lines) });
    else if (row.message === DESTINATION_SUMMARY)
      addToSeries(series, {
        destination,
        bucket,
        delivered: numberOf(row.sumDelivered),
        failed: ERROR_CODES.reduce((n, code) => n + numberOf(row[failedAlias(code)]), 0),
      });
  }
  return [...series.values()];
}

/** The series query evaluated over log lines (the local dispatcher's log file): the same filter and buckets. */
export function healthSeriesOf(
  lines: Iterable<LogLine>,
  workspaceId: string,
  window: { fromMs: number; toMs: number },
): HealthSeriesRow[] {
  const series = new Map<string, HealthSeriesRow>();
  for (const line of lines) {
    if (line.workspaceId !== workspaceId || typeof line.message !== 'string') continue;
    if (!SERIES_MESSAGES.includes(line.message)) continue;
    const bucket = seriesBucketOf(
      typeof line.timestamp === 'string' ? Date.parse(line.timestamp) : Number.NaN,
      window,
    );
    if (bucket === undefined) continue;
    const destination = typeof line.destinationId === 'string' ? line.destinationId : NONE;
    if (line.message === FAILURE_MESSAGES.deadLettered) {
      addToSeries(series, { destination, bucket, deadLettered: 1 });
    } else {
      const failed: Record<string, number> = {};
      addCounts(failed, line.failedByCode, ERROR_CODES);
      addToSeries(series, {
        destination,
        bucket,
        delivered: numberOf(line.delivered),
        failed: Object.values(failed).reduce((a, b) => a + b, 0),
      });
    }
  }
  return [...series.values()];
}

/** Where a percentile lies: between two bounds of the latency histogram. */
export interface LatencyRange {
  readonly fromMs: number;
  /** Null above the histogram's last bound (a day). */
  readonly toMs: number | null;
}

/** A bucket of the series: its start, and what its lines count. */
export interface SeriesPoint {
  at: string;
  delivered: number;
  failed: number;
  deadLettered: number;
}

export interface Figures {
  delivered: number;
  failed: { total: number; byCode: Record<string, number> };
  retriesScheduled: number;
  deadLettered: { total: number; byCode: Record<string, number> };
  blockedByConsent: number;
  offloaded: number;
  latencyMs: { delivered: number; p50: LatencyRange | null; p99: LatencyRange | null };
  lastSuccessAt: string | null;
  lastFailure: { at: string; code: string; reason: string | null; attempt: number | null } | null;
  /** `SERIES_BUCKETS` buckets across the window, oldest first, every one (zeros too). */
  series: SeriesPoint[];
}

export interface CircuitHealth {
  state: CircuitState;
  /** The latest transition in the window, in any execution environment. */
  changedAt: string | null;
  reason: string | null;
  openedInWindow: number;
  /** Since when the destination has failed without a break, from the status table. */
  failingSince: string | null;
}

export interface DestinationHealth extends Figures {
  destinationId: string;
  type: string | null;
  /** In the workspace's live version (false: logged in the window, removed since). */
  live: boolean;
  circuit: CircuitHealth;
  disabled: { at: string; reason: string } | null;
}

export interface HealthWindow {
  readonly name: 'hour' | 'day' | 'week';
  readonly fromMs: number;
  readonly toMs: number;
}

export interface WorkspaceHealth {
  workspace: string;
  window: HealthWindow['name'];
  from: string;
  to: string;
  totals: Figures;
  destinations: DestinationHealth[];
}

/** What the status table holds of a destination (see `DynamoDbDisabledDestinations`). */
export interface DestinationStatus {
  readonly failingSince: number | null;
  readonly lastFailureAt: number | null;
  readonly lastErrorCode: string | null;
  readonly disabledAt: number | null;
  readonly disabledReason: string | null;
}

/** A status table's failure report older than this is over (`maxReportGapFor` the default breaker). */
export const FAILURE_REPORT_STALE_MS = 15 * 60_000;

const isoOrNull = (ms: number | null | undefined): string | null => (ms ? new Date(ms).toISOString() : null);

/**
 * The answer: each live destination (and any other the window's lines name), and the workspace's
 * totals over every line (destinations removed since and letters that name no destination too).
 */
export function summarizeHealth(input: {
  workspaceId: string;
  window: HealthWindow;
  rows: readonly HealthRow[];
  /** The series rows of the same window. */
  series: readonly HealthSeriesRow[];
  live: readonly { id: string; type: string }[];
  statuses?: ReadonlyMap<string, DestinationStatus>;
  now?: number;
}): WorkspaceHealth {
  const { workspaceId, window, live } = input;
  const now = input.now ?? Date.now();
  // Circuit lines name destinations `workspace/destination`.
  const prefix = `${workspaceId}/`;
  const destinationOf = (row: { readonly destination: string }) =>
    row.destination.startsWith(prefix) ? row.destination.slice(prefix.length) : row.destination;
  const byDestination = new Map<string, HealthRow[]>();
  for (const row of input.rows) {
    const id = destinationOf(row);
    if (id === NONE) continue;
    byDestination.set(id, [...(byDestination.get(id) ?? []), row]);
  }
  const seriesByDestination = new Map<string, HealthSeriesRow[]>();
  for (const row of input.series) {
    const id = destinationOf(row);
    seriesByDestination.set(id, [...(seriesByDestination.get(id) ?? []), row]);
  }
  const types = new Map<string, string>(live.map((d) => [d.id, d.type]));
  const ids = [...new Set([...live.map((d) => d.id), ...byDestination.keys()])];
  const destinations = ids.map((id): DestinationHealth => {
    const rows = byDestination.get(id) ?? [];
    const status = input.statuses?.get(`${workspaceId}/${id}`);
    return {
      destinationId: id,
      type: types.get(id) ?? null,
      live: types.has(id),
      ...figuresOf(rows, seriesByDestination.get(id) ?? [], window),
      circuit: circuitOf(rows, status, now),
      disabled:
        status?.disabledAt != null
          ? { at: new Date(status.disabledAt).toISOString(), reason: status.disabledReason ?? 'disabled' }
          : null,
    };
  });
  return {
    workspace: workspaceId,
    window: window.name,
    from: new Date(window.fromMs).toISOString(),
    to: new Date(window.toMs).toISOString(),
    totals: figuresOf(input.rows, input.series, window),
    destinations,
  };
}

const isFailure = (message: string) => (Object.values(FAILURE_MESSAGES) as string[]).includes(message);

/** The figures of a set of rows (one destination's, or the workspace's). */
function figuresOf(
  rows: readonly HealthRow[],
  seriesRows: readonly HealthSeriesRow[],
  window: HealthWindow,
): Figures {
  const summaries = rows.filter((r) => r.message === DESTINATION_SUMMARY);
  const letters = rows.filter((r) => r.message === FAILURE_MESSAGES.deadLettered);
  const failedByCode: Record<string, number> = {};
  const latency: Record<string, number> = {};
  for (const row of summaries) {
    for (const [code, n] of Object.entries(row.failedByCode))
      failedByCode[code] = (failedByCode[code] ?? 0) + n;
    for (const [bucket, n] of Object.entries(row.latency)) latency[bucket] = (latency[bucket] ?? 0) + n;
  }
  const deadByCode: Record<string, number> = {};
  for (const row of letters) deadByCode[row.code] = (deadByCode[row.code] ?? 0) + row.lines;
  const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
  const lastDeliveredAt = Math.max(0, ...summaries.map((r) => r.lastDeliveredAt));
  const lastFailure = rows
    .filter((r) => isFailure(r.message))
    .reduce<HealthRow | undefined>(
      (latest, r) => (!latest || r.lastAt > latest.lastAt ? r : latest),
      undefined,
    );
  const delivered = sum(Object.values(latency));
  return {
    delivered: sum(summaries.map((r) => r.delivered)),
    failed: { total: sum(Object.values(failedByCode)), byCode: sorted(failedByCode) },
    retriesScheduled: sum(summaries.map((r) => r.retried)),
    deadLettered: { total: sum(Object.values(deadByCode)), byCode: sorted(deadByCode) },
    blockedByConsent: sum(summaries.map((r) => r.blockedByConsent)),
    offloaded: sum(summaries.map((r) => r.offloaded)),
    latencyMs: {
      delivered,
      p50: percentile(latency, 50),
      p99: percentile(latency, 99),
    },
    lastSuccessAt: isoOrNull(lastDeliveredAt),
    lastFailure: lastFailure
      ? {
          at: new Date(lastFailure.lastAt).toISOString(),
          code: lastFailure.code,
          reason: lastFailure.lastReason ?? null,
          attempt: lastFailure.lastAttempt ?? null,
        }
      : null,
    series: seriesOf(seriesRows, window),
  };
}

/** Every bucket of the window, oldest first, with the sums of its rows (zeros where none). */
function seriesOf(rows: readonly HealthSeriesRow[], window: HealthWindow): SeriesPoint[] {
  const size = seriesBucketMs(window);
  const points = Array.from({ length: SERIES_BUCKETS }, (_, bucket) => ({
    at: new Date(window.fromMs + bucket * size).toISOString(),
    delivered: 0,
    failed: 0,
    deadLettered: 0,
  }));
  for (const row of rows) {
    const point = points[row.bucket];
    if (!point) continue;
    point.delivered += row.delivered;
    point.failed += row.failed;
    point.deadLettered += row.deadLettered;
  }
  return points;
}

const sorted = (counts: Record<string, number>): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));

/** The histogram bucket holding the p-th percentile, as the range it spans. */
export function percentile(histogram: Readonly<Record<string, number>>, p: number): LatencyRange | null {
  const counts = LATENCY_BUCKETS.map((bucket) => histogram[bucket] ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil((p / 100) * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= rank)
      return { fromMs: i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1], toMs: LATENCY_BOUNDS_MS[i] ?? null };
  }
  return { fromMs: LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1], toMs: null };
}

/**
 * The circuit as the window's transitions tell it (the latest, in any execution environment:
 * each has a breaker of its own), else as the status table does: failing, reported lately, is
 * open somewhere; otherwise closed.
 */
function circuitOf(
  rows: readonly HealthRow[],
  status: DestinationStatus | undefined,
  now: number,
): CircuitHealth {
  const transitions = rows.filter((r) => (Object.values(CIRCUIT_MESSAGES) as string[]).includes(r.message));
  const latest = transitions.reduce<HealthRow | undefined>(
    (l, r) => (!l || r.lastAt > l.lastAt ? r : l),
    undefined,
  );
  const stateOf = (message: string) =>
    (Object.entries(CIRCUIT_MESSAGES).find(([, m]) => m === message)?.[0] ?? 'closed') as CircuitState;
  const failingLately =
    status?.failingSince != null &&
    status.lastFailureAt != null &&
    now - status.lastFailureAt <= FAILURE_REPORT_STALE_MS;
  return {
    state: latest ? stateOf(latest.message) : failingLately ? 'open' : 'closed',
    changedAt: latest ? new Date(latest.lastAt).toISOString() : null,
    reason: latest
      ? latest.code === NONE
        ? null
        : latest.code
      : failingLately
        ? (status?.lastErrorCode ?? null)
        : null,
    openedInWindow: transitions
      .filter((r) => r.message === CIRCUIT_MESSAGES.open)
      .reduce((n, r) => n + r.lines, 0),
    failingSince: isoOrNull(status?.failingSince),
  };
}
