import type { SQSClient } from '@aws-sdk/client-sqs';
import type { QueuedDeadLetter } from '../trace/timeline';
import { redrive } from './redrive';

/**
 * Every letter in a dead-letter queue, each hidden for a moment while the queue is read and put
 * back at once (as `npm run redrive -- --dry-run` does): the queue is left as it was.
 */
export async function readDeadLetterQueue(
  sqs: SQSClient,
  queueUrl: string,
  visibilityTimeoutSeconds = 30,
): Promise<QueuedDeadLetter[]> {
  const letters: QueuedDeadLetter[] = [];
  await redrive(sqs, {
    deadLetterQueueUrl: queueUrl,
    ingestQueueUrl: queueUrl,
    dryRun: true,
    visibilityTimeoutSeconds,
    onLetter: (letter) =>
      letters.push({
        body: letter.Body ?? '',
        attributes: Object.fromEntries(
          Object.entries(letter.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
        ),
      }),
  });
  return letters;
}
