import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSEvent } from 'aws-lambda';
import { createConsumerHandler } from './consumer-handler';
import { readConsumerEnvironment } from './environment';
import { S3PayloadReader } from './payload-reader';
import { sampleProcessEvent } from './process-event';

// Created once per execution environment.
const environment = readConsumerEnvironment(process.env);
const logger = new Logger({ serviceName: 'event-consumer' });
const metrics = new Metrics({ namespace: 'EventConsumer', serviceName: 'event-consumer' });

const consume = createConsumerHandler({
  processEvent: sampleProcessEvent({ logger, metrics }),
  persistenceStore: new DynamoDBPersistenceLayer({ tableName: environment.idempotencyTableName }),
  logger,
  expiresAfterSeconds: environment.expiresAfterSeconds,
  keyPrefix: environment.keyPrefix,
  // Oversize events are readable only through the delivery role: without it, a pointer fails clearly.
  ...(environment.payloadRoleArn && {
    offloadedPayloads: new S3PayloadReader({ roleArn: environment.payloadRoleArn }),
  }),
  onDuplicate: () => {
    metrics.addMetric('DuplicatesSkipped', MetricUnit.Count, 1);
  },
});

export const handler = async (event: SQSEvent | unknown, context: Context) => {
  try {
    return await consume(event, context);
  } finally {
    metrics.publishStoredMetrics();
  }
};
