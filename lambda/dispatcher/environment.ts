import { DEFAULT_DEAD_LETTER_RETENTION_SECONDS } from '../shared/dead-letter-store';
import {
  type CircuitBreakerSettings,
  DEFAULT_BREAKER_SETTINGS,
} from './deliver/failure-memory/circuit-breaker';
import { registryCacheBudgetBytes } from './prepare/registry';
import type { DeadLetterQueue } from './settle/dead-letter';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './settle/retry';

export interface DispatcherEnvironment {
  /** The static config as JSON: `{ "workspaces": [...] }` (validated again at cold start). */
  readonly destinationsJson: string;
  /** CloudWatch namespace of the dispatcher's embedded-format metrics. @default none: not published */
  readonly metricsNamespace?: string;
  /** The live registry: every workspace not in the static config is looked up here. @default none */
  readonly registry?: {
    readonly tableName: string;
    /** How long a loaded workspace is served before it is read again. */
    readonly cacheTtlSeconds: number;
    /**
     * Estimated bytes the cached workspaces may take per execution environment (REGISTRY_CACHE_MAX_MB).
     * @default an eighth of the function's memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE): 64 MiB at 512 MB
     */
    readonly cacheMaxBytes: number;
    /** Workspaces kept at once (REGISTRY_CACHE_MAX_WORKSPACES). @default no limit but the bytes */
    readonly cacheMaxWorkspaces?: number;
  };
  readonly deadLetterQueue: DeadLetterQueue;
  /**
   * Where letters of known workspaces are also kept for their customers (DEAD_LETTER_TABLE), as
   * long as the dead-letter queue keeps them (DEAD_LETTER_RETENTION_SECONDS).
   * @default none: the dead-letter queue only
   */
  readonly deadLetterStore?: { readonly tableName: string; readonly retentionSeconds: number };
  readonly maxReceiveCount: number;
  readonly concurrency: number;
  readonly region: string | undefined;
  /** Per-destination retries, when RETRY_QUEUE_URL names the (standard) ingest queue. */
  readonly retry?: RetryPolicy;
  /** The platform's payload bucket, for events too large for a destination that offloads. */
  readonly payloadBucket?: string;
  /** Circuit breaker per destination. @default DEFAULT_BREAKER_SETTINGS */
  readonly breaker?: CircuitBreakerSettings;
  /**
   * How long a destination that answered AccessDenied, DestinationNotFound or KmsError is not
   * called (its events dead-lettered with the same code). @default 60 s (`BrokenDestinations`)
   */
  readonly brokenDestinationPauseMs?: number;
  /**
   * Where destinations that fail everything for `disableAfterHours` are disabled, and whom to tell.
   * @default none: no destination is ever disabled
   */
  readonly destinationStatus?: {
    readonly tableName: string;
    readonly disableAfterHours: number;
    readonly operatorTopicArn?: string;
  };
  /**
   * The Secrets Manager secret holding the key of mapping pins (see `MappingPins`).
   * @default none: a key of each execution environment's own, so a retry keeps its mapping version only where it was written
   */
  readonly mappingPinSecret?: string;
}

