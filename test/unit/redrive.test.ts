import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { redrive } from '../../lib/dead-letters/redrive';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest-dlq';
const INGEST = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest';
const sqs = mockClient(SQSClient);

/** A dead letter as the dispatcher writes it. */
function letter(
  id: string,
  attributes: Record<string, string>,
  body = `{"workspace_id":"ws-x","n":"${id}"}`,
): Message {
  return {
    MessageId: id,
    ReceiptHandle: `handle-${id}`,
    Body: body,
    Attributes: { SentTimestamp: '1' },
    MessageAttributes: Object.fromEntries(
      Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
    ),
  };
}

const LETTERS = [
  letter('a1', {
    workspace_id: 'acme',
    destination_id: 'orders',
    error_code: 'AccessDenied',
    mapping_version: '3',
    mapping_pin: 'pin-a1',
  }),
  letter('g1', { workspace_id: 'globex', destination_id: 'orders', error_code: 'AccessDenied' }),
  letter('a2', {
    workspace_id: 'acme',
    error_code: 'WorkspaceNotFound',
    target_destinations: 'orders',
    mapping_version: '2',
    mapping_pin: 'pin-a2',
  }),
  letter('old', { error_code: 'InvalidEvent' }, '{"workspace_id":"acme","event":{}}'),
];

const sentEntries = () =>
  sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);

describe('redrive', () => {
  beforeEach(() => {
    sqs.reset();
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: LETTERS }).resolves({ Messages: [] });
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: (input.Entries ?? []).map((e: { Id?: string }) => ({ Id: e.Id })),
    }));
    sqs.on(DeleteMessageBatchCommand).resolves({});
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});
  });

  it("moves one workspace's letters only, the others' untouched", async () => {
    const summary = await redrive(new SQSClient({ region: 'us-east-1' }), {
      deadLetterQueueUrl: DLQ,
      ingestQueueUrl: INGEST,
      workspaceId: 'acme',
    });

    expect(summary).toMatchObject({ looked: 4, selected: 3, moved: 3 });
    expect(sentEntries().map((e) => JSON.parse(e.MessageBody ?? '{}').n ?? 'old')).toEqual([
      'a1',
      'a2',
      'old',
    ]);
    expect(summary.byReason).toEqual({
      'acme: AccessDenied (orders)': 1,
      'acme: WorkspaceNotFound': 1,
      'acme: InvalidEvent': 1,
    });
  });

  it('takes a destination of one workspace, not the same id in another', async () => {
    const summary = await redrive(new SQSClient({ region: 'us-east-1' }), {
      deadLetterQueueUrl: DLQ,
      ingestQueueUrl: INGEST,
      workspaceId: 'acme',
      destinationId: 'orders',
    });

    expect(summary.moved).toBe(1);
    expect(sentEntries()[0].MessageAttributes?.target_destinations?.StringValue).toBe('orders');
  });

  it('sends each letter back to where it was going, with its pinned mapping version', async () => {
    await redrive(new SQSClient({ region: 'us-east-1' }), {
      deadLetterQueueUrl: DLQ,
      ingestQueueUrl: INGEST,
    });

    const byId = Object.fromEntries(
      sentEntries().map((e) => [JSON.parse(e.MessageBody ?? '{}').n ?? 'old', e]),
    );
    expect(byId.a1.MessageAttributes).toMatchObject({
      target_destinations: { StringValue: 'orders' },
      mapping_version: { StringValue: '3' },
      mapping_pin: { StringValue: 'pin-a1' },
    });
    // Written before routing: to the destinations the retry was going to, not to all.
    expect(byId.a2.MessageAttributes).toMatchObject({
      target_destinations: { StringValue: 'orders' },
      mapping_version: { StringValue: '2' },
      mapping_pin: { StringValue: 'pin-a2' },
    });
    // A version without the dispatcher's pin is not sent on: the live mapping will apply.
    expect(byId.g1.MessageAttributes).not.toHaveProperty('mapping_version');
    expect(byId.old.MessageAttributes).not.toHaveProperty('target_destinations');
  });
});
