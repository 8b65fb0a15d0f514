import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { parseDuration } from '../../bin/trace';
import { dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/settle/retry';
import { distinctIdHash } from '../../lambda/shared/log-ids';
import { escapeForQuery, queryLogGroup } from '../../lib/trace/log-sources';
import { type LogLine, renderTrace, traceEvent } from '../../lib/trace/timeline';
import { capturingLogger } from '../support/capture-logs';
import {
  ingestMessage,
  lambdaDestination,
  registryOf,
  sqsRecord,
  standardTopicDestination,
} from '../support/fixtures';

const line = (timestamp: string, message: string, fields: Record<string, unknown>): LogLine => ({
  timestamp,
  message,
  ...fields,
});

describe('traceEvent', () => {
  // The lines name events as the dispatcher writes them: by a hash of workspace and distinct id.
  const evt1InA = distinctIdHash('ws-a', 'evt_1');
  const lines = [
    line('2026-11-26T01:00:00.100Z', 'deliveries', {
      workspaceId: 'ws-a',
      destinationId: 'orders-fn',
      destinationType: 'lambda',
      delivered: [evt1InA],
    }),
    line('2026-11-26T01:00:00.100Z', 'events received', {
      events: [
        { workspaceId: 'ws-a', distinctIdHash: evt1InA, attempt: 1 },
        { workspaceId: 'ws-b', distinctIdHash: distinctIdHash('ws-b', 'evt_1'), attempt: 1 },
        { workspaceId: 'ws-a', distinctIdHash: distinctIdHash('ws-a', 'evt_2'), attempt: 1 },
        // The same id's hash logged under another workspace is not this event.
        { workspaceId: 'ws-c', distinctIdHash: evt1InA, attempt: 1 },
      ],
    }),
    line('2026-11-26T01:00:00.100Z', 'delivery failed, retry scheduled', {
      workspaceId: 'ws-a',
      distinctIdHash: evt1InA,
      destinationId: 'marketing',
      errorCode: 'Throttled',
      attempts: 1,
    }),
    line('2026-11-26T01:00:04.000Z', 'events received', {
      events: [{ workspaceId: 'ws-a', distinctIdHash: evt1InA, attempt: 2 }],
    }),
    line('2026-11-26T01:00:04.010Z', 'deliveries', {
      workspaceId: 'ws-a',
      destinationId: 'marketing',
      delivered: [],
      deferred: { CircuitOpen: [evt1InA] },
    }),
    line('2026-11-26T01:20:00.000Z', 'dead-lettered', {
      workspaceId: 'ws-a',
      distinctIdHash: evt1InA,
      destinationId: 'marketing',
      errorCode: 'RetriesExhausted',
      errorMessage: 'Throttled after 5 attempts: rate exceeded',
      attempts: 5,
    }),
  ];

  it("tells each workspace's event apart, its steps in time order, received first within a batch", () => {
    const traces = traceEvent({ distinctId: 'evt_1' }, lines);

    expect(traces.map((t) => t.workspaceId)).toEqual(['ws-a', 'ws-b']);
    expect(traces[0].steps.map((s) => s.kind)).toEqual([
      'received',
      'failed',
      'delivered',
      'received',
      'deferred',
      'dead-lettered',
    ]);
    expect(traces[1].steps).toEqual([
      { kind: 'received', at: '2026-11-26T01:00:00.100Z', attempt: 1, redriven: false },
    ]);
  });

  it('keeps to one workspace when asked, and adds its letters in the dead-letter queue', () => {
    const body = JSON.stringify(ingestMessage({ workspaceId: 'ws-a', event: { distinct_id: 'evt_1' } }));
    const other = JSON.stringify(ingestMessage({ workspaceId: 'ws-b', event: { distinct_id: 'evt_1' } }));

    const traces = traceEvent({ distinctId: 'evt_1', workspaceId: 'ws-a' }, lines, [
      { body, attributes: { destination_id: 'marketing', error_code: 'RetriesExhausted', attempts: '5' } },
      { body: other, attributes: { error_code: 'InvalidEvent', attempts: '1' } },
      { body: 'not json', attributes: {} },
    ]);

    expect(traces).toHaveLength(1);
    expect(traces[0].distinctIdHash).toBe(evt1InA);
    expect(traces[0].inDeadLetterQueue).toEqual([
      { destinationId: 'marketing', errorCode: 'RetriesExhausted', attempts: 5 },
    ]);
    expect(renderTrace(traces)).toBe(
      [
        'event evt_1 in workspace ws-a',
        '  2026-11-26T01:00:00.100Z  received, attempt 1',
        '  2026-11-26T01:00:00.100Z  marketing: failed on attempt 1, Throttled; retry scheduled',
        '  2026-11-26T01:00:00.100Z  orders-fn (lambda): delivered',
        '  2026-11-26T01:00:04.000Z  received, attempt 2',
        '  2026-11-26T01:00:04.010Z  marketing: deferred, CircuitOpen; retry scheduled',
        '  2026-11-26T01:20:00.000Z  marketing: dead-lettered, RetriesExhausted (Throttled after 5 attempts: rate exceeded)',
        '  dead-letter queue now: marketing (RetriesExhausted, 5 attempts)',
        '',
      ].join('\n'),
    );
  });

  it('says so when nothing mentions the event', () => {
    expect(traceEvent({ distinctId: 'evt_9' }, lines)).toEqual([]);
    expect(renderTrace([])).toMatch(/^no trace of this event/);
  });
});

describe("the dispatcher's trace lines", () => {
  const sns = mockClient(SNSClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  let logs: ReturnType<typeof capturingLogger>;

  beforeEach(() => {
    sns.reset();
    lambda.reset();
    sqs.reset();
    logs = capturingLogger();
  });
  afterEach(() => logs.restore());

  it('are enough to tell what happened to each event, with no event content in them', async () => {
    // Prepare: the topic fails its first entry; the function takes everything.
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => ({
        Successful: input.PublishBatchRequestEntries.slice(1).map((e) => ({ Id: e.Id })),
        Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }],
      }));
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
    }));
    const sentAt = Date.now();
    const records = ['evt_1', 'evt_2'].map((id, i) =>
      sqsRecord(
        JSON.stringify(ingestMessage({ event: { distinct_id: id }, visitor: { visitor_id: `v${i}` } })),
        {
          messageId: `m${i}`,
          sentAt,
        },
      ),
    );

    // Act
    await dispatchBatch(records, {
      registry: registryOf([lambdaDestination, standardTopicDestination]),
      clients: { client: (Client) => new Client({}) },
      sqs: new SQSClient({}),
      deadLetterQueue: { url: 'https://sqs.us-east-1.amazonaws.com/999999999999/dlq', fifo: false },
      logger: logs.logger,
      maxReceiveCount: 5,
      concurrency: 4,
      retry: { ...DEFAULT_RETRY_POLICY, queueUrl: 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest' },
    });

    // Assess
    const written = logs.lines().map((l) => JSON.parse(l) as LogLine);
    const story = (id: string) =>
      traceEvent({ distinctId: id }, written)[0].steps.map(
        (s) => `${s.kind}${'destinationId' in s ? ` ${s.destinationId}` : ''}`,
      );
    expect(story('evt_1')).toEqual(['received', 'failed marketing', 'delivered orders-fn']);
    expect(story('evt_2')).toEqual(['received', 'delivered orders-fn', 'delivered marketing']);
    const traceLines = written.filter((l) => ['events received', 'deliveries'].includes(String(l.message)));
    expect(JSON.stringify(traceLines)).not.toMatch(/@|example\.com|Order Completed/);
    expect(JSON.stringify(written)).not.toMatch(/evt_1|evt_2/);
  });
});

