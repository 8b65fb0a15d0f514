import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { OutgoingEvent } from '../../lambda/dispatcher/deliver/drivers/driver';
import { messageDeduplicationId } from '../../lambda/dispatcher/deliver/drivers/message-fields';
import { planQueueBatches, queueUrl, sendMessageBatch } from '../../lambda/dispatcher/deliver/drivers/sqs';
import { parseIngestMessage } from '../../lambda/shared/ingest-message';
import { fifoQueueDestination, ingestMessage, standardQueueDestination } from '../support/fixtures';

const sqs = mockClient(SQSClient);

const event = (overrides: Parameters<typeof ingestMessage>[0] = {}, orderKey?: string): OutgoingEvent => {
  const parsed = parseIngestMessage(JSON.stringify(ingestMessage(overrides)));
  if (!parsed.ok) throw new Error(parsed.reason);
  return { payload: parsed.payload, message: JSON.stringify(parsed.payload), orderKey };
};

beforeEach(() => sqs.reset());

describe('planQueueBatches', () => {
  it('sends the payload with the event_name and distinct_id attributes, no FIFO ids on a standard queue', () => {
    const one = event();

    const [[{ entry }]] = planQueueBatches(standardQueueDestination, [one]).batches;

    expect(entry).toEqual({
      Id: '0',
      MessageBody: one.message,
      MessageAttributes: {
        event_name: { DataType: 'String', StringValue: 'Order Completed' },
        distinct_id: { DataType: 'String', StringValue: 'evt_0001' },
      },
    });
  });

  it('groups a FIFO queue by visitor and deduplicates on workspace, destination, visitor and distinct_id', () => {
    const one = event();
    const [[{ entry }]] = planQueueBatches(fifoQueueDestination, [one]).batches;

    expect(entry.MessageGroupId).toBe('visitor_123');
    expect(entry.MessageDeduplicationId).toBe(messageDeduplicationId(fifoQueueDestination, one.payload));
  });

  it('puts at most 10 messages in a call, and a visitor never twice in one', () => {
    const events = Array.from({ length: 23 }, (_, i) =>
      event({ event: { distinct_id: `evt_${i}` } }, i < 3 ? 'visitor-a' : undefined),
    );

    const { batches, after } = planQueueBatches(fifoQueueDestination, events);

    // visitor-a's three events in three successive calls, the others filling the room left.
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    const callOf = (index: number) => batches.findIndex((b) => b.some((p) => p.index === index));
    expect([callOf(0), callOf(1), callOf(2)]).toEqual([0, 1, 2]);
    for (const batch of batches) {
      expect(batch.map((p) => p.entry.Id)).toEqual(batch.map((_, i) => String(i)));
    }
    // Each waits for the call holding the visitor's previous event.
    expect(after).toEqual([[], [0], [1]]);
  });

  it("rejects a message over the queue's size limit as PayloadTooLarge, and honours a raised limit", () => {
    const big = event({ event: { event_properties: { blob: 'x'.repeat(300_000) } } });

    const standard = planQueueBatches(standardQueueDestination, [big]);
    const raised = planQueueBatches({ ...standardQueueDestination, maxMessageBytes: 1_048_576 }, [big]);

    expect(standard.rejected).toEqual([
      { index: 0, result: { ok: false, error: expect.objectContaining({ code: 'PayloadTooLarge' }) } },
    ]);
    expect(raised.rejected).toEqual([]);
  });
});

describe('sendMessageBatch', () => {
  it("sends to the queue's URL and reads each entry's result: failed entries by their code", async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }],
      Failed: [
        { Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' },
        { Id: '2', Code: 'InvalidParameterValue', SenderFault: true, Message: 'bad attribute' },
      ],
    });
    const [batch] = planQueueBatches(standardQueueDestination, [event(), event(), event()]).batches;

    const results = await sendMessageBatch(
      new SQSClient({ region: 'us-east-1' }),
      standardQueueDestination,
      batch,
    );

    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/orders',
    });
    expect(results.map((r) => (r.ok ? 'ok' : `${r.error.code}/${r.error.retryable}`))).toEqual([
      'ok',
      'ServiceUnavailable/true',
      'InvalidParameter/false',
    ]);
  });

  it('fails every entry with the error of a failed call', async () => {
    sqs.on(SendMessageBatchCommand).rejects(Object.assign(new Error('gone'), { name: 'QueueDoesNotExist' }));
    const [batch] = planQueueBatches(standardQueueDestination, [event(), event()]).batches;

    const results = await sendMessageBatch(
      new SQSClient({ region: 'us-east-1' }),
      standardQueueDestination,
      batch,
    );

    expect(results.map((r) => !r.ok && r.error.code)).toEqual(['DestinationNotFound', 'DestinationNotFound']);
  });
});

it('builds queue URLs from ARNs, in the China partition too', () => {
  expect(queueUrl('arn:aws:sqs:eu-west-1:111122223333:jobs.fifo')).toBe(
    'https://sqs.eu-west-1.amazonaws.com/111122223333/jobs.fifo',
  );
  expect(queueUrl('arn:aws-cn:sqs:cn-north-1:111122223333:jobs')).toBe(
    'https://sqs.cn-north-1.amazonaws.com.cn/111122223333/jobs',
  );
});
