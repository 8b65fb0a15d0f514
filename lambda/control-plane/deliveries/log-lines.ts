import { readFileSync } from 'node:fs';
import type { LogLine } from './timeline';

/** The lines of a log file (one JSON object per line) written since a time; others skipped. */
export function parseLogLines(text: string, sinceMs: number, untilMs = Number.POSITIVE_INFINITY): LogLine[] {
  return text.split('\n').flatMap((raw) => {
    if (!raw.trim()) return [];
    try {
      const line = JSON.parse(raw) as LogLine;
      if (typeof line.timestamp !== 'string') return [];
      const at = Date.parse(line.timestamp);
      return at >= sinceMs && at <= untilMs ? [line] : [];
    } catch {
      return [];
    }
  });
}

/** The dispatcher's lines in a local log file (one JSON object per line) since a time. */
export function readLogFile(path: string, sinceMs: number): LogLine[] {
  return parseLogLines(readFileSync(path, 'utf8'), sinceMs);
}
