import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient, type SNSClientConfig } from '@aws-sdk/client-sns';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import {
  arnParts,
  destinationArn,
  type LambdaDestination,
  type SnsDestination,
} from '../shared/destination-config';

/** What delivery needs from the client cache; tests pass mocked clients through it. */
export interface DeliveryClients {
  sns(destination: SnsDestination): SNSClient;
  lambda(destination: LambdaDestination): LambdaClient;
}

/** Settings applied to every client, STS included: the local runtime points them at its emulator. */
export interface ClientOverrides {
  readonly endpoint?: string;
  /** The dispatcher's own identity. @default the SDK's default credential chain */
  readonly credentials?: SNSClientConfig['credentials'];
  readonly requestHandler?: SNSClientConfig['requestHandler'];
}

export interface DestinationClientsOptions {
  /** Shown in the customer's CloudTrail as the role session name. */
  readonly sessionName: string;
  /** Region of the STS endpoint used for AssumeRole: the dispatcher's own region keeps it close. */
  readonly stsRegion?: string;
  readonly overrides?: ClientOverrides;
}

// Per-call budget: one slow destination costs seconds, not the batch. The platform's own
// per-destination retries with backoff do the waiting; the SDK only warns about a request past
// its timeout unless told to fail it.
export const BOUNDED_REQUEST_HANDLER = {
  connectionTimeout: 1_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
};
/** SDK attempts per delivery call: one retry for a blip, the rest is the platform's retries. */
export const DELIVERY_MAX_ATTEMPTS = 2;
const CREDENTIAL_LIFETIME_SECONDS = 3_600;

/**
 * One SDK client per (service, region, roleArn, externalId), kept for the life of the execution
 * environment. Each client refreshes its own temporary credentials, so AssumeRole runs once per
 * credential lifetime, not once per event.
 */
export class DestinationClients implements DeliveryClients {
  private readonly cache = new Map<string, SNSClient | LambdaClient>();

  constructor(private readonly options: DestinationClientsOptions) {}

  sns(destination: SnsDestination): SNSClient {
    return this.client('sns', destination, (config) => new SNSClient(config));
  }

  lambda(destination: LambdaDestination): LambdaClient {
    return this.client('lambda', destination, (config) => new LambdaClient(config));
  }

  private client<C extends SNSClient | LambdaClient>(
    service: string,
    destination: SnsDestination | LambdaDestination,
    create: (config: ConstructorParameters<typeof SNSClient>[0] & object) => C,
  ): C {
    const { region } = arnParts(destinationArn(destination));
    const { roleArn, externalId } = destination;
    const key = JSON.stringify([service, region, roleArn ?? null, externalId ?? null]);
    let client = this.cache.get(key) as C | undefined;
    if (!client) {
      const {
        endpoint,
        credentials,
        requestHandler = BOUNDED_REQUEST_HANDLER,
      } = this.options.overrides ?? {};
      const shared = { requestHandler, ...(endpoint && { endpoint }) };
      client = create({
        region,
        maxAttempts: DELIVERY_MAX_ATTEMPTS,
        ...shared,
        ...(credentials && { credentials }),
        ...(roleArn && {
          credentials: fromTemporaryCredentials({
            params: {
              RoleArn: roleArn,
              ExternalId: externalId,
              RoleSessionName: this.options.sessionName,
              DurationSeconds: CREDENTIAL_LIFETIME_SECONDS,
            },
            ...(credentials && { masterCredentials: credentials }),
            clientConfig: {
              region: this.options.stsRegion ?? region,
              maxAttempts: DELIVERY_MAX_ATTEMPTS,
              ...shared,
            },
          }),
        }),
      });
      this.cache.set(key, client);
    }
    return client;
  }
}
