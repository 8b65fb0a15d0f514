import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type ClientOverrides, DestinationClients } from './clients';
import { DestinationHealth } from './destination-health';
import { StaticDestinationRegistry } from './destination-registry';
import { type DispatchDependencies, dispatchBatch } from './dispatch-batch';
import type { DispatcherEnvironment } from './environment';

export type DispatcherHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * Wires the dispatcher once per execution environment: destination registry, SDK clients and
 * their credentials, logger. The local runtime calls it too, pointing the clients elsewhere.
 */
export function createDispatcherHandler(
  environment: DispatcherEnvironment,
  options: { overrides?: ClientOverrides; logger?: Logger } = {},
): DispatcherHandler {
  const logger = options.logger ?? new Logger({ serviceName: 'event-dispatcher' });
  const { endpoint, credentials, requestHandler } = options.overrides ?? {};
  const dependencies: DispatchDependencies = {
    registry: StaticDestinationRegistry.fromJson(environment.destinationsJson),
    clients: new DestinationClients({
      sessionName: 'event-dispatcher',
      stsRegion: environment.region,
      overrides: options.overrides,
    }),
    sqs: new SQSClient({
      ...(environment.region && { region: environment.region }),
      ...(endpoint && { endpoint }),
      ...(credentials && { credentials }),
      ...(requestHandler && { requestHandler }),
    }),
    deadLetterQueue: environment.deadLetterQueue,
    logger,
    maxReceiveCount: environment.maxReceiveCount,
    concurrency: environment.concurrency,
    health: new DestinationHealth(),
    ...(environment.retry && { retry: environment.retry }),
  };
  return async (event, context) => {
    if (context) logger.addContext(context);
    return dispatchBatch(event.Records, dependencies);
  };
}
