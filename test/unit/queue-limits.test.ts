import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { MappingPins } from '../../lambda/dispatcher/prepare/mapping-pins';
import type { Registry } from '../../lambda/dispatcher/prepare/registry';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/settle/retry';
import {
  attributeBytes,
  DEAD_LETTER_ATTRIBUTE_BUDGET,
  INGEST_MAX_MESSAGE_BYTES,
  MAX_INGEST_BODY_BYTES,
  SQS_MAX_MESSAGE_BYTES,
} from '../../lambda/shared/queue-limits';
import { capturingLogger } from '../support/capture-logs';
import { DLQ_URL, dispatchDependencies, INGEST_URL } from '../support/dispatch-dependencies';
import { ingestMessage, lambdaDestination, registryOf, sqsRecord } from '../support/fixtures';

/**
 * Everything the dispatcher writes to its own queues fits, against a stand-in for SQS that
 * enforces AWS's rule (body and attributes together within the queue's limit; moto checks bodies
 * only): each path a near-limit message can take ends with a retry or a dead letter, never with
 * the record handed back to SQS to be moved without a reason.
 */

const LIMITS: Record<string, number> = {
  [DLQ_URL]: SQS_MAX_MESSAGE_BYTES,
  [INGEST_URL]: INGEST_MAX_MESSAGE_BYTES,
};

const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);
const written: { queue: string; entry: SendMessageBatchRequestEntry }[] = [];

const sizeOf = (entry: SendMessageBatchRequestEntry) =>
  Buffer.byteLength(entry.MessageBody ?? '') + attributeBytes(entry.MessageAttributes);

/** An ingest body of exactly `bytes` bytes. */
function bodyOf(bytes: number, overrides: Parameters<typeof ingestMessage>[0] = {}): string {
  const withPad = (pad: string) =>
    JSON.stringify(
      ingestMessage({
        ...overrides,
        event: { distinct_id: 'big', event_properties: { pad }, ...overrides.event },
      }),
    );
  return withPad('x'.repeat(bytes - Buffer.byteLength(withPad(''))));
}

const deps = (registry: Registry = registryOf([lambdaDestination])) =>
  dispatchDependencies(registry, capturingLogger().logger, {
    retry: { ...DEFAULT_RETRY_POLICY, queueUrl: INGEST_URL },
    pins: MappingPins.withKey(Buffer.alloc(32, 1)),
  });

const settledWithoutSqsRedelivery = async (
  records: ReturnType<typeof sqsRecord>[],
  dependencies = deps(),
) => {
  const response = await dispatchBatch(records, dependencies);
  expect(response.batchItemFailures).toEqual([]);
  for (const { queue, entry } of written) expect(sizeOf(entry)).toBeLessThanOrEqual(LIMITS[queue]);
};

describe("what the dispatcher writes to its own queues fits SQS's limit, attributes counted", () => {
  beforeEach(() => {
    lambda.reset();
    sqs.reset();
    written.length = 0;
    sqs.on(SendMessageBatchCommand).callsFake((input) => {
      const queue = input.QueueUrl as string;
      const entries = input.Entries ?? [];
      for (const entry of entries) written.push({ queue, entry });
      const fits = (entry: SendMessageBatchRequestEntry): boolean => sizeOf(entry) <= LIMITS[queue];
      return {
        Successful: entries.filter(fits).map((e: SendMessageBatchRequestEntry) => ({ Id: e.Id })),
        Failed: entries
          .filter((e: SendMessageBatchRequestEntry) => !fits(e))
          .map((e: SendMessageBatchRequestEntry) => ({
            Id: e.Id,
            Code: 'InvalidParameterValue',
            SenderFault: true,
          })),
      };
    });
  });

  it('retries a largest accepted body to its destination alone', async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('busy'), { name: 'TooManyRequestsException' }));

    await settledWithoutSqsRedelivery([sqsRecord(bodyOf(MAX_INGEST_BODY_BYTES), { sentAt: Date.now() })]);

    expect(written.map((w) => w.queue)).toEqual([INGEST_URL]);
  });

  it('dead-letters a largest accepted body whose delivery fails for good', async () => {
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDeniedException' }));

    await settledWithoutSqsRedelivery([sqsRecord(bodyOf(MAX_INGEST_BODY_BYTES))]);

    expect(written.map((w) => w.entry.MessageAttributes?.error_code?.StringValue)).toEqual(['AccessDenied']);
  });

  it('dead-letters as InvalidEvent a body the ingest queue took but its retries could not carry', async () => {
    await settledWithoutSqsRedelivery([sqsRecord(bodyOf(INGEST_MAX_MESSAGE_BYTES))]);

    const [letter] = written;
    expect(letter.entry.MessageAttributes?.error_code?.StringValue).toBe('InvalidEvent');
    expect(letter.entry.MessageAttributes?.error_message?.StringValue).toMatch(/larger than \d+ bytes/);
  });

  it('dead-letters a near-limit invalid body whose reason could echo a huge key', async () => {
    const huge = JSON.stringify({ ...ingestMessage(), ['k'.repeat(900_000)]: 1 });

    await settledWithoutSqsRedelivery([sqsRecord(huge)]);

    expect(written.map((w) => w.entry.MessageAttributes?.error_code?.StringValue)).toEqual(['InvalidEvent']);
  });

  it('dead-letters a near-limit body with a huge target list as going nowhere', async () => {
    const record = sqsRecord(bodyOf(MAX_INGEST_BODY_BYTES));
    record.messageAttributes = {
      target_destinations: { dataType: 'String', stringValue: 'orders-fn,'.repeat(10_000) },
    };

    await settledWithoutSqsRedelivery([record]);

    expect(written.map((w) => w.entry.MessageAttributes?.error_code?.StringValue)).toEqual([
      'NoLongerRouted',
    ]);
  });

  it('re-sends a near-limit body whose workspace cannot be looked up', async () => {
    const unavailable: Registry = {
      workspace: async () => {
        throw new Error('registry down');
      },
      version: async () => undefined,
    };

    await settledWithoutSqsRedelivery(
      [sqsRecord(bodyOf(MAX_INGEST_BODY_BYTES), { sentAt: Date.now() })],
      deps(unavailable),
    );

    expect(written.map((w) => w.queue)).toEqual([INGEST_URL]);
  });

  it('keeps dead-letter attributes within their budget at their largest', async () => {
    const longest = 'w'.repeat(64);
    const { toDeadLetterEntry } = await import('../../lambda/dispatcher/settle/dead-letter');

    const entry = toDeadLetterEntry(
      {
        body: '{}',
        sourceMessageId: 'm'.repeat(100),
        errorCode: 'RetriesExhausted',
        errorMessage: '\u{1F600}'.repeat(10_000),
        attempts: 2 ** 31,
        workspaceId: longest,
        mappingVersion: 2 ** 31,
        mappingPin: 'p'.repeat(43),
        targets: Array.from({ length: 15 }, () => longest),
      },
      true,
    );

    expect(attributeBytes(entry.MessageAttributes)).toBeLessThanOrEqual(DEAD_LETTER_ATTRIBUTE_BUDGET);
  });
});
