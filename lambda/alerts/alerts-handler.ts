import { gunzipSync } from 'node:zlib';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import type { AlertNotifier } from './alert-notifier';
import { alertCandidates, type LogFields } from './alert-rules';

/** The JSON fields of each log event: lines that are not JSON are skipped. */
export function decodeLogEvents(event: CloudWatchLogsEvent): LogFields[] {
  const data = JSON.parse(
    gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'),
  ) as CloudWatchLogsDecodedData;
  if (data.messageType !== 'DATA_MESSAGE') return [];
  return data.logEvents.flatMap(({ message }) => {
    try {
      const fields = JSON.parse(message) as unknown;
      return fields && typeof fields === 'object' ? [fields as LogFields] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The alerts function, fed by a subscription filter on the dispatcher's log group that passes
 * only the lines that may alert (circuit opened, destination disabled, dead-lettered): it costs
 * nothing per delivered event, and runs only when something went wrong. A publish that fails
 * (the customer's topic or role) is logged and dropped: alerts are advice, never retried into a storm.
 */
export function createAlertsHandler(notifier: AlertNotifier, logger: Logger) {
  return async (event: CloudWatchLogsEvent): Promise<void> => {
    const candidates = alertCandidates(decodeLogEvents(event));
    if (candidates.length === 0) return;
    const outcome = await notifier.notify(candidates);
    logger.info('alerts', { candidates: candidates.length, sent: outcome.sent, quiet: outcome.quiet });
    for (const failure of outcome.failed) logger.warn('alert not published', failure);
  };
}
