import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { BAD_INPUT_CASES, CORPUS_PERSONAL_DATA } from '../support/bad-input-corpus';
import { capturingLogger } from '../support/capture-logs';
import { ingestMessage, registryOf, sqsRecord, standardTopicDestination } from '../support/fixtures';

const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);

describe('bad-input corpus', () => {
  let logs: ReturnType<typeof capturingLogger>;

  beforeEach(() => {
    sns.reset();
    sqs.reset();
    logs = capturingLogger();
    sns
      .on(PublishBatchCommand)
      .callsFake((input: { PublishBatchRequestEntries: PublishBatchRequestEntry[] }) => ({
        Successful: input.PublishBatchRequestEntries.map((e) => ({ Id: e.Id })),
      }));
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: SendMessageBatchRequestEntry[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: 'dl', MD5OfMessageBody: '' })),
      Failed: [],
    }));
  });
  afterEach(() => logs.restore());

  const dispatch = (bodies: string[]) =>
    dispatchBatch(
      bodies.map((body, i) => sqsRecord(body, { messageId: `m${i}` })),
      {
        registry: registryOf([standardTopicDestination]),
        clients: { client: (Client) => new Client({}) },
        sqs: new SQSClient({}),
        deadLetterQueue: { url: 'https://sqs.us-east-1.amazonaws.com/999999999999/dlq', fifo: false },
        logger: logs.logger,
        maxReceiveCount: 5,
        concurrency: 4,
      },
    );
  const deadLetters = () =>
    sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);

  it('holds at least 30 cases', () => {
    expect(BAD_INPUT_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(BAD_INPUT_CASES.map((c) => [c.name, c]))(
    'dead-letters %s at once, with its code',
    async (_name, c) => {
      const response = await dispatch([c.body]);

      expect(response.batchItemFailures).toEqual([]);
      expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
      const [letter] = deadLetters();
      expect(letter.MessageBody).toBe(c.body);
      expect(letter.MessageAttributes?.error_code.StringValue).toBe(c.errorCode);
      expect(letter.MessageAttributes?.attempts.StringValue).toBe('1');
      for (const personal of CORPUS_PERSONAL_DATA) {
        expect(letter.MessageAttributes?.error_message.StringValue).not.toContain(personal);
      }
    },
  );

  it('delivers the valid events of a batch full of bad input, and logs no personal data', async () => {
    const valid = [1, 2, 3].map((i) => JSON.stringify(ingestMessage({ event: { distinct_id: `ok_${i}` } })));
    const bodies = BAD_INPUT_CASES.map((c) => c.body);
    bodies.splice(10, 0, valid[0]);
    bodies.splice(25, 0, valid[1]);
    bodies.push(valid[2]);

    const response = await dispatch(bodies);

    expect(response.batchItemFailures).toEqual([]);
    const published = sns
      .commandCalls(PublishBatchCommand)
      .flatMap((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    expect(published.map((e) => e.MessageAttributes?.distinct_id.StringValue)).toEqual([
      'ok_1',
      'ok_2',
      'ok_3',
    ]);
    expect(deadLetters().map((l) => l.MessageAttributes?.error_code.StringValue)).toEqual(
      BAD_INPUT_CASES.map((c) => c.errorCode),
    );
    const logged = logs.lines().join('\n');
    expect(logged).toContain('dead-lettered');
    for (const personal of CORPUS_PERSONAL_DATA) expect(logged).not.toContain(personal);
  });
});
