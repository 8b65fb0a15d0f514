import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogLine } from './timeline';

/** Logs Insights returns at most this many rows per query. */
export const MAX_QUERY_ROWS = 10_000;

/** Why a query gave no answer: `busy` (too many queries at once), `timeout`, `failed`. */
export class LogsQueryError extends Error {
  constructor(
    readonly kind: 'busy' | 'timeout' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'LogsQueryError';
  }
}

export interface QueryOptions {
  readonly logGroupName: string;
  readonly queryString: string;
  readonly startMs: number;
  readonly endMs: number;
  /** @default 1000 */
  readonly pollIntervalMs?: number;
  /** How long to wait for the query before stopping it. @default 120 s */
  readonly timeoutMs?: number;
}

/**
 * Runs one CloudWatch Logs Insights query (StartQuery, then GetQueryResults until it completes)
 * and returns its rows as field → value. A query that runs past `timeoutMs` is stopped
 * (StopQuery) rather than left to scan, and billed, for nothing.
 */
export async function runQuery(
  logs: CloudWatchLogsClient,
  options: QueryOptions,
): Promise<Record<string, string>[]> {
  let queryId: string | undefined;
  try {
    ({ queryId } = await logs.send(
      new StartQueryCommand({
        logGroupName: options.logGroupName,
        startTime: Math.floor(options.startMs / 1000),
        endTime: Math.ceil(options.endMs / 1000),
        queryString: options.queryString,
      }),
    ));
  } catch (error) {
    // The account runs a bounded number of queries at once.
    if ((error as Error).name === 'LimitExceededException')
      throw new LogsQueryError('busy', 'too many Logs Insights queries are running: retry in a few seconds');
    throw error;
  }
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const result = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (result.status === 'Complete') {
      return (result.results ?? []).map((fields) =>
        Object.fromEntries(fields.flatMap((f) => (f.field === undefined ? [] : [[f.field, f.value ?? '']]))),
      );
    }
    if (result.status === 'Failed' || result.status === 'Cancelled' || result.status === 'Timeout') {
      throw new LogsQueryError(
        result.status === 'Timeout' ? 'timeout' : 'failed',
        `the Logs Insights query ended ${result.status}`,
      );
    }
    if (Date.now() > deadline) {
      try {
        await logs.send(new StopQueryCommand({ queryId }));
      } catch {
        // Stopping only saves scanning: the answer is the timeout either way.
      }
      throw new LogsQueryError('timeout', 'the Logs Insights query did not finish in time');
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 1_000));
  }
}

/** A string literal inside a Logs Insights query's double quotes. */
export const escapeForQuery = (text: string): string => text.replace(/[\\"]/g, (c) => `\\${c}`);

/** `"a", "b"`: a list of string literals, for `in [...]`. */
export const queryStrings = (values: readonly string[]): string =>
  values.map((v) => `"${escapeForQuery(v)}"`).join(', ');

/**
 * The query for the lines that name one event: those whose text holds its `distinctIdHash`
 * (`lambda/shared/log-ids.ts`), and with `workspaceId`, only lines that also name that workspace
 * (a line that names several workspaces' events is told apart later, entry by entry). The
 * distinct id itself is in no line, and in no query.
 */
export function eventLinesQuery(query: { distinctIdHash: string; workspaceId?: string }): string {
  return [
    'fields @timestamp, @message',
    `| filter @message like "${escapeForQuery(query.distinctIdHash)}"`,
    ...(query.workspaceId
      ? [`| filter @message like "${escapeForQuery(`"workspaceId":${JSON.stringify(query.workspaceId)}`)}"`]
      : []),
    '| sort @timestamp asc',
    `| limit ${MAX_QUERY_ROWS}`,
  ].join('\n');
}

/** The rows of a `fields @timestamp, @message` query as the log lines they hold. */
export function linesOfRows(rows: readonly Record<string, string>[]): LogLine[] {
  return rows.flatMap((row) => {
    const message = row['@message'];
    try {
      return message ? [JSON.parse(message) as LogLine] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The dispatcher's lines that mention this event, since a time, from its log group with
 * CloudWatch Logs Insights (the query is billed by the data it scans: keep `since` short). What
 * `npm run trace` reads.
 */
export async function queryLogGroup(
  logs: CloudWatchLogsClient,
  options: {
    logGroupName: string;
    distinctIdHash: string;
    workspaceId?: string;
    sinceMs: number;
    nowMs?: number;
    pollIntervalMs?: number;
    timeoutMs?: number;
  },
): Promise<LogLine[]> {
  const rows = await runQuery(logs, {
    logGroupName: options.logGroupName,
    queryString: eventLinesQuery(options),
    startMs: options.sinceMs,
    endMs: options.nowMs ?? Date.now(),
    pollIntervalMs: options.pollIntervalMs,
    timeoutMs: options.timeoutMs,
  });
  return linesOfRows(rows);
}

/** Logs Insights gives `@timestamp` as `2026-11-26 01:00:00.100` (UTC): as ISO 8601. */
export function isoOfInsightsTimestamp(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
  return Number.isNaN(Date.parse(iso)) ? undefined : new Date(iso).toISOString();
}
