import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createConsumerHandler } from '../../lambda/consumer/consumer-handler';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import type { Destination } from '../../lambda/shared/destination-config';
import { boundReason, MAX_REASON_LENGTH, parseIngestMessage } from '../../lambda/shared/ingest-message';
import { type LogLine, traceEvent } from '../../lib/trace/timeline';
import { capturingLogger } from '../support/capture-logs';
import { DLQ_URL, dispatchDependencies, INGEST_URL } from '../support/dispatch-dependencies';
import {
  lambdaDestination,
  registryOf,
  sqsRecord,
  standardTopicDestination,
  WORKSPACE_ID,
} from '../support/fixtures';
import { InMemoryPersistenceLayer } from '../support/in-memory-persistence';

/**
 * Issue #21: personal data a producer puts anywhere in an event (property names included) never
 * reaches a log line or an SQS message attribute the dispatcher writes (attributes are not covered
 * by queue encryption). Bodies are the producers' own, kept whole for redrive, and not scanned;
 * neither are the attributes delivered to the customer's own topic (`distinct_id` is its dedup key).
 */

// Each string appears in the corpus in one role only, so a hit names the leak.
const PII = {
  keyInEventProperties: 'epkey.owner@example.com',
  keyInDefaultProperties: '+1 555 0101',
  keyInVisitor: 'visitor.key@example.com',
  keyInUser: '+1 555 0102',
  nestedKey: 'nested.key@example.com',
  unknownTopLevelKey: 'top.level@example.com',
  unknownEventKey: '+44 20 7946 0103',
  unknownKeyBeside: 'beside.unknown@example.com',
  distinctId: 'dee.distinct@example.com',
  distinctIdPhone: '+1 555 0104',
  retriedDistinctId: 'rita.retried@example.com',
  failedDistinctId: 'fay.failed@example.com',
  exhaustedDistinctId: 'xena.exhausted@example.com',
  unwrittenDistinctId: 'una.unwritten@example.com',
  otherWorkspaceDistinctId: 'otto.other@example.com',
  visitorId: 'vic.visitor@example.com',
  visitorIdPhone: '+1 555 0105',
  eventName: 'Signed up as ed.event@example.com',
  valueEmail: 'val.value@example.com',
  valuePhone: '+1 555 0106',
} as const;
const ALL_PII: readonly string[] = Object.values(PII);

const OTHER_WORKSPACE = 'ws-other';
const otherFunction = {
  ...lambdaDestination,
  id: 'other-fn',
  workspaceId: OTHER_WORKSPACE,
  functionArn: 'arn:aws:lambda:us-east-1:444455556666:function:other',
  events: ['Order Completed'],
} as const satisfies Destination;
const otherTopic = {
  ...standardTopicDestination,
  id: 'other-topic',
  workspaceId: OTHER_WORKSPACE,
  topicArn: 'arn:aws:sns:us-east-1:444455556666:other',
  requiredConsent: ['marketing'],
} satisfies Destination;

/** A valid event with personal data as keys in every free-form object, as ids, name and values. */
function personalEvent(distinctId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    workspace_id: WORKSPACE_ID,
    event: {
      event: PII.eventName,
      distinct_id: distinctId,
      time: 1732300000000,
      event_properties: {
        [PII.keyInEventProperties]: PII.valueEmail,
        nested: { [PII.nestedKey]: [PII.valuePhone] },
      },
      default_properties: { [PII.keyInDefaultProperties]: PII.valuePhone },
    },
    visitor: { visitor_id: PII.visitorId, [PII.keyInVisitor]: PII.valueEmail, email: PII.valueEmail },
    user: { [PII.keyInUser]: PII.valuePhone, phone_number: PII.valuePhone },
    ...overrides,
  };
}

