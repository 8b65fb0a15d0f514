import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { destinationKey } from '../shared/destination-config';
import { type MetricsSink, PowertoolsMetricsSink } from './batch-metrics';
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

/** The dispatcher's own clients' settings (queues, registry, payload bucket): its region and identity. */
type OwnClientConfig = {
  requestHandler: typeof BOUNDED_REQUEST_HANDLER | ClientOverrides['requestHandler'];
  region?: string;
  endpoint?: string;
  credentials?: ClientOverrides['credentials'];
};

export interface DispatcherHandlerOptions {
  overrides?: ClientOverrides;
  logger?: Logger;
  /** Told of every circuit breaker transition, besides the log line. */
  onCircuitTransition?: (transition: CircuitTransition) => void;
  /** Where the batch metrics go. @default Powertools EMF on stdout, when the environment names a namespace */
  metrics?: MetricsSink;
}

/**
 * Wires the dispatcher once per execution environment: registry, SDK clients and their
 * credentials, failure memories, logger. The local runtime calls it too, pointing the clients
 * elsewhere.
 */
export function createDispatcherHandler(
  environment: DispatcherEnvironment,
  options: DispatcherHandlerOptions = {},
): DispatcherHandler {
  const logger = options.logger ?? new Logger({ serviceName: 'event-dispatcher' });
  const { endpoint, credentials, requestHandler } = options.overrides ?? {};
  const ownClientConfig: OwnClientConfig = {
    requestHandler: BOUNDED_REQUEST_HANDLER,
    ...(environment.region && { region: environment.region }),
    ...(endpoint && { endpoint }),
    ...(credentials && { credentials }),
    ...(requestHandler && { requestHandler }),
  };
  const fixed = StaticRegistry.fromJson(environment.destinationsJson);
  const disabled =
    environment.destinationStatus && disabledDestinationsFrom(environment, ownClientConfig, logger);
  // Status writes of a batch's circuit transitions, awaited before the invocation returns.
  const statusWrites: Promise<void>[] = [];
  const payloads = payloadStoreFrom(environment, ownClientConfig);
  const dependencies: DispatchDependencies = {
    registry: environment.registry
      ? new LayeredRegistry(fixed, liveRegistry(environment.registry, ownClientConfig, logger))
      : fixed,
    clients: new DestinationClients({
      sessionName: 'event-dispatcher',
      stsRegion: environment.region,
      overrides: options.overrides,
    }),
    sqs: new SQSClient(ownClientConfig),
    deadLetterQueue: environment.deadLetterQueue,
    ...(environment.deadLetterStore && {
      deadLetterStore: {
        ...environment.deadLetterStore,
        dynamodb: new DynamoDBClient(ownClientConfig),
      },
    }),
    logger,
    maxReceiveCount: environment.maxReceiveCount,
    concurrency: environment.concurrency,
    brokenDestinations: new BrokenDestinations(environment.brokenDestinationPauseMs),
    breakers: new CircuitBreakers(environment.breaker, (transition) => {
      logTransition(logger, transition);
      options.onCircuitTransition?.(transition);
      const { destinationId, to, reason } = transition;
      if (disabled && to === 'open') statusWrites.push(disabled.reportFailing(destinationId, reason));
      if (disabled && to === 'closed') statusWrites.push(disabled.reportRecovered(destinationId));
    }),
    rateLimiter: new RateLimiter(),
    ...(options.metrics
      ? { metrics: options.metrics }
      : environment.metricsNamespace && { metrics: new PowertoolsMetricsSink(environment.metricsNamespace) }),
    ...(disabled && { disabledDestinations: disabled }),
    ...(environment.retry && { retry: environment.retry }),
    ...(payloads && { payloads }),
  };
  const offloading = fixed.destinations.filter((d) => d.offloadOversize).map(destinationKey);
  if (offloading.length > 0 && !payloads) {
    throw new Error(
      `Dispatcher configuration is invalid: PAYLOAD_BUCKET is not set, but destinations ${offloading.join(', ')} offload oversize events`,
    );
  }
  const mappingPins = mappingPinsLoader(environment.mappingPinSecret, ownClientConfig, logger);
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
}

/** The registry table, read through a cache per execution environment. */
function liveRegistry(
  settings: NonNullable<DispatcherEnvironment['registry']>,
  ownClientConfig: OwnClientConfig,
  logger: Logger,
): CachedRegistry {
  return CachedRegistry.fromTable(
    new DynamoDBClient(ownClientConfig),
    settings.tableName,
    {
      ttlMs: settings.cacheTtlSeconds * 1000,
      maxBytes: settings.cacheMaxBytes,
      ...(settings.cacheMaxWorkspaces && { maxEntries: settings.cacheMaxWorkspaces }),
      hmacKeys: new HmacKeys(new SecretsManagerClient(ownClientConfig)),
    },
    (workspaceId, error) =>
      logger.warn('registry unreadable: serving the cached version', {
        workspaceId,
        errorName: (error as Error)?.name,
      }),
  );
}

function logTransition(logger: Logger, transition: CircuitTransition): void {
  const { destinationId, from, to, reason, retryAt } = transition;
  const log = {
    // The breaker names a destination `workspace/destination`: the workspace too, for queries by workspace.
    workspaceId: destinationId.slice(0, Math.max(0, destinationId.indexOf('/'))),
    destinationId,
    from,
    to,
    reason,
    ...(retryAt && { retryAt: new Date(retryAt).toISOString() }),
  };
  if (to === 'open') logger.warn('circuit opened: deliveries deferred', log);
  else logger.info(to === 'closed' ? 'circuit closed' : 'circuit half-open: probing', log);
}

function disabledDestinationsFrom(
  environment: DispatcherEnvironment,
  ownClientConfig: OwnClientConfig,
  logger: Logger,
): DynamoDbDisabledDestinations | undefined {
  const settings = environment.destinationStatus;
  if (!settings) return undefined;
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

function payloadStoreFrom(environment: DispatcherEnvironment, ownClientConfig: OwnClientConfig) {
  const { payloadBucket, region } = environment;
  if (!payloadBucket || !region) return undefined;
  // Path-style addressing for an emulator endpoint, which serves no bucket subdomains.
  return new S3PayloadStore(
    { ...ownClientConfig, ...(ownClientConfig.endpoint && { forcePathStyle: true }) },
    payloadBucket,
    region,
  );
}

/**
 * The pin key is read on the first batch and kept; until it can be read, no version is pinned
 * or trusted, and every event gets its live mapping. Without a secret (tests, tools), a key of
 * this environment's own.
 */
function mappingPinsLoader(
  secretId: string | undefined,
  ownClientConfig: OwnClientConfig,
  logger: Logger,
): () => Promise<MappingPins | undefined> {
  let pins: Promise<MappingPins> | undefined = secretId
    ? undefined
    : Promise.resolve(MappingPins.ephemeral());
  return async () => {
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
}
