import { existsSync, readFileSync } from 'node:fs';
import {
  type DeliveryLogSource,
  type FailureSample,
  failureSampleOf,
} from '../../lambda/control-plane/deliveries/delivery-logs';
import {
  FAILURE_MESSAGES,
  type HealthRow,
  type HealthSeriesRow,
  healthRowsOf,
  healthSeriesOf,
} from '../../lambda/control-plane/deliveries/health';
import { parseLogLines } from '../../lambda/control-plane/deliveries/log-lines';
import type { LogLine } from '../../lambda/control-plane/deliveries/timeline';

/**
 * The local dispatcher's log file as the control plane's delivery log source: the queries the
 * deployed API runs with Logs Insights (`healthQuery`, `failuresQuery`, `eventLinesQuery`),
 * evaluated over the file's lines. Only the local runtime makes one.
 */
export class DispatcherLogFileSource implements DeliveryLogSource {
  constructor(private readonly file: string) {}

  async healthRows(query: { workspaceId: string; fromMs: number; toMs: number }): Promise<HealthRow[]> {
    return healthRowsOf(this.lines(query.fromMs, query.toMs), query.workspaceId);
  }

  async healthSeries(query: {
    workspaceId: string;
    fromMs: number;
    toMs: number;
  }): Promise<HealthSeriesRow[]> {
    return healthSeriesOf(this.lines(query.fromMs, query.toMs), query.workspaceId, query);
  }

  async failures(query: {
    workspaceId: string;
    destinationId: string;
    fromMs: number;
    toMs: number;
    limit: number;
  }): Promise<FailureSample[]> {
    const messages: readonly unknown[] = Object.values(FAILURE_MESSAGES);
    return (
      this.lines(query.fromMs, query.toMs)
        .filter(
          (line) =>
            line.workspaceId === query.workspaceId &&
            line.destinationId === query.destinationId &&
            messages.includes(line.message),
        )
        .reverse()
        // Newest first, as the query sorts (lines are appended in about that order already).
        .sort((a, b) => Date.parse(String(b.timestamp)) - Date.parse(String(a.timestamp)))
        .slice(0, query.limit)
        .flatMap((line) => failureSampleOf(line, String(line.timestamp)) ?? [])
    );
  }

  async eventLines(query: {
    workspaceId: string;
    distinctIdHash: string;
    fromMs: number;
    toMs: number;
  }): Promise<LogLine[]> {
    // As the query filters: the raw line holds the hash and names the workspace.
    const workspace = `"workspaceId":${JSON.stringify(query.workspaceId)}`;
    const text = this.text()
      .split('\n')
      .filter((raw) => raw.includes(query.distinctIdHash) && raw.includes(workspace))
      .join('\n');
    return parseLogLines(text, query.fromMs, query.toMs);
  }

  private text(): string {
    return existsSync(this.file) ? readFileSync(this.file, 'utf8') : '';
  }

  private lines(fromMs: number, toMs: number): LogLine[] {
    return parseLogLines(this.text(), fromMs, toMs);
  }
}
