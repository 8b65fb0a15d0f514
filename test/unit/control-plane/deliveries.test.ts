import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createServices } from '../../../lambda/control-plane/create-services';
import {
  type DeliveryLogSource,
  DeliveryLogs,
  type DeliveryVisibility,
  failuresQuery,
  InsightsLogSource,
} from '../../../lambda/control-plane/deliveries/delivery-logs';
import { readDestinationStatuses } from '../../../lambda/control-plane/deliveries/destination-status';
import {
  type HealthRow,
  type HealthSeriesRow,
  healthQuery,
  healthRowsOf,
  healthSeriesOf,
  healthSeriesQuery,
  parseHealthRows,
  parseHealthSeriesRows,
  percentile,
  seriesBucketMs,
  summarizeHealth,
} from '../../../lambda/control-plane/deliveries/health';
import type { LogLine } from '../../../lambda/control-plane/deliveries/timeline';
import { readControlPlaneEnvironment } from '../../../lambda/control-plane/environment';
import type { ApiRequest } from '../../../lambda/control-plane/http/api-request';
import { handleRequest, routeTable } from '../../../lambda/control-plane/http/router';
import type { WorkspaceRegistry } from '../../../lambda/control-plane/registry/workspace-registry';
import { ROUTES } from '../../../lambda/control-plane/routes';
import {
  EventStorySchema,
  FailuresSchema,
  WorkspaceHealthSchema,
} from '../../../lambda/control-plane/routes/deliveries';
import type { ControlPlaneServices } from '../../../lambda/control-plane/services';
import { dispatchBatch } from '../../../lambda/dispatcher/dispatch-batch';
import { DEFAULT_RETRY_POLICY } from '../../../lambda/dispatcher/settle/retry';
import { ERROR_CODES, LATENCY_BUCKETS } from '../../../lambda/shared/delivery-summary';
import type { Destination } from '../../../lambda/shared/destination-config';
import { distinctIdHash, eventKeyHash } from '../../../lambda/shared/log-ids';
import { capturingLogger } from '../../support/capture-logs';
import {
  everyMessageSent,
  fifoTopicDestination,
  ingestMessage,
  invokeResponsePayload,
  lambdaDestination,
  registryOf,
  sqsRecord,
  standardTopicDestination,
} from '../../support/fixtures';

const WS = 'ws-acme';
const OTHER = 'ws-other';
const NOW = Date.parse('2026-11-26T02:00:00.000Z');
const HOUR = { name: 'hour', fromMs: NOW - 3_600_000, toMs: NOW } as const;

const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);
const logs = mockClient(CloudWatchLogsClient);
const dynamodb = mockClient(DynamoDBClient);

beforeEach(() => {
  for (const mock of [sns, lambda, sqs, logs, dynamodb]) mock.reset();
});

/**
 * The dispatcher's lines for one batch of three events in each of two workspaces with the same
 * destination ids: the function delivers, one topic refuses for good, the other throttles, one
 * destination needs a consent the visitors did not give.
 */
async function dispatcherLines(): Promise<LogLine[]> {
  lambda.on(InvokeCommand).resolves({ StatusCode: 202, Payload: invokeResponsePayload(null) });
  sns
    .on(PublishBatchCommand, { TopicArn: standardTopicDestination.topicArn })
    .rejects(Object.assign(new Error('no'), { name: 'AuthorizationErrorException', $fault: 'client' }));
  sns
    .on(PublishBatchCommand, { TopicArn: fifoTopicDestination.topicArn })
    .rejects(Object.assign(new Error('busy'), { name: 'ThrottledException', $fault: 'client' }));
  sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);
  const consented = {
    ...lambdaDestination,
    id: 'consented-fn',
    requiredConsent: ['marketing'],
  } as Destination;
  const ofWorkspace = (workspaceId: string) =>
    [lambdaDestination, standardTopicDestination, fifoTopicDestination, consented].map((d) => ({
      ...d,
      workspaceId,
    }));
  const captured = capturingLogger();
  await dispatchBatch(
    [WS, OTHER].flatMap((workspaceId) =>
      [1, 2, 3].map((n) =>
        sqsRecord(ingestMessage({ workspaceId, event: { distinct_id: `evt_${n}` } }), {
          sentAt: Date.now() - 1_200,
        }),
      ),
    ),
    {
      registry: registryOf([...ofWorkspace(WS), ...ofWorkspace(OTHER)]),
      clients: { client: (Client) => new Client({ region: 'us-east-1' }) },
      sqs: new SQSClient({ region: 'us-east-1' }),
      deadLetterQueue: { url: 'https://sqs.us-east-1.amazonaws.com/1/dlq', fifo: false },
      logger: captured.logger,
      maxReceiveCount: 5,
      concurrency: 4,
      retry: { ...DEFAULT_RETRY_POLICY, queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/ingest' },
      metrics: { emit: () => {} },
    },
  );
  captured.restore();
  return captured.lines().map((line) => JSON.parse(line) as LogLine);
}

/** A circuit transition as the dispatcher logs it. */
const transition = (at: string, message: string, workspaceId: string, reason: string): LogLine => ({
  timestamp: at,
  message,
  workspaceId,
  destinationId: `${workspaceId}/marketing`,
  reason,
});

/** HealthRows as Logs Insights returns the health query's rows: every value a string, aliases for the sums. */
function asInsightsRows(rows: readonly HealthRow[]): Record<string, string>[] {
  return rows.map((row) => ({
    message: row.message,
    destination: row.destination,
    code: row.code,
    lines: String(row.lines),
    lastAt: String(row.lastAt),
    lastDeliveredAt: String(row.lastDeliveredAt),
    ...(row.lastReason !== undefined && { lastReason: row.lastReason }),
    ...(row.lastAttempt !== undefined && { lastAttempt: String(row.lastAttempt) }),
    sumDelivered: String(row.delivered),
    sumRetried: String(row.retried),
    sumBlockedByConsent: String(row.blockedByConsent),
    sumOffloaded: String(row.offloaded),
    ...Object.fromEntries(Object.entries(row.failedByCode).map(([code, n]) => [`failed_${code}`, String(n)])),
    ...Object.fromEntries(Object.entries(row.latency).map(([bucket, n]) => [`latency_${bucket}`, String(n)])),
  }));
}