/** Reads the dispatcher's configuration once, naming every missing or invalid variable at once. */
export function readDispatcherEnvironment(env: NodeJS.ProcessEnv): DispatcherEnvironment {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (!value) problems.push(`${name} is not set`);
    return value ?? '';
  };
  const positiveInteger = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1)
      problems.push(`${name} must be a positive integer, got "${raw}"`);
    return value;
  };

  const destinationsJson = env.DESTINATIONS || '{"workspaces":[]}';
  const registryTable = env.REGISTRY_TABLE || undefined;
  const registry = registryTable && {
    tableName: registryTable,
    cacheTtlSeconds: positiveInteger('REGISTRY_CACHE_TTL_SECONDS', 30),
    cacheMaxBytes: env.REGISTRY_CACHE_MAX_MB
      ? positiveInteger('REGISTRY_CACHE_MAX_MB', 64) * 2 ** 20
      : registryCacheBudgetBytes(positiveInteger('AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 512)),
    ...(env.REGISTRY_CACHE_MAX_WORKSPACES && {
      cacheMaxWorkspaces: positiveInteger('REGISTRY_CACHE_MAX_WORKSPACES', 1),
    }),
  };
  const deadLetterQueueUrl = required('DEAD_LETTER_QUEUE_URL');
  const deadLetterTable = env.DEAD_LETTER_TABLE || undefined;
  const deadLetterStore = deadLetterTable && {
    tableName: deadLetterTable,
    retentionSeconds: positiveInteger('DEAD_LETTER_RETENTION_SECONDS', DEFAULT_DEAD_LETTER_RETENTION_SECONDS),
  };
  const maxReceiveCount = positiveInteger('MAX_RECEIVE_COUNT', 5);
  const concurrency = positiveInteger('DELIVERY_CONCURRENCY', 16);
  const retryQueueUrl = env.RETRY_QUEUE_URL;
  const retry: RetryPolicy | undefined = retryQueueUrl
    ? {
        queueUrl: retryQueueUrl,
        maxAttempts: positiveInteger('MAX_DELIVERY_ATTEMPTS', DEFAULT_RETRY_POLICY.maxAttempts),
        maxAgeSeconds: positiveInteger('MAX_DELIVERY_AGE_SECONDS', DEFAULT_RETRY_POLICY.maxAgeSeconds),
        baseDelaySeconds: positiveInteger('RETRY_BASE_DELAY_SECONDS', DEFAULT_RETRY_POLICY.baseDelaySeconds),
        maxDelaySeconds: Math.min(
          900,
          positiveInteger('RETRY_MAX_DELAY_SECONDS', DEFAULT_RETRY_POLICY.maxDelaySeconds),
        ),
      }
    : undefined;
  if (retryQueueUrl?.endsWith('.fifo'))
    problems.push('RETRY_QUEUE_URL must be a standard queue: FIFO queues take no per-message delay');
  const breaker: CircuitBreakerSettings = {
    ...DEFAULT_BREAKER_SETTINGS,
    failureThreshold: positiveInteger('BREAKER_FAILURE_THRESHOLD', DEFAULT_BREAKER_SETTINGS.failureThreshold),
    cooldownMs:
      1000 * positiveInteger('BREAKER_COOLDOWN_SECONDS', DEFAULT_BREAKER_SETTINGS.cooldownMs / 1000),
    minPatienceMs: positiveInteger('MIN_CALL_PATIENCE_MS', DEFAULT_BREAKER_SETTINGS.minPatienceMs),
  };
  const brokenDestinationPauseMs = env.BROKEN_DESTINATION_PAUSE_SECONDS
    ? 1000 * positiveInteger('BROKEN_DESTINATION_PAUSE_SECONDS', 60)
    : undefined;
  const statusTable = env.DESTINATION_STATUS_TABLE || undefined;
  const operatorTopicArn = env.OPERATOR_TOPIC_ARN || undefined;
  const destinationStatus = statusTable && {
    tableName: statusTable,
    disableAfterHours: positiveInteger('DISABLE_AFTER_HOURS', 24),
    ...(operatorTopicArn && { operatorTopicArn }),
  };
  const payloadBucket = env.PAYLOAD_BUCKET || undefined;
  const mappingPinSecret = env.MAPPING_PIN_SECRET_ARN || undefined;
  if (payloadBucket && !env.AWS_REGION) problems.push('AWS_REGION is not set (the payload bucket region)');
  if (problems.length > 0) throw new Error(`Dispatcher configuration is invalid: ${problems.join('; ')}`);

  const metricsNamespace = env.POWERTOOLS_METRICS_NAMESPACE || undefined;
  return {
    destinationsJson,
    ...(metricsNamespace && { metricsNamespace }),
    ...(registry && { registry }),
    deadLetterQueue: { url: deadLetterQueueUrl, fifo: deadLetterQueueUrl.endsWith('.fifo') },
    ...(deadLetterStore && { deadLetterStore }),
    maxReceiveCount,
    concurrency,
    region: env.AWS_REGION,
    ...(retry && { retry }),
    ...(payloadBucket && { payloadBucket }),
    breaker,
    ...(brokenDestinationPauseMs && { brokenDestinationPauseMs }),
    ...(destinationStatus && { destinationStatus }),
    ...(mappingPinSecret && { mappingPinSecret }),
  };
}