describe('the trace command', () => {
  it('reads durations and escapes ids for Logs Insights', () => {
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(() => parseDuration('1 week')).toThrow('--since must look like 30m, 1h or 2d');
    expect(escapeForQuery('evt_"1"\\')).toBe('evt_\\"1\\"\\\\');
  });

  it('asks Logs Insights for the hash the lines carry, never for the distinct id', async () => {
    // Prepare
    const logs = mockClient(CloudWatchLogsClient);
    const hash = distinctIdHash('ws-a', 'jane.doe@example.com');
    const written = { message: 'events received', events: [{ workspaceId: 'ws-a', distinctIdHash: hash }] };
    logs.on(StartQueryCommand).resolves({ queryId: 'q1' });
    logs.on(GetQueryResultsCommand).resolves({
      status: 'Complete',
      results: [[{ field: '@message', value: JSON.stringify(written) }]],
    });

    // Act
    const lines = await queryLogGroup(new CloudWatchLogsClient({}), {
      logGroupName: 'dispatcher',
      distinctIdHash: hash,
      sinceMs: 0,
      nowMs: 60_000,
    });

    // Assess
    const query = logs.commandCalls(StartQueryCommand)[0].args[0].input.queryString ?? '';
    expect(query).toContain(`| filter @message like "${hash}"`);
    expect(query).not.toContain('jane');
    expect(traceEvent({ distinctId: 'jane.doe@example.com', workspaceId: 'ws-a' }, lines)).toHaveLength(1);
    logs.restore();
  });
});
