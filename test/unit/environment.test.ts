import { createDispatcherHandler } from '../../lambda/dispatcher/create-handler';
import { DEFAULT_BREAKER_SETTINGS } from '../../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import { readDispatcherEnvironment } from '../../lambda/dispatcher/environment';
import { EXTERNAL_ID, specOf, standardTopicDestination, WORKSPACE_ID } from '../support/fixtures';

describe('readDispatcherEnvironment', () => {
  it('reads the configuration with defaults and detects a FIFO dead-letter queue', () => {
    const environment = readDispatcherEnvironment({
      DESTINATIONS: '{"workspaces":[]}',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq.fifo',
      AWS_REGION: 'us-east-1',
    });

    expect(environment).toEqual({
      destinationsJson: '{"workspaces":[]}',
      deadLetterQueue: { url: 'https://sqs.us-east-1.amazonaws.com/1/dlq.fifo', fifo: true },
      maxReceiveCount: 5,
      concurrency: 16,
      region: 'us-east-1',
      breaker: DEFAULT_BREAKER_SETTINGS,
    });
  });

  it('reads the circuit breaker settings', () => {
    const environment = readDispatcherEnvironment({
      DESTINATIONS: '{"workspaces":[]}',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
      BREAKER_FAILURE_THRESHOLD: '5',
      BREAKER_COOLDOWN_SECONDS: '60',
      MIN_CALL_PATIENCE_MS: '1500',
    });

    expect(environment.breaker).toEqual({
      ...DEFAULT_BREAKER_SETTINGS,
      failureThreshold: 5,
      cooldownMs: 60_000,
      minPatienceMs: 1_500,
    });
  });

  it('reads how long a broken destination is not called, only when set', () => {
    const base = {
      DESTINATIONS: '{"workspaces":[]}',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
    };

    expect(
      readDispatcherEnvironment({ ...base, BROKEN_DESTINATION_PAUSE_SECONDS: '5' }).brokenDestinationPauseMs,
    ).toBe(5_000);
    expect(readDispatcherEnvironment(base).brokenDestinationPauseMs).toBeUndefined();
    expect(() => readDispatcherEnvironment({ ...base, BROKEN_DESTINATION_PAUSE_SECONDS: 'soon' })).toThrow(
      /BROKEN_DESTINATION_PAUSE_SECONDS/,
    );
  });

  it('reads the retry policy when RETRY_QUEUE_URL is set, with defaults spanning six hours', () => {
    const environment = readDispatcherEnvironment({
      DESTINATIONS: '{"workspaces":[]}',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
      RETRY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/ingest',
      RETRY_MAX_DELAY_SECONDS: '5000',
    });

    expect(environment.retry).toEqual({
      queueUrl: 'https://sqs.us-east-1.amazonaws.com/1/ingest',
      maxAttempts: 50,
      maxAgeSeconds: 21_600,
      baseDelaySeconds: 2,
      maxDelaySeconds: 900,
    });
  });

  it('refuses a FIFO retry queue', () => {
    expect(() =>
      readDispatcherEnvironment({
        DESTINATIONS: '{"workspaces":[]}',
        DEAD_LETTER_QUEUE_URL: 'q',
        RETRY_QUEUE_URL: 'https://x/1/ingest.fifo',
      }),
    ).toThrow(/RETRY_QUEUE_URL must be a standard queue/);
  });

  it('reads the live registry and its cache settings', () => {
    const environment = readDispatcherEnvironment({
      DEAD_LETTER_QUEUE_URL: 'q',
      REGISTRY_TABLE: 'registry',
      REGISTRY_CACHE_TTL_SECONDS: '10',
    });

    expect(environment.registry).toEqual({
      tableName: 'registry',
      cacheTtlSeconds: 10,
      cacheMaxBytes: 64 * 2 ** 20,
    });
    expect(environment.destinationsJson).toBe('{"workspaces":[]}');
    expect(() =>
      readDispatcherEnvironment({
        DEAD_LETTER_QUEUE_URL: 'q',
        REGISTRY_TABLE: 'r',
        REGISTRY_CACHE_TTL_SECONDS: '0',
      }),
    ).toThrow(/REGISTRY_CACHE_TTL_SECONDS must be a positive integer/);
  });

  it("sizes the registry cache by bytes: an eighth of the function's memory, or REGISTRY_CACHE_MAX_MB", () => {
    const registry = (env: Record<string, string>) =>
      readDispatcherEnvironment({ DEAD_LETTER_QUEUE_URL: 'q', REGISTRY_TABLE: 'registry', ...env }).registry;

    expect(registry({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024' })?.cacheMaxBytes).toBe(128 * 2 ** 20);
    expect(registry({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024', REGISTRY_CACHE_MAX_MB: '32' })).toEqual({
      tableName: 'registry',
      cacheTtlSeconds: 30,
      cacheMaxBytes: 32 * 2 ** 20,
    });
    expect(registry({ REGISTRY_CACHE_MAX_WORKSPACES: '5000' })?.cacheMaxWorkspaces).toBe(5_000);
    expect(() => registry({ REGISTRY_CACHE_MAX_MB: '0.5' })).toThrow(
      /REGISTRY_CACHE_MAX_MB must be a positive integer, got "0.5"/,
    );
  });

  it('names every missing or invalid variable at once', () => {
    expect(() => readDispatcherEnvironment({ MAX_RECEIVE_COUNT: 'many', DELIVERY_CONCURRENCY: '0' })).toThrow(
      'Dispatcher configuration is invalid: DEAD_LETTER_QUEUE_URL is not set; MAX_RECEIVE_COUNT must be a positive integer, got "many"; DELIVERY_CONCURRENCY must be a positive integer, got "0"',
    );
  });

  it('reads the payload bucket, which needs the region', () => {
    const base = {
      DESTINATIONS: '{"workspaces":[]}',
      DEAD_LETTER_QUEUE_URL: 'q',
      PAYLOAD_BUCKET: 'platform-payloads',
    };

    expect(readDispatcherEnvironment({ ...base, AWS_REGION: 'eu-west-1' }).payloadBucket).toBe(
      'platform-payloads',
    );
    expect(() => readDispatcherEnvironment(base)).toThrow(
      /AWS_REGION is not set \(the payload bucket region\)/,
    );
  });
});

describe('createDispatcherHandler', () => {
  it('fails at cold start when a destination offloads but there is no payload bucket', () => {
    const environment = readDispatcherEnvironment({
      DESTINATIONS: JSON.stringify({
        workspaces: [
          {
            id: WORKSPACE_ID,
            externalId: EXTERNAL_ID,
            destinations: [{ ...specOf(standardTopicDestination), offloadOversize: true }],
          },
        ],
      }),
      DEAD_LETTER_QUEUE_URL: 'q',
      AWS_REGION: 'us-east-1',
    });

    expect(() => createDispatcherHandler(environment)).toThrow(
      'Dispatcher configuration is invalid: PAYLOAD_BUCKET is not set, but destinations ws-acme/marketing offload oversize events',
    );
    expect(() =>
      createDispatcherHandler({ ...environment, payloadBucket: 'platform-payloads' }),
    ).not.toThrow();
  });
});
