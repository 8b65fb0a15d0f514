import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { distinctIdHash, eventKeyHash } from '../../shared/log-ids';
import {
  type DestinationStatus,
  FAILURE_MESSAGES,
  type HealthRow,
  type HealthSeriesRow,
  type HealthWindow,
  healthQuery,
  healthSeriesQuery,
  parseHealthRows,
  parseHealthSeriesRows,
  summarizeHealth,
  type WorkspaceHealth,
} from './health';
import {
  escapeForQuery,
  eventLinesQuery,
  isoOfInsightsTimestamp,
  linesOfRows,
  queryStrings,
  runQuery,
} from './logs-insights';
import { type LogLine, type Step, traceEvent } from './timeline';

/**
 * Delivery visibility for customers, read from the dispatcher's structured logs at query time,
 * scoped to one workspace: nothing is written per delivered event for it.
 */

export type WindowName = HealthWindow['name'];

export const WINDOW_MS: Record<WindowName, number> = {
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

/** One failed delivery, as the dispatcher logged it: ids and codes, never event content. */
export interface FailureSample {
  at: string;
  /** The event as the logs name it: a hash of the workspace and its `distinct_id`. */
  distinctIdHash: string;
  code: string;
  reason: string | null;
  attempt: number | null;
  /** What came of it: another attempt later, or the dead-letter queue. */
  outcome: 'retry scheduled' | 'redelivered by the queue' | 'dead-lettered';
}

/** Where the dispatcher's lines are read: its log group (Logs Insights), or a local log file. */
export interface DeliveryLogSource {
  /** The health query's rows for one workspace (`healthQuery`). */
  healthRows(query: { workspaceId: string; fromMs: number; toMs: number }): Promise<HealthRow[]>;
  /**
   * The series query's rows for one workspace, bucketed across `fromMs`..`toMs` (`healthSeriesQuery`,
   * `healthSeriesOf`).
   */
  healthSeries(query: { workspaceId: string; fromMs: number; toMs: number }): Promise<HealthSeriesRow[]>;
  /** The latest failure lines of one destination of one workspace, newest first. */
  failures(query: {
    workspaceId: string;
    destinationId: string;
    fromMs: number;
    toMs: number;
    limit: number;
  }): Promise<FailureSample[]>;
  /** The lines naming one event's hash and the workspace (a line may name other workspaces' events too). */
  eventLines(query: {
    workspaceId: string;
    distinctIdHash: string;
    fromMs: number;
    toMs: number;
  }): Promise<LogLine[]>;
}

/** The messages of failure lines and what each says comes next. */
const OUTCOMES: Record<string, FailureSample['outcome']> = {
  [FAILURE_MESSAGES.retryScheduled]: 'retry scheduled',
  [FAILURE_MESSAGES.willRetry]: 'redelivered by the queue',
  [FAILURE_MESSAGES.deadLettered]: 'dead-lettered',
};

/** The failures query: one destination's failure lines in one workspace, newest first, these fields only. */
export function failuresQuery(workspaceId: string, destinationId: string, limit: number): string {
  return [
    `filter workspaceId = "${escapeForQuery(workspaceId)}" and destinationId = "${escapeForQuery(destinationId)}"`,
    `  and message in [${queryStrings(Object.values(FAILURE_MESSAGES))}]`,
    '| fields @timestamp, message, distinctIdHash, errorCode, errorMessage, attempts',
    '| sort @timestamp desc',
    `| limit ${Math.floor(limit)}`,
  ].join('\n');
}

/** A failure line (or a failures query row) as a sample; undefined for a line that names no event. */
export function failureSampleOf(
  fields: Record<string, unknown>,
  at: string | undefined,
): FailureSample | undefined {
  const outcome = OUTCOMES[String(fields.message)];
  if (!outcome || !at || typeof fields.distinctIdHash !== 'string' || !fields.distinctIdHash)
    return undefined;
  const attempt = Number(fields.attempts);
  return {
    at,
    distinctIdHash: fields.distinctIdHash,
    code: typeof fields.errorCode === 'string' && fields.errorCode ? fields.errorCode : 'UnknownError',
    reason: typeof fields.errorMessage === 'string' && fields.errorMessage ? fields.errorMessage : null,
    attempt:
      fields.attempts !== undefined && fields.attempts !== '' && Number.isFinite(attempt) ? attempt : null,
    outcome,
  };
}

/** The dispatcher's log group, read with CloudWatch Logs Insights. */
export class InsightsLogSource implements DeliveryLogSource {
  constructor(
    private readonly logs: CloudWatchLogsClient,
    private readonly logGroupName: string,
    /** Under API Gateway's 29 s: a query still running then is stopped. */
    private readonly options: { timeoutMs?: number; pollIntervalMs?: number } = {},
  ) {}

  async healthRows(query: { workspaceId: string; fromMs: number; toMs: number }): Promise<HealthRow[]> {
    return parseHealthRows(await this.run(healthQuery(query.workspaceId), query.fromMs, query.toMs));
  }

  async healthSeries(query: {
    workspaceId: string;
    fromMs: number;
    toMs: number;
  }): Promise<HealthSeriesRow[]> {
    return parseHealthSeriesRows(
      await this.run(healthSeriesQuery(query.workspaceId, query), query.fromMs, query.toMs),
    );
  }

  async failures(query: {
    workspaceId: string;
    destinationId: string;
    fromMs: number;
    toMs: number;
    limit: number;
  }): Promise<FailureSample[]> {
    const rows = await this.run(
      failuresQuery(query.workspaceId, query.destinationId, query.limit),
      query.fromMs,
      query.toMs,
    );
    return rows.flatMap((row) => failureSampleOf(row, isoOfInsightsTimestamp(row['@timestamp'])) ?? []);
  }

  async eventLines(query: {
    workspaceId: string;
    distinctIdHash: string;
    fromMs: number;
    toMs: number;
  }): Promise<LogLine[]> {
    return linesOfRows(await this.run(eventLinesQuery(query), query.fromMs, query.toMs));
  }

  private run(queryString: string, startMs: number, endMs: number) {
    return runQuery(this.logs, {
      logGroupName: this.logGroupName,
      queryString,
      startMs,
      endMs,
      timeoutMs: this.options.timeoutMs ?? 20_000,
      pollIntervalMs: this.options.pollIntervalMs ?? 500,
    });
  }
}

/** An event's story within one workspace. */
export interface EventStory {
  workspace: string;
  distinctIdHash: string;
  /** The consumer's name for the event in its logs, when `visitorId` was given. */
  consumerEventKeyHash?: string;
  window: WindowName;
  from: string;
  to: string;
  found: boolean;
  steps: Step[];
}

/** What the API's delivery routes read. */
export interface DeliveryVisibility {
  health(
    workspaceId: string,
    window: WindowName,
    live: readonly { id: string; type: string }[],
  ): Promise<WorkspaceHealth & { generatedAt: string }>;
  failures(
    workspaceId: string,
    destinationId: string,
    options: { window: WindowName; limit: number },
  ): Promise<{ window: WindowName; from: string; to: string; failures: FailureSample[] }>;
  story(
    workspaceId: string,
    distinctId: string,
    options: { window: WindowName; visitorId?: string },
  ): Promise<EventStory>;
}

export interface DeliveryLogsOptions {
  readonly source: DeliveryLogSource;
  /** The status table's items by `workspace/destination`. @default none read: circuits from the logs only */
  readonly statuses?: (keys: readonly string[]) => Promise<ReadonlyMap<string, DestinationStatus>>;
  /**
   * How long a workspace's health rows are served again, per window: a client polling health
   * starts one query per this long, whatever its rate. @default hour 15 s, day 60 s, week 300 s
   */
  readonly cacheMs?: Partial<Record<WindowName, number>>;
  readonly now?: () => number;
}

const DEFAULT_CACHE_MS: Record<WindowName, number> = { hour: 15_000, day: 60_000, week: 300_000 };
/** Workspaces' health rows kept per execution environment. */
const MAX_CACHED = 500;

/**
 * Delivery visibility from the dispatcher's logs: every read is scoped to the workspace in the
 * query itself (the `workspaceId` field), and an event's story is told from the entries of its
 * workspace only, so a hash that collides across workspaces never shows another's lines.
 */
export class DeliveryLogs implements DeliveryVisibility {
  private readonly cache = new Map<string, { at: number; rows: HealthRow[]; series: HealthSeriesRow[] }>();
  private readonly now: () => number;

  constructor(private readonly options: DeliveryLogsOptions) {
    this.now = options.now ?? Date.now;
  }

  async health(
    workspaceId: string,
    window: WindowName,
    live: readonly { id: string; type: string }[],
  ): Promise<WorkspaceHealth & { generatedAt: string }> {
    const now = this.now();
    const key = JSON.stringify([workspaceId, window]);
    let cached = this.cache.get(key);
    if (!cached || now - cached.at > (this.options.cacheMs?.[window] ?? DEFAULT_CACHE_MS[window])) {
      const query = { workspaceId, fromMs: now - WINDOW_MS[window], toMs: now };
      // Two queries at once: the totals, and the same lines per bucket.
      const [rows, series] = await Promise.all([
        this.options.source.healthRows(query),
        this.options.source.healthSeries(query),
      ]);
      cached = { at: now, rows, series };
      this.cache.delete(key);
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, cached);
    }
    const statuses = this.options.statuses
      ? await this.options.statuses(live.map((d) => `${workspaceId}/${d.id}`))
      : undefined;
    return {
      ...summarizeHealth({
        workspaceId,
        window: { name: window, fromMs: cached.at - WINDOW_MS[window], toMs: cached.at },
        rows: cached.rows,
        series: cached.series,
        live,
        statuses,
        now,
      }),
      generatedAt: new Date(cached.at).toISOString(),
    };
  }

  async failures(
    workspaceId: string,
    destinationId: string,
    options: { window: WindowName; limit: number },
  ): Promise<{ window: WindowName; from: string; to: string; failures: FailureSample[] }> {
    const toMs = this.now();
    const fromMs = toMs - WINDOW_MS[options.window];
    const failures = await this.options.source.failures({
      workspaceId,
      destinationId,
      fromMs,
      toMs,
      limit: options.limit,
    });
    return {
      window: options.window,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      failures: failures.slice(0, options.limit),
    };
  }

  async story(
    workspaceId: string,
    distinctId: string,
    options: { window: WindowName; visitorId?: string },
  ): Promise<EventStory> {
    const toMs = this.now();
    const fromMs = toMs - WINDOW_MS[options.window];
    const hash = distinctIdHash(workspaceId, distinctId);
    const lines = await this.options.source.eventLines({ workspaceId, distinctIdHash: hash, fromMs, toMs });
    // Entry by entry, this workspace's only: a line may also name other workspaces' events.
    const [trace] = traceEvent({ distinctId, workspaceId }, lines);
    return {
      workspace: workspaceId,
      distinctIdHash: hash,
      ...(options.visitorId !== undefined && {
        consumerEventKeyHash: eventKeyHash(options.visitorId, distinctId),
      }),
      window: options.window,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      found: (trace?.steps.length ?? 0) > 0,
      steps: [...(trace?.steps ?? [])],
    };
  }
}

/** Delivery visibility was not configured in this deployment (no dispatcher log group given). */
export class DeliveryLogsUnavailableError extends Error {
  constructor() {
    super('delivery visibility is not set up in this deployment: the API was given no dispatcher log group');
    this.name = 'DeliveryLogsUnavailableError';
  }
}

/** What the routes read when the control plane was deployed without the dispatcher's log group. */
export const UNAVAILABLE_DELIVERIES: DeliveryVisibility = {
  health: () => Promise.reject(new DeliveryLogsUnavailableError()),
  failures: () => Promise.reject(new DeliveryLogsUnavailableError()),
  story: () => Promise.reject(new DeliveryLogsUnavailableError()),
};