/** Invalid events whose only way into a reason would be a visitor's key or value. */
const INVALID: Record<string, string> = {
  'unknown top-level key': JSON.stringify({ ...personalEvent(PII.distinctId), [PII.unknownTopLevelKey]: 1 }),
  'unknown event key': JSON.stringify(
    personalEvent(PII.distinctId, {
      event: { event: 'x', [PII.unknownEventKey]: PII.valueEmail, [PII.unknownKeyBeside]: 2 },
    }),
  ),
  'non-finite number under a key in event_properties': `{"workspace_id":"${WORKSPACE_ID}","event":{"event":"x","event_properties":{"${PII.keyInEventProperties}":{"${PII.nestedKey}":[1e999]}}},"visitor":{"visitor_id":"v"}}`,
  'non-finite number under a key in default_properties': `{"workspace_id":"${WORKSPACE_ID}","event":{"event":"x","default_properties":{"${PII.keyInDefaultProperties}":-1e999}},"visitor":{"visitor_id":"v"}}`,
  'lone surrogate under a key in visitor': `{"workspace_id":"${WORKSPACE_ID}","event":{"event":"x"},"visitor":{"visitor_id":"v","${PII.keyInVisitor}":"\\ud800"}}`,
  'lone surrogate in a key in user': `{"workspace_id":"${WORKSPACE_ID}","event":{"event":"x"},"visitor":{"visitor_id":"v"},"user":{"${PII.keyInUser}\\udc00":1}}`,
  '__proto__ under a key in user': `{"workspace_id":"${WORKSPACE_ID}","event":{"event":"x"},"visitor":{"visitor_id":"v"},"user":{"${PII.keyInUser}":{"__proto__":{"a":1}}}}`,
  'nesting too deep under keys': `{"workspace_id":"${WORKSPACE_ID}","event":{"event":"x","event_properties":${`{"${PII.nestedKey}":`.repeat(40)}1${'}'.repeat(40)}},"visitor":{"visitor_id":"v"}}`,
  'unknown top-level key holding an unsafe value': `{"workspace_id":"${WORKSPACE_ID}","${PII.unknownTopLevelKey}":{"${PII.nestedKey}":1e999},"event":{"event":"x"},"visitor":{"visitor_id":"v"}}`,
  'visitor_id of the wrong type beside personal keys': JSON.stringify(
    personalEvent(PII.distinctId, { visitor: { visitor_id: 42, [PII.keyInVisitor]: PII.valueEmail } }),
  ),
  'user as a personal string': JSON.stringify(personalEvent(PII.distinctId, { user: PII.valueEmail })),
  'a personal name in the destinations list': JSON.stringify(
    personalEvent(PII.distinctId, { destinations: [PII.valueEmail] }),
  ),
  'personal distinct_id, negative time': JSON.stringify(
    personalEvent(PII.distinctIdPhone, {
      event: { event: PII.eventName, distinct_id: PII.distinctIdPhone, time: -1 },
    }),
  ),
  'empty visitor_id, many personal unknown keys': JSON.stringify({
    ...personalEvent(PII.distinctId, { visitor: { visitor_id: '' } }),
    ...Object.fromEntries(ALL_PII.map((p, i) => [`${p}#${i}`, p])),
  }),
};

const INGEST = INGEST_URL;
const DLQ = DLQ_URL;

describe('personal data in what the dispatcher writes', () => {
  const sns = mockClient(SNSClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  let logs: ReturnType<typeof capturingLogger>;

  const deps = (overrides: Partial<DispatchDependencies> = {}) =>
    dispatchDependencies(
      registryOf([lambdaDestination, standardTopicDestination, otherFunction, otherTopic]),
      logs.logger,
      overrides,
    );
  const distinctIdOf = (message: string | undefined) =>
    (JSON.parse(message ?? '{}') as { event?: { distinct_id?: string } }).event?.distinct_id;
  /** Everything SQS was asked to write except bodies: attributes, group and deduplication ids. */
  const sqsEntries = () =>
    sqs.commandCalls(SendMessageBatchCommand).flatMap((c) =>
      (c.args[0].input.Entries ?? []).map(({ MessageBody: _body, ...rest }) => ({
        queueUrl: c.args[0].input.QueueUrl,
        ...rest,
      })),
    );

  beforeEach(() => {
    sns.reset();
    lambda.reset();
    sqs.reset();
    logs = capturingLogger();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    // The topic takes most events; one fails for now (retried), one for good (dead-lettered).
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => {
        const entries = input.PublishBatchRequestEntries;
        const failing = (id: string) => entries.filter((e) => distinctIdOf(e.Message) === id);
        return {
          Successful: entries
            .filter(
              (e) =>
                ![PII.retriedDistinctId, PII.failedDistinctId].includes(distinctIdOf(e.Message) as never),
            )
            .map((e) => ({ Id: e.Id })),
          Failed: [
            ...failing(PII.retriedDistinctId).map((e) => ({
              Id: e.Id,
              Code: 'InternalError',
              SenderFault: false,
            })),
            ...failing(PII.failedDistinctId).map((e) => ({
              Id: e.Id,
              Code: 'InvalidParameter',
              SenderFault: true,
              Message: 'Invalid parameter',
            })),
          ],
        };
      });
    // The dead-letter queue refuses the letter of one event: it is logged as not written.
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => {
      const refused = (e: SendMessageBatchRequestEntry) =>
        distinctIdOf(e.MessageBody) === PII.unwrittenDistinctId;
      return {
        Successful: input.Entries.filter((e) => !refused(e)).map((e) => ({
          Id: e.Id,
          MessageId: 'new',
          MD5OfMessageBody: '',
        })),
        Failed: input.Entries.filter(refused).map((e) => ({
          Id: e.Id,
          Code: 'InternalError',
          SenderFault: false,
        })),
      };
    });
  });
  afterEach(() => logs.restore());

  it('logs and writes no personal data, for valid, invalid, retried, failed and skipped events', async () => {
    // Prepare: valid events (delivered, retried, failed for good, whose letter is not written),
    // events of a workspace whose destinations skip them, and every invalid case.
    const valid = [PII.distinctId, PII.distinctIdPhone, PII.retriedDistinctId, PII.failedDistinctId].map(
      (id) => JSON.stringify(personalEvent(id)),
    );
    const unwritten = JSON.stringify(
      personalEvent(PII.unwrittenDistinctId, { destinations: ['no-such-fn'] }),
    );
    const other = [
      // Blocked by consent at the topic; the function does not take its name.
      personalEvent(PII.otherWorkspaceDistinctId, { workspace_id: OTHER_WORKSPACE }),
      // Routed nowhere: the function it names does not take its name.
      personalEvent(PII.otherWorkspaceDistinctId, {
        workspace_id: OTHER_WORKSPACE,
        destinations: ['other-fn'],
      }),
    ].map((e) => JSON.stringify(e));
    const bodies = [...valid, unwritten, ...other, ...Object.values(INVALID)];
    const withRetries = deps({
      retry: {
        queueUrl: INGEST,
        maxAttempts: 5,
        maxAgeSeconds: 3600,
        baseDelaySeconds: 2,
        maxDelaySeconds: 900,
      },
    });

    // Act: one batch with per-destination retries; then, without them, a last attempt failing.
    await dispatchBatch(
      bodies.map((body, i) => sqsRecord(body, { messageId: `m${i}`, sentAt: Date.now() })),
      withRetries,
    );
    const exhausted = JSON.stringify(personalEvent(PII.exhaustedDistinctId));
    sns
      .on(PublishBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    await dispatchBatch([sqsRecord(exhausted, { messageId: 'last', receiveCount: 5 })], deps());

    // Assess: each path was taken, so the scan below covers it.
    const lines = logs.lines();
    const messages = lines.map((l) => String((JSON.parse(l) as LogLine).message));
    for (const expected of [
      'events received',
      'deliveries',
      'delivery failed, retry scheduled',
      'dead-lettered',
      'dead letter not written, will retry',
      'not delivered: no consent',
      'no destination accepts this event',
    ]) {
      expect(messages).toContain(expected);
    }
    const entries = sqsEntries();
    const letters = entries.filter((e) => e.queueUrl === DLQ);
    const codes = letters.map((e) => e.MessageAttributes?.error_code?.StringValue);
    expect(codes.filter((c) => c === 'InvalidEvent')).toHaveLength(Object.keys(INVALID).length);
    expect(codes).toEqual(
      expect.arrayContaining(['InvalidParameter', 'DestinationNotFound', 'RetriesExhausted']),
    );
    expect(entries.filter((e) => e.queueUrl === INGEST).length).toBeGreaterThanOrEqual(1);

    // Assess: not one personal string in any log line or any attribute written.
    const written = [...lines, ...entries.map((e) => JSON.stringify(e))].join('\n');
    expect(ALL_PII.filter((personal) => written.includes(personal))).toEqual([]);
    const reasons = letters.map((e) => e.MessageAttributes?.error_message?.StringValue ?? '');
    expect(reasons).toContain('event.event_properties.<key>.<key>[0]: number is out of range');
    expect(reasons).toContain('(body): Unrecognized key');
  });

  it('still lets the trace follow an event by its personal distinct id', async () => {
    await dispatchBatch(
      [sqsRecord(JSON.stringify(personalEvent(PII.distinctId)), { messageId: 'm1' })],
      deps(),
    );

    const lines = logs.lines().map((l) => JSON.parse(l) as LogLine);
    const [trace] = traceEvent({ distinctId: PII.distinctId, workspaceId: WORKSPACE_ID }, lines);

    expect(trace.steps.map((s) => `${s.kind}${'destinationId' in s ? ` ${s.destinationId}` : ''}`)).toEqual([
      'received',
      'delivered marketing',
    ]);
    expect(JSON.stringify(lines)).not.toContain(PII.distinctId);
  });
});

describe('dead-letter reasons', () => {
  it.each(Object.entries(INVALID))('name schema positions only: %s', (_name, body) => {
    const parsed = parseIngestMessage(body);

    expect(parsed.ok).toBe(false);
    const reason = parsed.ok ? '' : parsed.reason;
    expect(reason.length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
    expect(ALL_PII.filter((personal) => reason.includes(personal))).toEqual([]);
    // Keys that are not the schema's are named `<key>`: nothing else in a path is free text.
    const paths = reason.split('; ').map((issue) => issue.slice(0, issue.indexOf(': ')));
    for (const path of paths) expect(path).toMatch(/^(\(body\)|[a-z_]+|<key>|\[\d+\]|\.|…)+$/);
  });

  it('read like this', () => {
    const reason = (body: string) => {
      const parsed = parseIngestMessage(body);
      return parsed.ok ? '' : parsed.reason;
    };

    expect(reason(INVALID['unknown event key'])).toBe('event: Unrecognized keys (2)');
    expect(reason(INVALID['lone surrogate under a key in visitor'])).toBe(
      'visitor.<key>: string is not well-formed Unicode',
    );
    expect(reason(INVALID['lone surrogate in a key in user'])).toBe('user: key is not well-formed Unicode');
    expect(reason(INVALID['__proto__ under a key in user'])).toBe(
      'user.<key>: key "__proto__" is not allowed',
    );
    expect(reason(INVALID['nesting too deep under keys'])).toBe(
      'event.event_properties.<key>.<key>.<key>.<key>.<key>.<key>…: nested deeper than 32 levels',
    );
    expect(reason(INVALID['unknown top-level key holding an unsafe value'])).toBe(
      '<key>.<key>: number is out of range',
    );
    expect(reason(INVALID['visitor_id of the wrong type beside personal keys'])).toBe(
      'visitor.visitor_id: Invalid input: expected string, received number',
    );
  });

  it('are cut to a fixed budget, marked', () => {
    expect(boundReason('x'.repeat(MAX_REASON_LENGTH))).toBe('x'.repeat(MAX_REASON_LENGTH));
    const cut = boundReason(`event.event: ${'y'.repeat(2 * MAX_REASON_LENGTH)}`);
    expect(cut).toHaveLength(MAX_REASON_LENGTH);
    expect(cut).toMatch(/^event\.event: y+… \(truncated\)$/);
  });

  it('name at most five issues, and count the rest', () => {
    const body = JSON.stringify({
      workspace_id: WORKSPACE_ID,
      event: { event: '', distinct_id: '', time: -1, event_properties: 1, default_properties: 1 },
      visitor: { visitor_id: '' },
      destinations: [],
      consent: ['NOT VALID'],
    });

    const parsed = parseIngestMessage(body);

    expect(parsed.ok ? '' : parsed.reason).toMatch(/^event\.event: [^;]+(; [^;]+){4}; and 3 more$/);
  });
});

describe("the consumer's log lines", () => {
  it('name events by a hash, never by their ids or content', async () => {
    const logs = capturingLogger();
    try {
      const handler = createConsumerHandler({
        processEvent: async () => 'done',
        persistenceStore: new InMemoryPersistenceLayer(),
        logger: logs.logger,
        expiresAfterSeconds: 60,
      });
      const { workspace_id: _w, ...payload } = personalEvent(PII.distinctId);
      const context = {
        functionName: 'consumer',
        awsRequestId: 'req-1',
        getRemainingTimeInMillis: () => 30_000,
      } as unknown as Context;

      await handler(payload, context);
      await handler(payload, context);

      const lines = logs.lines();
      expect(lines.map((l) => (JSON.parse(l) as LogLine).message)).toEqual([
        'event processed',
        'duplicate skipped',
      ]);
      expect(ALL_PII.filter((personal) => lines.join('\n').includes(personal))).toEqual([]);
    } finally {
      logs.restore();
    }
  });
});
