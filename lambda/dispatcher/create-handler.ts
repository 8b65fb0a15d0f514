import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { destinationKey } from '../shared/destination-config';
import { PowertoolsMetricsSink } from './batch-metrics';
import { BatchDeadline } from './deadline';
import { BOUNDED_REQUEST_HANDLER, type ClientOverrides, DestinationClients } from './deliver/clients';
import { BrokenDestinations } from './deliver/failure-memory/broken-destinations';
import { CircuitBreakers, type CircuitTransition } from './deliver/failure-memory/circuit-breaker';
import {
  DynamoDbDisabledDestinations,
  maxReportGapFor,
} from './deliver/failure-memory/disabled-destinations';
import { S3PayloadStore } from './deliver/offload';
import { RateLimiter } from './deliver/rate-limiter';
import { type DispatchDependencies, dispatchBatch } from './dispatch-batch';
import type { DispatcherEnvironment } from './environment';
import { HmacKeys } from './prepare/hmac-keys';
import { MappingPins } from './prepare/mapping-pins';
import { CachedRegistry, LayeredRegistry, StaticRegistry } from './prepare/registry';

export type DispatcherHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * Wires the dispatcher once per execution environment: destination registry, SDK clients and
 * their credentials, logger. The local runtime calls it too, pointing the clients elsewhere.
 */
export function createDispatcherHandler(
  environment: DispatcherEnvironment,
  options: {
    overrides?: ClientOverrides;
    logger?: Logger;
    /** Told of every circuit breaker transition, besides the log line. */
    onCircuitTransition?: (transition: CircuitTransition) => void;
  } = {},
): DispatcherHandler {
  const logger = options.logger ?? new Logger({ serviceName: 'event-dispatcher' });
  const { endpoint, credentials, requestHandler } = options.overrides ?? {};
  // The dispatcher's own clients (queues, payload bucket), in its own region and identity.
  const ownClientConfig = {
    requestHandler: BOUNDED_REQUEST_HANDLER,
    ...(environment.region && { region: environment.region }),
    ...(endpoint && { endpoint }),
    ...(credentials && { credentials }),
    ...(requestHandler && { requestHandler }),
  };
  const fixed = StaticRegistry.fromJson(environment.destinationsJson);
  const registry = environment.registry
    ? new LayeredRegistry(
        fixed,
        CachedRegistry.fromTable(
          new DynamoDBClient(ownClientConfig),
          environment.registry.tableName,
          {
            ttlMs: environment.registry.cacheTtlSeconds * 1000,
            maxEntries: environment.registry.cacheMaxWorkspaces,
            hmacKeys: new HmacKeys(new SecretsManagerClient(ownClientConfig)),
          },
          (workspaceId, error) =>
            logger.warn('registry unreadable: serving the cached version', {
              workspaceId,
              errorName: (error as Error)?.name,
            }),
        ),
      )
    : fixed;
  const status = environment.destinationStatus && destinationStatusFrom(environment.destinationStatus);
  // Status writes of a batch's circuit transitions, awaited before the invocation returns.
  const statusWrites: Promise<void>[] = [];
  const { payloadBucket, region } = environment;
  const dependencies: DispatchDependencies = {
    registry,
    clients: new DestinationClients({
      sessionName: 'event-dispatcher',
      stsRegion: environment.region,
      overrides: options.overrides,
    }),
    sqs: new SQSClient(ownClientConfig),
    deadLetterQueue: environment.deadLetterQueue,
    logger,
    maxReceiveCount: environment.maxReceiveCount,
    concurrency: environment.concurrency,
    brokenDestinations: new BrokenDestinations(),
    breakers: new CircuitBreakers(environment.breaker, (transition) => {
      const { destinationId, from, to, reason, retryAt } = transition;
      const log = {
        destinationId,
        from,
        to,
        reason,
        ...(retryAt && { retryAt: new Date(retryAt).toISOString() }),
      };
      if (to === 'open') logger.warn('circuit opened: deliveries deferred', log);
      else logger.info(to === 'closed' ? 'circuit closed' : 'circuit half-open: probing', log);
      options.onCircuitTransition?.(transition);
      if (status && to === 'open') statusWrites.push(status.reportFailing(destinationId, reason));
      if (status && to === 'closed') statusWrites.push(status.reportRecovered(destinationId));
    }),
    rateLimiter: new RateLimiter(),
    ...(environment.metricsNamespace && { metrics: new PowertoolsMetricsSink(environment.metricsNamespace) }),
    ...(status && { disabledDestinations: status }),
    ...(environment.retry && { retry: environment.retry }),
    ...(payloadBucket &&
      region && {
        payloads: new S3PayloadStore(
          // Path-style addressing for an emulator endpoint, which serves no bucket subdomains.
          {
            ...ownClientConfig,
            ...(endpoint && { forcePathStyle: true }),
          },
          payloadBucket,
          region,
        ),
      }),
  };
  const offloading = fixed.destinations.filter((d) => d.offloadOversize).map(destinationKey);
  if (offloading.length > 0 && !dependencies.payloads) {
    throw new Error(
      `Dispatcher configuration is invalid: PAYLOAD_BUCKET is not set, but destinations ${offloading.join(', ')} offload oversize events`,
    );
  }
  // The pin key is read on the first batch and kept; until it can be read, no version is pinned
  // or trusted, and every event gets its live mapping.
  const secretId = environment.mappingPinSecret;
  let pins: Promise<MappingPins> | undefined = secretId
    ? undefined
    : Promise.resolve(MappingPins.ephemeral());
  const mappingPins = async (): Promise<MappingPins | undefined> => {
    pins ??= MappingPins.fromSecret(new SecretsManagerClient(ownClientConfig), secretId as string);
    try {
      return await pins;
    } catch (error) {
      pins = undefined;
      logger.error('mapping pin key not read: retries keep no mapping version', {
        errorName: (error as Error).name,
      });
      return undefined;
    }
  };
  return async (event, context) => {
    if (context) logger.addContext(context);
    const batchDependencies = { ...dependencies, pins: await mappingPins() };
    const deadline = context
      ? BatchDeadline.fromRemainingTime(context.getRemainingTimeInMillis())
      : BatchDeadline.none();
    try {
      return await dispatchBatch(event.Records, batchDependencies, deadline);
    } finally {
      for (const outcome of await Promise.allSettled(statusWrites.splice(0))) {
        if (outcome.status === 'rejected')
          logger.error('destination status not written', { errorName: (outcome.reason as Error).name });
      }
    }
  };

  function destinationStatusFrom(settings: NonNullable<DispatcherEnvironment['destinationStatus']>) {
    return new DynamoDbDisabledDestinations({
      dynamodb: new DynamoDBClient(ownClientConfig),
      tableName: settings.tableName,
      disableAfterMs: settings.disableAfterHours * 3_600_000,
      maxReportGapMs: maxReportGapFor(environment.breaker),
      logger,
      ...(settings.operatorTopicArn && {
        operatorTopic: { sns: new SNSClient(ownClientConfig), topicArn: settings.operatorTopicArn },
      }),
    });
  }
}