describe('healthQuery', () => {
  it('filters on the workspace first (the indexed field), groups by message, destination and code, and sums every code and bucket', () => {
    // Act
    const query = healthQuery(WS);

    // Assess
    expect(query.split('\n')[0]).toBe(
      'filter workspaceId = "ws-acme" and message in ["destination summary", "delivery failed, retry scheduled", "delivery failed, will retry", "dead-lettered", "circuit opened: deliveries deferred", "circuit half-open: probing", "circuit closed"]',
    );
    expect(query).toContain('coalesce(destinationId, "-") as destination');
    expect(query).toContain('coalesce(errorCode, reason, "-") as code');
    expect(query).toContain('by message, destination, code');
    for (const code of ERROR_CODES) expect(query).toContain(`sum(failedByCode.${code}) as failed_${code}`);
    for (const bucket of LATENCY_BUCKETS)
      expect(query).toContain(`sum(latencyMs.${bucket}) as latency_${bucket}`);
    expect(query.length).toBeLessThan(10_000);
  });

  it('escapes the workspace id inside its string literal', () => {
    expect(healthQuery('a"b\\c').split('\n')[0]).toContain('workspaceId = "a\\"b\\\\c"');
  });
});

describe('health from the dispatcher’s lines', () => {
  it('evaluates the health query over lines as Logs Insights would, one workspace only', async () => {
    // Prepare
    const lines = await dispatcherLines();

    // Act
    const rows = healthRowsOf(lines, WS);

    // Assess: what the query's parser makes of the same rows as Logs Insights returns them.
    expect(parseHealthRows(asInsightsRows(rows))).toEqual(rows);
    const summary = (destination: string) =>
      rows.find((r) => r.message === 'destination summary' && r.destination === destination);
    expect(summary('orders-fn')).toMatchObject({ delivered: 3, latency: { le2500: 3 }, code: '-' });
    expect(summary('consented-fn')).toMatchObject({ blockedByConsent: 3, delivered: 0 });
    expect(rows.filter((r) => r.message === 'dead-lettered')).toEqual([
      expect.objectContaining({ destination: 'marketing', code: 'AccessDenied', lines: 3, lastAttempt: 1 }),
    ]);
    expect(rows.find((r) => r.message === 'delivery failed, retry scheduled')).toMatchObject({
      destination: 'orders-fifo',
      code: 'Throttled',
      lines: 1,
    });
    // The other workspace's lines (same destination ids, same events) count for it alone.
    expect(healthRowsOf(lines, OTHER).find((r) => r.destination === 'orders-fn')?.delivered).toBe(3);
    expect(rows.reduce((n, r) => n + r.delivered, 0)).toBe(3);
  });

  it('tells each live destination’s figures, circuit and disabled state, and the workspace’s totals', async () => {
    // Prepare
    const lines = [
      ...(await dispatcherLines()),
      transition('2026-11-26T01:50:00.000Z', 'circuit opened: deliveries deferred', WS, 'Throttled'),
      transition('2026-11-26T01:50:05.000Z', 'circuit half-open: probing', WS, 'cool-down over'),
      transition('2026-11-26T01:50:06.000Z', 'circuit opened: deliveries deferred', WS, 'Throttled'),
      transition('2026-11-26T01:55:00.000Z', 'circuit closed', OTHER, 'probe succeeded'),
    ];
    const statuses = new Map([
      [
        `${WS}/orders-fifo`,
        {
          failingSince: NOW - 600_000,
          lastFailureAt: NOW - 60_000,
          lastErrorCode: 'Throttled',
          disabledAt: null,
          disabledReason: null,
        },
      ],
      [
        `${WS}/consented-fn`,
        {
          failingSince: null,
          lastFailureAt: null,
          lastErrorCode: null,
          disabledAt: NOW - 1_000,
          disabledReason: 'failed every call for 24 h (last error FunctionError)',
        },
      ],
    ]);

    // Act
    const health = summarizeHealth({
      workspaceId: WS,
      window: HOUR,
      rows: healthRowsOf(lines, WS),
      series: healthSeriesOf(lines, WS, HOUR),
      live: [
        { id: 'orders-fn', type: 'lambda' },
        { id: 'marketing', type: 'sns' },
        { id: 'orders-fifo', type: 'sns' },
        { id: 'consented-fn', type: 'lambda' },
        { id: 'quiet', type: 'sqs' },
      ],
      statuses,
      now: NOW,
    });

    // Assess
    expect(
      WorkspaceHealthSchema.safeParse({ ...health, generatedAt: new Date(NOW).toISOString() }).success,
    ).toBe(true);
    const of = (id: string) => health.destinations.find((d) => d.destinationId === id);
    expect(of('orders-fn')).toMatchObject({
      type: 'lambda',
      live: true,
      delivered: 3,
      failed: { total: 0, byCode: {} },
      latencyMs: { delivered: 3, p50: { fromMs: 1_000, toMs: 2_500 }, p99: { fromMs: 1_000, toMs: 2_500 } },
      lastFailure: null,
      circuit: { state: 'closed', openedInWindow: 0, failingSince: null },
      disabled: null,
    });
    expect(of('orders-fn')?.lastSuccessAt).not.toBeNull();
    expect(of('marketing')).toMatchObject({
      delivered: 0,
      failed: { total: 3, byCode: { AccessDenied: 3 } },
      deadLettered: { total: 3, byCode: { AccessDenied: 3 } },
      lastSuccessAt: null,
      lastFailure: { code: 'AccessDenied', attempt: 1 },
      circuit: {
        state: 'open',
        reason: 'Throttled',
        openedInWindow: 2,
        changedAt: '2026-11-26T01:50:06.000Z',
      },
    });
    expect(of('marketing')?.lastFailure?.reason).toContain('AuthorizationErrorException');
    expect(of('orders-fifo')).toMatchObject({
      retriesScheduled: 3,
      failed: { total: 3, byCode: { OrderBlocked: 2, Throttled: 1 } },
      deadLettered: { total: 0 },
      // The throttled call and the events held behind it fail in the same millisecond.
      lastFailure: { code: expect.stringMatching(/^(Throttled|OrderBlocked)$/) },
      // No transition logged in the window: the status table's recent failure report says open.
      circuit: {
        state: 'open',
        changedAt: null,
        reason: 'Throttled',
        failingSince: new Date(NOW - 600_000).toISOString(),
      },
    });
    expect(of('consented-fn')).toMatchObject({
      blockedByConsent: 3,
      disabled: { reason: 'failed every call for 24 h (last error FunctionError)' },
    });
    expect(of('quiet')).toMatchObject({ delivered: 0, latencyMs: { delivered: 0, p50: null, p99: null } });
    expect(health.totals).toMatchObject({
      delivered: 3,
      failed: { total: 6 },
      retriesScheduled: 3,
      deadLettered: { total: 3 },
      blockedByConsent: 3,
    });
  });

  it('lists destinations the window’s lines name but the live version no longer has, and counts letters naming none in the totals', () => {
    // Prepare
    const lines: LogLine[] = [
      {
        timestamp: '2026-11-26T01:00:00.000Z',
        message: 'destination summary',
        workspaceId: WS,
        destinationId: 'gone',
        delivered: 2,
        latencyMs: { le100: 2 },
      },
      {
        timestamp: '2026-11-26T01:00:01.000Z',
        message: 'dead-lettered',
        workspaceId: WS,
        errorCode: 'NoLongerRouted',
        errorMessage: 'no destination accepts it',
      },
    ];

    // Act
    const health = summarizeHealth({
      workspaceId: WS,
      window: HOUR,
      rows: healthRowsOf(lines, WS),
      series: healthSeriesOf(lines, WS, HOUR),
      live: [],
      now: NOW,
    });

    // Assess
    expect(health.destinations).toEqual([
      expect.objectContaining({ destinationId: 'gone', live: false, type: null, delivered: 2 }),
    ]);
    // 01:00:00 and 01:00:01 are in the hour's first bucket; the letter names no destination.
    expect(health.destinations[0].series[0]).toEqual({
      at: '2026-11-26T01:00:00.000Z',
      delivered: 2,
      failed: 0,
      deadLettered: 0,
    });
    expect(health.totals.series[0]).toMatchObject({ delivered: 2, deadLettered: 1 });
    expect(health.totals).toMatchObject({
      delivered: 2,
      deadLettered: { total: 1, byCode: { NoLongerRouted: 1 } },
    });
    expect(health.totals.lastFailure).toMatchObject({
      code: 'NoLongerRouted',
      reason: 'no destination accepts it',
    });
  });
});

