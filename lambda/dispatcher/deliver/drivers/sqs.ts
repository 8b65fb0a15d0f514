import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import { arnParts, type SqsDestination } from '../../../shared/destination-config';
import { MESSAGE_BATCH_LIMITS, messageBatch } from './message-batch';

/** A queue's default limits: 10 entries, and 256 KiB per message and per SendMessageBatch call. */
export const SQS_LIMITS = MESSAGE_BATCH_LIMITS;

/** The queue's URL, which SQS's API takes, from its ARN. */
export function queueUrl(queueArn: string): string {
  const { partition, region, account } = arnParts(queueArn);
  const name = queueArn.split(':')[5];
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

const queues = messageBatch<SqsDestination, SendMessageBatchRequestEntry, SQSClient>({
  noun: 'queue',
  Client: SQSClient,
  permissions: DELIVERY_PERMISSIONS.sqs,
  entry: (MessageBody) => ({ Id: '0', MessageBody }),
  call: (client, destination, entries, abortSignal) =>
    client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl(destination.queueArn), Entries: entries }), {
      abortSignal,
    }),
});

export const { limits: queueLimits, plan: planQueueBatches, send: sendMessageBatch } = queues;

/** Amazon SQS queues, standard and FIFO: `SendMessageBatch` by up to 10; a FIFO queue orders each visitor. */
export const sqsDriver = queues.driver;
