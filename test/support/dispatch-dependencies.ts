import type { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DispatchDependencies } from '../../lambda/dispatcher/dispatch-batch';
import type { Registry } from '../../lambda/dispatcher/prepare/registry';
import type { RetryPolicy } from '../../lambda/dispatcher/settle/retry';

export const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest-dlq';
export const INGEST_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest';

/** Per-destination retries as unit tests set them: back to `INGEST_URL`, few attempts, short delays. */
export const TEST_RETRY_POLICY: RetryPolicy = {
  queueUrl: INGEST_URL,
  maxAttempts: 5,
  maxAgeSeconds: 3600,
  baseDelaySeconds: 2,
  maxDelaySeconds: 900,
};

/**
 * What `dispatchBatch` needs, as unit tests set it up: clients built fresh per destination (so
 * `aws-sdk-client-mock` answers them), a standard dead-letter queue, no per-destination retries;
 * override any part.
 */
export function dispatchDependencies(
  registry: Registry,
  logger: Logger,
  overrides: Partial<DispatchDependencies> = {},
): DispatchDependencies {
  return {
    registry,
    clients: { client: (Client) => new Client({ region: 'us-east-1' }) },
    sqs: new SQSClient({ region: 'us-east-1' }),
    deadLetterQueue: { url: DLQ_URL, fifo: false },
    logger,
    maxReceiveCount: 5,
    concurrency: 4,
    ...overrides,
  };
}