describe('percentile', () => {
  it('gives the bucket holding the percentile as a range, open above the last bound', () => {
    expect(percentile({}, 50)).toBeNull();
    expect(percentile({ le50: 49, le250: 1 }, 50)).toEqual({ fromMs: 0, toMs: 50 });
    expect(percentile({ le50: 49, le250: 1 }, 99)).toEqual({ fromMs: 100, toMs: 250 });
    expect(percentile({ le50: 99, le250: 1 }, 99)).toEqual({ fromMs: 0, toMs: 50 });
    expect(percentile({ le50: 98, le250: 2 }, 99)).toEqual({ fromMs: 100, toMs: 250 });
    expect(percentile({ le100: 1, gt86400000: 1 }, 99)).toEqual({ fromMs: 86_400_000, toMs: null });
  });
});

/** A summary line of one destination of the workspace, at an ISO time. */
const summaryAt = (
  at: string,
  destinationId: string,
  figures: { delivered?: number; failedByCode?: Record<string, number> },
  workspaceId = WS,
): LogLine => ({
  timestamp: at,
  message: 'destination summary',
  workspaceId,
  destinationId,
  ...figures,
});

/** A dead-letter line, at an ISO time. */
const letterAt = (at: string, destinationId?: string): LogLine => ({
  timestamp: at,
  message: 'dead-lettered',
  workspaceId: WS,
  ...(destinationId && { destinationId }),
  errorCode: 'AccessDenied',
});

/** The hour's buckets start at 01:00, 01:05, … 01:55 (NOW is 02:00). */
const SERIES_LINES: LogLine[] = [
  // Before the window, by a millisecond: not counted.
  summaryAt('2026-11-26T00:59:59.999Z', 'orders-fn', { delivered: 100 }),
  // The window's first millisecond: the first bucket.
  summaryAt('2026-11-26T01:00:00.000Z', 'orders-fn', { delivered: 2, failedByCode: { Throttled: 1 } }),
  // The first bucket's last millisecond.
  summaryAt('2026-11-26T01:04:59.999Z', 'orders-fn', {
    delivered: 3,
    failedByCode: { Throttled: 2, OrderBlocked: 1, NotACode: 50 },
  }),
  // The second bucket's first.
  summaryAt('2026-11-26T01:05:00.000Z', 'orders-fn', { delivered: 5 }),
  letterAt('2026-11-26T01:05:00.000Z', 'orders-fn'),
  letterAt('2026-11-26T01:07:00.000Z'),
  // Another destination, and another workspace at the same time.
  summaryAt('2026-11-26T01:31:00.000Z', 'crm', { delivered: 7 }),
  summaryAt('2026-11-26T01:31:00.000Z', 'crm', { delivered: 70 }, OTHER),
  // Not a line the series reads (its failure is in the summary's failedByCode already).
  {
    timestamp: '2026-11-26T01:31:00.000Z',
    message: 'delivery failed, retry scheduled',
    workspaceId: WS,
    destinationId: 'crm',
    errorCode: 'Throttled',
  },
  // The window's last millisecond: the last bucket.
  summaryAt('2026-11-26T02:00:00.000Z', 'orders-fn', { delivered: 11 }),
  // After it.
  summaryAt('2026-11-26T02:00:00.001Z', 'orders-fn', { delivered: 1000 }),
];

