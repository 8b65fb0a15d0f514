import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { everyEntryPublished, ingestMessage, WORKSPACE_ID } from './fixtures';

/** An element of a batched message: an ingest message without its workspace_id (`undefined`: no distinct_id). */
export function batchElement(
  distinctId: string | undefined,
  visitorId = 'visitor_1',
): Record<string, unknown> {
  const { workspace_id: _, ...rest } = ingestMessage({
    event: { distinct_id: distinctId },
    visitor: { visitor_id: visitorId },
  });
  if (distinctId === undefined) delete (rest.event as Record<string, unknown>).distinct_id;
  return rest;
}

/** A batched message body of these elements, for `WORKSPACE_ID`. */
export const batchBody = (...events: unknown[]): string =>
  JSON.stringify({ workspace_id: WORKSPACE_ID, events });

/**
 * The AWS a batch of the dispatcher meets in unit tests, mocked: every publish, invoke and send
 * succeeds until a test says otherwise (`reset` before each test), with what was sent where.
 */
export function mockedDeliveryAws() {
  const sns = mockClient(SNSClient);
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  const publishedEntries = () =>
    sns.commandCalls(PublishBatchCommand).flatMap((c) =>
      (c.args[0].input.PublishBatchRequestEntries ?? []).map((e) => ({
        topic: c.args[0].input.TopicArn,
        distinctId: e.MessageAttributes?.distinct_id.StringValue,
        message: e.Message,
      })),
    );
  return {
    sns,
    lambda,
    sqs,
    reset(): void {
      sns.reset();
      lambda.reset();
      sqs.reset();
      sns.on(PublishBatchCommand).callsFake(everyEntryPublished);
      lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
      sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
        Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'new', MD5OfMessageBody: '' })),
      }));
    },
    /** The messages sent to a queue (dead letters, retries, records sent back), in order. */
    sentTo: (queueUrl: string) =>
      sqs
        .commandCalls(SendMessageBatchCommand)
        .filter((c) => c.args[0].input.QueueUrl === queueUrl)
        .flatMap((c) => c.args[0].input.Entries ?? []),
    publishedEntries,
    /** The distinct ids published, to any topic, in order. */
    published: () => publishedEntries().map((e) => e.distinctId),
    /** The distinct ids functions were invoked with, in order. */
    invoked: () =>
      lambda
        .commandCalls(InvokeCommand)
        .map(
          (c) => JSON.parse(Buffer.from(c.args[0].input.Payload as Uint8Array).toString()).event.distinct_id,
        ),
    /** Functions fail retryably for these distinct ids, and take the rest. */
    functionFailsFor: (...ids: string[]) =>
      lambda.on(InvokeCommand).callsFake((input: { Payload: Uint8Array }) => {
        const { event } = JSON.parse(Buffer.from(input.Payload).toString());
        if (ids.includes(event.distinct_id))
          throw Object.assign(new Error('boom'), { name: 'ServiceException' });
        return { StatusCode: 202 };
      }),
  };
}
