import { readFileSync } from 'node:fs';
import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogLine } from './timeline';

/** The dispatcher's lines in a local log file (one JSON object per line) since a time. */
export function readLogFile(path: string, sinceMs: number): LogLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((text) => {
      if (!text.trim()) return [];
      try {
        const line = JSON.parse(text) as LogLine;
        return typeof line.timestamp === 'string' && Date.parse(line.timestamp) >= sinceMs ? [line] : [];
      } catch {
        return [];
      }
    });
}

/** Logs Insights returns at most this many lines per query. */
const MAX_LINES = 10_000;

/**
 * The dispatcher's lines that mention this event, since a time, from its log group with
 * CloudWatch Logs Insights (the query is billed by the data it scans: keep `since` short). The
 * lines name an event by its `distinctIdHash` (`lambda/shared/log-ids.ts`), so that is what the
 * query looks for: the distinct id itself is in no line, and leaves this machine in no query.
 */
export async function queryLogGroup(
  logs: CloudWatchLogsClient,
  options: {
    logGroupName: string;
    distinctIdHash: string;
    sinceMs: number;
    nowMs?: number;
    pollIntervalMs?: number;
    timeoutMs?: number;
  },
): Promise<LogLine[]> {
  const now = options.nowMs ?? Date.now();
  const { queryId } = await logs.send(
    new StartQueryCommand({
      logGroupName: options.logGroupName,
      startTime: Math.floor(options.sinceMs / 1000),
      endTime: Math.ceil(now / 1000),
      queryString: [
        'fields @timestamp, @message',
        `| filter @message like "${escapeForQuery(options.distinctIdHash)}"`,
        '| sort @timestamp asc',
        `| limit ${MAX_LINES}`,
      ].join('\n'),
    }),
  );
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const result = await logs.send(new GetQueryResultsCommand({ queryId }));
    if (result.status === 'Complete') {
      return (result.results ?? []).flatMap((fields) => {
        const message = fields.find((f) => f.field === '@message')?.value;
        try {
          return message ? [JSON.parse(message) as LogLine] : [];
        } catch {
          return [];
        }
      });
    }
    if (result.status === 'Failed' || result.status === 'Cancelled' || result.status === 'Timeout') {
      throw new Error(`the Logs Insights query ended ${result.status}`);
    }
    if (Date.now() > deadline) {
      await logs.send(new StopQueryCommand({ queryId })).catch(() => undefined);
      throw new Error('the Logs Insights query did not finish in time: search a shorter --since');
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 1_000));
  }
}

/** A string literal inside a Logs Insights query's double quotes. */
export const escapeForQuery = (text: string): string => text.replace(/[\\"]/g, (c) => `\\${c}`);