/** The series rows as Logs Insights returns the series query's: per bucket, destination and message, strings. */
function asInsightsSeriesRows(lines: readonly LogLine[]): Record<string, string>[] {
  const groups = new Map<string, Record<string, string>>();
  const size = seriesBucketMs(HOUR);
  for (const line of lines) {
    if (line.workspaceId !== WS) continue;
    if (line.message !== 'destination summary' && line.message !== 'dead-lettered') continue;
    // The query's time range: the window.
    const at = Date.parse(String(line.timestamp));
    if (at < HOUR.fromMs || at > HOUR.toMs) continue;
    const bucket = Math.min(11, Math.floor((at - HOUR.fromMs) / size));
    const destination = typeof line.destinationId === 'string' ? line.destinationId : '-';
    const key = JSON.stringify([bucket, destination, line.message]);
    const row = groups.get(key) ?? {
      bucket: String(bucket),
      destination,
      message: String(line.message),
      lines: '0',
      sumDelivered: '0',
    };
    row.lines = String(Number(row.lines) + 1);
    row.sumDelivered = String(Number(row.sumDelivered) + Number(line.delivered ?? 0));
    for (const [code, n] of Object.entries((line.failedByCode as Record<string, number>) ?? {}))
      if ((ERROR_CODES as readonly string[]).includes(code))
        row[`failed_${code}`] = String(Number(row[`failed_${code}`] ?? 0) + n);
    groups.set(key, row);
  }
  return [...groups.values()];
}

const byBucket = (rows: readonly HealthSeriesRow[]) =>
  [...rows].sort((a, b) => a.bucket - b.bucket || a.destination.localeCompare(b.destination));

describe('the health series', () => {
  it('splits each window in 12 buckets: 5 min for an hour, 2 h for a day, 14 h for a week', () => {
    expect(seriesBucketMs({ fromMs: NOW - 3_600_000, toMs: NOW })).toBe(300_000);
    expect(seriesBucketMs({ fromMs: NOW - 86_400_000, toMs: NOW })).toBe(7_200_000);
    expect(seriesBucketMs({ fromMs: NOW - 7 * 86_400_000, toMs: NOW })).toBe(50_400_000);
  });

  it('counts one workspace’s summary and dead-letter lines per bucket from the window’s start, both ends in, nothing outside', () => {
    // Act
    const rows = healthSeriesOf(SERIES_LINES, WS, HOUR);

    // Assess
    expect(byBucket(rows)).toEqual([
      // Unknown codes are not summed, as the query names known codes only.
      { destination: 'orders-fn', bucket: 0, delivered: 5, failed: 4, deadLettered: 0 },
      { destination: '-', bucket: 1, delivered: 0, failed: 0, deadLettered: 1 },
      { destination: 'orders-fn', bucket: 1, delivered: 5, failed: 0, deadLettered: 1 },
      { destination: 'crm', bucket: 6, delivered: 7, failed: 0, deadLettered: 0 },
      { destination: 'orders-fn', bucket: 11, delivered: 11, failed: 0, deadLettered: 0 },
    ]);
    expect(healthSeriesOf(SERIES_LINES, OTHER, HOUR)).toEqual([
      { destination: 'crm', bucket: 6, delivered: 70, failed: 0, deadLettered: 0 },
    ]);
  });

  it('parses the series query’s rows into the same rows as the lines give', () => {
    // Prepare: and rows that are no bucket of the window.
    const insightsRows = [
      ...asInsightsSeriesRows(SERIES_LINES),
      {
        bucket: '-1',
        destination: 'orders-fn',
        message: 'destination summary',
        lines: '1',
        sumDelivered: '9',
      },
      {
        bucket: '12',
        destination: 'orders-fn',
        message: 'destination summary',
        lines: '1',
        sumDelivered: '9',
      },
      { bucket: '', destination: 'orders-fn', message: 'dead-lettered', lines: '1' },
    ];

    // Act
    const rows = parseHealthSeriesRows(insightsRows);

    // Assess
    expect(byBucket(rows)).toEqual(byBucket(healthSeriesOf(SERIES_LINES, WS, HOUR)));
  });

  it('asks Logs Insights for the workspace’s lines first, bucketed from the window’s start, by bucket and destination', () => {
    // Act
    const query = healthSeriesQuery(WS, HOUR);

    // Assess
    expect(query.split('\n')).toEqual([
      'filter workspaceId = "ws-acme" and message in ["destination summary", "dead-lettered"]',
      `| fields coalesce(destinationId, "-") as destination, greatest(0, least(floor((toMillis(@timestamp) - ${HOUR.fromMs}) / 300000), 11)) as bucket`,
      '| stats count(*) as lines, sum(delivered) as sumDelivered,',
      ...ERROR_CODES.map(
        (code, i) =>
          `    sum(failedByCode.${code}) as failed_${code}${i < ERROR_CODES.length - 1 ? ',' : ''}`,
      ),
      '  by bucket, destination, message',
      '| limit 10000',
    ]);
  });

  it('gives each destination and the workspace every bucket, oldest first, zeros too, adding up to the figures', () => {
    // Act
    const health = summarizeHealth({
      workspaceId: WS,
      window: HOUR,
      rows: healthRowsOf(
        SERIES_LINES.filter((line) => {
          const at = Date.parse(String(line.timestamp));
          return at >= HOUR.fromMs && at <= HOUR.toMs;
        }),
        WS,
      ),
      series: healthSeriesOf(SERIES_LINES, WS, HOUR),
      live: [
        { id: 'orders-fn', type: 'lambda' },
        { id: 'quiet', type: 'sqs' },
      ],
      now: NOW,
    });

    // Assess
    const of = (id: string) => health.destinations.find((d) => d.destinationId === id);
    const orders = of('orders-fn');
    expect(orders?.series.map((point) => point.at)).toEqual(
      Array.from({ length: 12 }, (_, i) => new Date(HOUR.fromMs + i * 300_000).toISOString()),
    );
    expect(orders?.series.map((point) => [point.delivered, point.failed, point.deadLettered])).toEqual([
      [5, 4, 0],
      [5, 0, 1],
      ...Array.from({ length: 9 }, () => [0, 0, 0]),
      [11, 0, 0],
    ]);
    const sum = (points: readonly { delivered: number; failed: number; deadLettered: number }[]) =>
      points.reduce(
        (total, p) => ({
          delivered: total.delivered + p.delivered,
          failed: total.failed + p.failed,
          deadLettered: total.deadLettered + p.deadLettered,
        }),
        { delivered: 0, failed: 0, deadLettered: 0 },
      );
    expect(sum(orders?.series ?? [])).toEqual({
      delivered: orders?.delivered,
      failed: orders?.failed.total,
      deadLettered: orders?.deadLettered.total,
    });
    expect(of('quiet')?.series).toHaveLength(12);
    expect(of('quiet')?.series.every((p) => p.delivered + p.failed + p.deadLettered === 0)).toBe(true);
    expect(of('crm')?.series[6]).toMatchObject({ at: '2026-11-26T01:30:00.000Z', delivered: 7 });
    // The workspace's: every destination, and the letter naming none.
    expect(sum(health.totals.series)).toEqual({ delivered: 28, failed: 4, deadLettered: 2 });
    expect(health.totals).toMatchObject({ delivered: 28, failed: { total: 4 }, deadLettered: { total: 2 } });
    expect(WorkspaceHealthSchema.safeParse({ ...health, generatedAt: HOUR.toMs.toString() }).success).toBe(
      true,
    );
  });
});

