import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import { DELIVERY_PERMISSIONS } from '../../../shared/delivery-permissions';
import type { SnsDestination } from '../../../shared/destination-config';
import { MESSAGE_BATCH_LIMITS, messageBatch } from './message-batch';

export type { OutgoingEvent } from './driver';
export { messageDeduplicationId, messageGroupId } from './message-fields';

/** A topic's default limits: 10 entries, and 256 KiB per message and per PublishBatch call. */
export const SNS_LIMITS = MESSAGE_BATCH_LIMITS;

const topics = messageBatch<SnsDestination, PublishBatchRequestEntry, SNSClient>({
  noun: 'topic',
  Client: SNSClient,
  permissions: DELIVERY_PERMISSIONS.sns,
  entry: (Message) => ({ Id: '0', Message }),
  call: (client, destination, entries, abortSignal) =>
    client.send(
      new PublishBatchCommand({ TopicArn: destination.topicArn, PublishBatchRequestEntries: entries }),
      { abortSignal },
    ),
});

export const { limits: topicLimits, plan: planTopicBatches, send: publishBatch } = topics;

/** Amazon SNS topics, standard and FIFO: `PublishBatch` by up to 10; a FIFO topic orders each visitor. */
export const snsDriver = topics.driver;
