import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DestinationClients } from './clients';
import { StaticDestinationRegistry } from './destination-registry';
import { type DispatchDependencies, dispatchBatch } from './dispatch-batch';
import { readDispatcherEnvironment } from './environment';

// Created once per execution environment: configuration, clients and their credentials are reused.
const environment = readDispatcherEnvironment(process.env);
const logger = new Logger({ serviceName: 'event-dispatcher' });

const dependencies: DispatchDependencies = {
  registry: StaticDestinationRegistry.fromJson(environment.destinationsJson),
  clients: new DestinationClients({ sessionName: 'event-dispatcher', stsRegion: environment.region }),
  sqs: new SQSClient({}),
  deadLetterQueue: environment.deadLetterQueue,
  logger,
  maxReceiveCount: environment.maxReceiveCount,
  concurrency: environment.concurrency,
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  return dispatchBatch(event.Records, dependencies);
};