describe('InsightsLogSource', () => {
  it('runs the health query on the dispatcher’s log group over the window, polling until it completes', async () => {
    // Prepare
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs
      .on(GetQueryResultsCommand)
      .resolvesOnce({ status: 'Running' })
      .resolves({
        status: 'Complete',
        results: [
          [
            { field: 'message', value: 'destination summary' },
            { field: 'destination', value: 'orders-fn' },
            { field: 'code', value: '-' },
            { field: 'lines', value: '4' },
            { field: 'lastAt', value: '1795659600000' },
            { field: 'lastDeliveredAt', value: '1795659600000' },
            { field: 'sumDelivered', value: '120' },
            { field: 'sumRetried', value: '2' },
            { field: 'failed_Throttled', value: '2' },
            { field: 'latency_le250', value: '100' },
            { field: 'latency_le500', value: '20' },
          ],
        ],
      });
    const source = new InsightsLogSource(new CloudWatchLogsClient({}), '/aws/lambda/dispatcher', {
      pollIntervalMs: 1,
    });

    // Act
    const rows = await source.healthRows({ workspaceId: WS, fromMs: 1_000_500, toMs: 4_600_500 });

    // Assess
    expect(logs).toHaveReceivedCommandWith(StartQueryCommand, {
      logGroupName: '/aws/lambda/dispatcher',
      startTime: 1_000,
      endTime: 4_601,
      queryString: healthQuery(WS),
    });
    expect(logs).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
    expect(rows).toEqual([
      {
        message: 'destination summary',
        destination: 'orders-fn',
        code: '-',
        lines: 4,
        lastAt: 1_795_659_600_000,
        lastDeliveredAt: 1_795_659_600_000,
        delivered: 120,
        retried: 2,
        blockedByConsent: 0,
        offloaded: 0,
        failedByCode: { Throttled: 2 },
        latency: { le250: 100, le500: 20 },
      },
    ]);
  });

  it('runs the series query over the same window, and parses its rows per destination and bucket', async () => {
    // Prepare
    logs.on(StartQueryCommand).resolves({ queryId: 'q-series' });
    logs.on(GetQueryResultsCommand).resolves({
      status: 'Complete',
      results: [
        [
          { field: 'bucket', value: '3' },
          { field: 'destination', value: 'orders-fn' },
          { field: 'message', value: 'destination summary' },
          { field: 'lines', value: '2' },
          { field: 'sumDelivered', value: '40' },
          { field: 'failed_Throttled', value: '2' },
          { field: 'failed_CircuitOpen', value: '5' },
        ],
        [
          { field: 'bucket', value: '3' },
          { field: 'destination', value: 'orders-fn' },
          { field: 'message', value: 'dead-lettered' },
          { field: 'lines', value: '1' },
        ],
      ],
    });
    const source = new InsightsLogSource(new CloudWatchLogsClient({}), '/aws/lambda/dispatcher', {
      pollIntervalMs: 1,
    });

    // Act
    const rows = await source.healthSeries({ workspaceId: WS, fromMs: HOUR.fromMs, toMs: HOUR.toMs });

    // Assess
    expect(logs).toHaveReceivedCommandWith(StartQueryCommand, {
      logGroupName: '/aws/lambda/dispatcher',
      startTime: HOUR.fromMs / 1000,
      endTime: HOUR.toMs / 1000,
      queryString: healthSeriesQuery(WS, HOUR),
    });
    expect(rows).toEqual([
      { destination: 'orders-fn', bucket: 3, delivered: 40, failed: 7, deadLettered: 1 },
    ]);
  });

  it('asks for one destination’s failure lines in one workspace, newest first, ids and codes only', async () => {
    // Prepare
    logs.on(StartQueryCommand).resolves({ queryId: 'q-2' });
    logs.on(GetQueryResultsCommand).resolves({
      status: 'Complete',
      results: [
        [
          { field: '@timestamp', value: '2026-11-26 01:00:00.100' },
          { field: 'message', value: 'delivery failed, retry scheduled' },
          { field: 'distinctIdHash', value: 'a1b2c3d4e5f6a7b8c9d0' },
          { field: 'errorCode', value: 'Throttled' },
          { field: 'errorMessage', value: 'TooManyRequestsException: Rate exceeded' },
          { field: 'attempts', value: '2' },
        ],
      ],
    });

    // Act
    const failures = await new InsightsLogSource(new CloudWatchLogsClient({}), 'dispatcher').failures({
      workspaceId: WS,
      destinationId: 'orders-fn',
      fromMs: 0,
      toMs: 60_000,
      limit: 20,
    });

    // Assess
    const query = logs.commandCalls(StartQueryCommand)[0].args[0].input.queryString;
    expect(query).toBe(failuresQuery(WS, 'orders-fn', 20));
    expect(query).toContain('filter workspaceId = "ws-acme" and destinationId = "orders-fn"');
    expect(query).toContain(
      '| fields @timestamp, message, distinctIdHash, errorCode, errorMessage, attempts',
    );
    expect(query).toContain('| sort @timestamp desc\n| limit 20');
    expect(failures).toEqual([
      {
        at: '2026-11-26T01:00:00.100Z',
        distinctIdHash: 'a1b2c3d4e5f6a7b8c9d0',
        code: 'Throttled',
        reason: 'TooManyRequestsException: Rate exceeded',
        attempt: 2,
        outcome: 'retry scheduled',
      },
    ]);
  });

  it('asks for the lines naming the event’s hash and the workspace, never the distinct id', async () => {
    // Prepare
    logs.on(StartQueryCommand).resolves({ queryId: 'q-3' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
    const hash = distinctIdHash(WS, 'jane.doe@example.com');

    // Act
    await new InsightsLogSource(new CloudWatchLogsClient({}), 'dispatcher').eventLines({
      workspaceId: WS,
      distinctIdHash: hash,
      fromMs: 0,
      toMs: 60_000,
    });

    // Assess
    const query = logs.commandCalls(StartQueryCommand)[0].args[0].input.queryString ?? '';
    expect(query).toContain(`| filter @message like "${hash}"`);
    expect(query).toContain('| filter @message like "\\"workspaceId\\":\\"ws-acme\\""');
    expect(query).not.toContain('jane');
  });

  it('answers busy when the account runs too many queries, and stops a query that runs too long', async () => {
    // Prepare
    const source = new InsightsLogSource(new CloudWatchLogsClient({}), 'dispatcher', {
      timeoutMs: 5,
      pollIntervalMs: 2,
    });
    logs
      .on(StartQueryCommand)
      .rejectsOnce(Object.assign(new Error('limit'), { name: 'LimitExceededException' }));

    // Act, Assess
    await expect(source.healthRows({ workspaceId: WS, fromMs: 0, toMs: 1 })).rejects.toMatchObject({
      name: 'LogsQueryError',
      kind: 'busy',
    });
    logs.on(StartQueryCommand).resolves({ queryId: 'q-slow' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Running' });
    await expect(source.healthRows({ workspaceId: WS, fromMs: 0, toMs: 1 })).rejects.toMatchObject({
      kind: 'timeout',
    });
    expect(logs).toHaveReceivedCommandWith(StopQueryCommand, { queryId: 'q-slow' });
  });
});

/** A source answering from fixed lines, counting its reads. */
function linesSource(lines: LogLine[]): DeliveryLogSource & { reads: number } {
  const source = {
    reads: 0,
    async healthRows(q: { workspaceId: string }) {
      source.reads += 1;
      return healthRowsOf(lines, q.workspaceId);
    },
    async healthSeries(q: { workspaceId: string; fromMs: number; toMs: number }) {
      return healthSeriesOf(lines, q.workspaceId, q);
    },
    async failures() {
      return [];
    },
    async eventLines() {
      return lines;
    },
  };
  return source;
}

describe('DeliveryLogs', () => {
  it('tells an event’s story from its own workspace’s entries only, even when another workspace’s line carries the same hash', async () => {
    // Prepare: a line of another workspace that names the same hash (a collision, or a forged id).
    const hash = distinctIdHash(WS, 'evt_1');
    const lines: LogLine[] = [
      {
        timestamp: '2026-11-26T01:00:00.000Z',
        message: 'events received',
        events: [
          { workspaceId: WS, distinctIdHash: hash, attempt: 1 },
          { workspaceId: OTHER, distinctIdHash: hash, attempt: 1 },
        ],
      },
      {
        timestamp: '2026-11-26T01:00:00.100Z',
        message: 'deliveries',
        workspaceId: OTHER,
        destinationId: 'secret-fn',
        destinationType: 'lambda',
        delivered: [hash],
      },
      {
        timestamp: '2026-11-26T01:00:00.200Z',
        message: 'delivery failed, retry scheduled',
        workspaceId: OTHER,
        destinationId: 'secret-fn',
        distinctIdHash: hash,
        errorCode: 'Throttled',
        attempts: 1,
      },
      {
        timestamp: '2026-11-26T01:00:00.300Z',
        message: 'deliveries',
        workspaceId: WS,
        destinationId: 'orders-fn',
        destinationType: 'lambda',
        delivered: [hash],
      },
    ];
    const deliveries = new DeliveryLogs({ source: linesSource(lines), now: () => NOW });

    // Act
    const story = await deliveries.story(WS, 'evt_1', { window: 'day', visitorId: 'visitor_123' });

    // Assess
    expect(EventStorySchema.safeParse(story).success).toBe(true);
    expect(story).toMatchObject({ workspace: WS, distinctIdHash: hash, found: true, window: 'day' });
    expect(story.steps).toEqual([
      { kind: 'received', at: '2026-11-26T01:00:00.000Z', attempt: 1, redriven: false },
      {
        kind: 'delivered',
        at: '2026-11-26T01:00:00.300Z',
        destinationId: 'orders-fn',
        destinationType: 'lambda',
      },
    ]);
    expect(JSON.stringify(story)).not.toContain('secret-fn');
    expect(story.consumerEventKeyHash).toBe(eventKeyHash('visitor_123', 'evt_1'));
    expect(JSON.stringify(story)).not.toContain('evt_1');
  });

  it('runs the health and series queries together, once per answer, and gives the series with the figures', async () => {
    // Prepare
    logs.on(StartQueryCommand).callsFake(async (input: { queryString: string }) => ({
      queryId: input.queryString.includes('as bucket') ? 'q-series' : 'q-health',
    }));
    logs.on(GetQueryResultsCommand, { queryId: 'q-health' }).resolves({ status: 'Complete', results: [] });
    logs.on(GetQueryResultsCommand, { queryId: 'q-series' }).resolves({
      status: 'Complete',
      results: [
        [
          { field: 'bucket', value: '11' },
          { field: 'destination', value: 'orders-fn' },
          { field: 'message', value: 'destination summary' },
          { field: 'sumDelivered', value: '6' },
        ],
      ],
    });
    const deliveries = new DeliveryLogs({
      source: new InsightsLogSource(new CloudWatchLogsClient({}), 'dispatcher', { pollIntervalMs: 1 }),
      now: () => NOW,
    });

    // Act
    const health = await deliveries.health(WS, 'day', [{ id: 'orders-fn', type: 'lambda' }]);
    await deliveries.health(WS, 'day', [{ id: 'orders-fn', type: 'lambda' }]);

    // Assess
    const day = { fromMs: NOW - 86_400_000, toMs: NOW };
    expect(logs.commandCalls(StartQueryCommand).map((call) => call.args[0].input.queryString)).toEqual([
      healthQuery(WS),
      healthSeriesQuery(WS, day),
    ]);
    const series = health.destinations[0].series;
    expect(series).toHaveLength(12);
    expect(series[0].at).toBe('2026-11-25T02:00:00.000Z');
    expect(series[11]).toEqual({ at: '2026-11-26T00:00:00.000Z', delivered: 6, failed: 0, deadLettered: 0 });
  });

  it('reads the logs once per window and workspace while its answer is fresh, then again', async () => {
    // Prepare
    let now = NOW;
    const source = linesSource([]);
    const deliveries = new DeliveryLogs({ source, now: () => now, cacheMs: { hour: 10_000 } });

    // Act
    await deliveries.health(WS, 'hour', []);
    now += 5_000;
    const cached = await deliveries.health(WS, 'hour', []);
    await deliveries.health(OTHER, 'hour', []);
    now += 10_000;
    const fresh = await deliveries.health(WS, 'hour', []);

    // Assess
    expect(source.reads).toBe(3);
    expect(cached.generatedAt).toBe(new Date(NOW).toISOString());
    expect(fresh.generatedAt).toBe(new Date(NOW + 15_000).toISOString());
  });
});

describe('readDestinationStatuses', () => {
  it('reads the destinations’ status items by key, asking again for those left unprocessed', async () => {
    // Prepare
    dynamodb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: {
          status: [
            {
              destination_id: { S: 'ws-acme/a' },
              disabled_at: { N: '1000' },
              disabled_reason: { S: 'long' },
            },
          ],
        },
        UnprocessedKeys: { status: { Keys: [{ destination_id: { S: 'ws-acme/b' } }] } },
      })
      .resolves({
        Responses: {
          status: [
            {
              destination_id: { S: 'ws-acme/b' },
              failing_since: { N: '500' },
              last_failure_at: { N: '900' },
              last_error_code: { S: 'Throttled' },
            },
          ],
        },
      });

    // Act
    const statuses = await readDestinationStatuses(new DynamoDBClient({}), 'status', [
      'ws-acme/a',
      'ws-acme/b',
      'ws-acme/c',
    ]);

    // Assess
    expect(dynamodb).toHaveReceivedCommandTimes(BatchGetItemCommand, 2);
    expect(
      dynamodb.commandCalls(BatchGetItemCommand)[0].args[0].input.RequestItems?.status.Keys,
    ).toHaveLength(3);
    expect([...statuses]).toEqual([
      [
        'ws-acme/a',
        {
          failingSince: null,
          lastFailureAt: null,
          lastErrorCode: null,
          disabledAt: 1000,
          disabledReason: 'long',
        },
      ],
      [
        'ws-acme/b',
        {
          failingSince: 500,
          lastFailureAt: 900,
          lastErrorCode: 'Throttled',
          disabledAt: null,
          disabledReason: null,
        },
      ],
    ]);
  });
});

describe('the delivery routes', () => {
  const routes = routeTable(ROUTES);
  const viewerKey = { kind: 'api-key', keyId: 'k1', workspace: WS, role: 'viewer' } as const;
  const request = (
    resource: string,
    pathParameters: Record<string, string>,
    query: Record<string, string> = {},
  ): ApiRequest => ({
    method: 'GET',
    resource,
    pathParameters: { workspace: WS, ...pathParameters },
    query,
    headers: {},
    requestId: 'r-1',
    caller: viewerKey,
  });
  const servicesWith = (deliveries: Partial<DeliveryVisibility>) =>
    ({
      registry: () =>
        ({
          liveRecord: async () => ({ destinations: [{ id: 'orders-fn', type: 'lambda' }] }),
        }) as unknown as WorkspaceRegistry,
      deliveries,
    }) as unknown as ControlPlaneServices;

  it('gives a viewer the health of the live version’s destinations over the window asked (default hour)', async () => {
    // Prepare
    const health = jest.fn(async (workspace: string, window: string, live: unknown) => ({
      workspace,
      window,
      live,
    }));

    // Act
    const answer = await handleRequest(
      request('/v1/workspaces/{workspace}/health', {}, { window: 'week' }),
      routes,
      servicesWith({ health } as never),
    );
    await handleRequest(
      request('/v1/workspaces/{workspace}/health', {}),
      routes,
      servicesWith({ health } as never),
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(health.mock.calls).toEqual([
      [WS, 'week', [{ id: 'orders-fn', type: 'lambda' }]],
      [WS, 'hour', [{ id: 'orders-fn', type: 'lambda' }]],
    ]);
  });

  it('takes at most 100 failures, 20 by default', async () => {
    // Prepare
    const failures = jest.fn(async () => ({ window: 'day' as const, from: 'a', to: 'b', failures: [] }));
    const resource = '/v1/workspaces/{workspace}/destinations/{destination}/failures';

    // Act
    const tooMany = handleRequest(
      request(resource, { destination: 'orders-fn' }, { limit: '101' }),
      routes,
      servicesWith({ failures }),
    );
    const answer = await handleRequest(
      request(resource, { destination: 'orders-fn' }),
      routes,
      servicesWith({ failures }),
    );

    // Assess
    await expect(tooMany).rejects.toMatchObject({ status: 400, code: 'InvalidRequest' });
    expect(FailuresSchema.safeParse(answer.json).success).toBe(true);
    expect(failures).toHaveBeenCalledWith(WS, 'orders-fn', { window: 'day', limit: 20 });
  });

  it('answers 503 when the logs cannot be read now, with a code to retry on', async () => {
    // Prepare
    logs.on(StartQueryCommand).rejects(Object.assign(new Error('limit'), { name: 'LimitExceededException' }));
    const deliveries = new DeliveryLogs({
      source: new InsightsLogSource(new CloudWatchLogsClient({}), 'dispatcher'),
    });

    // Act
    const answer = handleRequest(
      request('/v1/workspaces/{workspace}/events/{distinctId}', { distinctId: 'evt_1' }),
      routes,
      servicesWith(deliveries),
    );

    // Assess
    await expect(answer).rejects.toMatchObject({ status: 503, code: 'DeliveryLogsBusy' });
  });
});

describe('createServices', () => {
  const base = {
    REGISTRY_TABLE: 'registry',
    USER_POOL_ID: 'us-east-1_TestPool1',
    USER_POOL_CLIENT_ID: 'client',
    DISPATCHER_ROLE_ARN: 'arn:aws:iam::123456789012:role/Dispatcher',
    AWS_REGION: 'us-east-1',
  };
  const clients = {
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    secrets: new SecretsManagerClient({ region: 'us-east-1' }),
    cognito: new CognitoIdentityProviderClient({ region: 'us-east-1' }),
    sts: new STSClient({ region: 'us-east-1' }),
    logs: new CloudWatchLogsClient({ region: 'us-east-1' }),
  };
  const healthRequest: ApiRequest = {
    method: 'GET',
    resource: '/v1/workspaces/{workspace}/health',
    pathParameters: { workspace: WS },
    query: {},
    headers: {},
    requestId: 'r-1',
    caller: { kind: 'api-key', keyId: 'k1', workspace: WS, role: 'viewer' },
  };
  const withRegistry = (services: ControlPlaneServices): ControlPlaneServices => ({
    ...services,
    registry: () =>
      ({
        liveRecord: async () => ({ destinations: [{ id: 'orders-fn', type: 'lambda' }] }),
      }) as unknown as WorkspaceRegistry,
  });

  it('queries the log group and the status table the environment names, and answers health as its schema says', async () => {
    // Prepare
    const environment = readControlPlaneEnvironment(
      { ...base, DISPATCHER_LOG_GROUP: '/aws/lambda/dispatcher', DESTINATION_STATUS_TABLE: 'status' },
      { needsDispatcher: true },
    );
    logs.on(StartQueryCommand).resolves({ queryId: 'q-1' });
    logs.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
    dynamodb.on(BatchGetItemCommand).resolves({ Responses: { status: [] } });

    // Act
    const answer = await handleRequest(
      healthRequest,
      routeTable(ROUTES),
      withRegistry(createServices(environment, clients)),
    );

    // Assess
    expect(environment).toMatchObject({
      dispatcherLogGroup: '/aws/lambda/dispatcher',
      destinationStatusTable: 'status',
    });
    expect(answer.status).toBe(200);
    expect(WorkspaceHealthSchema.safeParse(answer.json).success).toBe(true);
    expect(logs).toHaveReceivedCommandWith(StartQueryCommand, { logGroupName: '/aws/lambda/dispatcher' });
    expect(dynamodb).toHaveReceivedCommandWith(BatchGetItemCommand, {
      RequestItems: { status: { Keys: [{ destination_id: { S: `${WS}/orders-fn` } }] } },
    });
  });

  it('answers 503 DeliveryLogsUnavailable when the API was given no dispatcher log group', async () => {
    // Prepare
    const services = createServices(readControlPlaneEnvironment(base, { needsDispatcher: true }), clients);

    // Act
    const answer = handleRequest(healthRequest, routeTable(ROUTES), withRegistry(services));

    // Assess
    await expect(answer).rejects.toMatchObject({ status: 503, code: 'DeliveryLogsUnavailable' });
    expect(logs).not.toHaveReceivedCommand(StartQueryCommand);
  });
});
