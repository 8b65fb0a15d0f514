import type { SNSClientConfig } from '@aws-sdk/client-sns';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { arnParts, type Destination, destinationArn } from '../../shared/destination-config';

/** The client settings the dispatcher gives every SDK client it delivers with. */
export type DeliveryClientConfig = Pick<
  SNSClientConfig,
  'region' | 'maxAttempts' | 'requestHandler' | 'endpoint' | 'credentials'
> & {
  /**
   * SQS only (other clients ignore it): send to the client's endpoint, not to the host of the
   * queue URL built from the ARN. They are the same in AWS; an endpoint set elsewhere (an
   * emulator, `AWS_ENDPOINT_URL`, a VPC endpoint) is then used as configured.
   */
  useQueueUrlAsEndpoint?: boolean;
};

/** An SDK v3 client class (`SNSClient`, `LambdaClient`, …): drivers name the one they send with. */
export type ServiceClientClass<C> = new (config: DeliveryClientConfig) => C;

/** What delivery needs from the client cache; tests pass mocked clients through it. */
export interface DeliveryClients {
  /** The client of this class for this destination: its region, its delivery role. */
  client<C>(Client: ServiceClientClass<C>, destination: Destination): C;
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
  /**
   * SDK clients kept at most (about 20 KB each), least recently used dropped first; so many
   * credential providers too. @default 1,000: about 20 MB, whatever the number of workspaces
   */
  readonly maxClients?: number;
}

export const DEFAULT_MAX_CLIENTS = 1_000;

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
 * SDK clients kept for the life of the execution environment: one per (client class, region,
 * role, external id), all clients of one (role, external id) sharing one temporary-credentials
 * provider, so AssumeRole runs once per role per credential lifetime, whatever the services it
 * is used for. At most `maxClients` are kept, so memory stays bounded with many workspaces: past
 * it, the least recently used client of the workspace holding the most goes (it assumes its role
 * again when next used), so a workspace with many roles churns its own clients, not others'. A
 * destination's cache key is remembered on the destination object itself (each loaded version's
 * destinations are frozen and reused), so a send builds no key.
 */
export class DestinationClients implements DeliveryClients {
  /** By workspace, each workspace's by class and key in use order: the first, the least recently used. */
  private readonly cache = new Map<string, Map<string, unknown>>();
  private clientCount = 0;
  private readonly classIds = new Map<ServiceClientClass<unknown>, number>();
  private readonly credentials = new Map<string, SNSClientConfig['credentials']>();
  private readonly keys = new WeakMap<object, { region: string; key: string }>();
  private readonly maxClients: number;

  constructor(private readonly options: DestinationClientsOptions) {
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  }

  /** Clients kept now, of every class: at most `maxClients`. */
  get size(): number {
    return this.clientCount;
  }

  client<C>(Client: ServiceClientClass<C>, destination: Destination): C {
    const { region, key } = this.keyOf(destination);
    const { roleArn, externalId, workspaceId } = destination;
    let classId = this.classIds.get(Client);
    if (classId === undefined) {
      classId = this.classIds.size;
      this.classIds.set(Client, classId);
    }
    const entry = `${classId}:${key}`;
    let clients = this.cache.get(workspaceId);
    if (!clients) {
      clients = new Map();
      this.cache.set(workspaceId, clients);
    }
    const kept = clients.get(entry) as C | undefined;
    if (kept) {
      // Most recently used: to the end of the order.
      clients.delete(entry);
      clients.set(entry, kept);
      return kept;
    }
    const { endpoint, credentials, requestHandler = BOUNDED_REQUEST_HANDLER } = this.options.overrides ?? {};
    const client = new Client({
      region,
      maxAttempts: DELIVERY_MAX_ATTEMPTS,
      requestHandler: http1(requestHandler),
      useQueueUrlAsEndpoint: false,
      ...(endpoint && { endpoint }),
      ...(credentials && { credentials }),
      ...(roleArn && { credentials: this.roleCredentials(roleArn, externalId, region) }),
    });
    clients.set(entry, client);
    this.clientCount += 1;
    this.evict();
    return client;
  }

  private keyOf(destination: Destination): { region: string; key: string } {
    let known = this.keys.get(destination);
    if (!known) {
      const { region } = arnParts(destinationArn(destination));
      known = {
        region,
        key: JSON.stringify([region, destination.roleArn ?? null, destination.externalId ?? null]),
      };
      this.keys.set(destination, known);
    }
    return known;
  }

  /**
   * Drops clients past the cap: the least recently used of the workspace holding the most. A
   * dropped client is not destroyed: a call still running on it finishes, then it is collected.
   */
  private evict(): void {
    while (this.clientCount > this.maxClients) {
      let fullest: [string, Map<string, unknown>] | undefined;
      for (const held of this.cache) if (!fullest || held[1].size > fullest[1].size) fullest = held;
      if (!fullest) return;
      const [workspaceId, clients] = fullest;
      const oldest = clients.keys().next().value;
      if (oldest !== undefined) clients.delete(oldest);
      if (clients.size === 0) this.cache.delete(workspaceId);
      this.clientCount -= 1;
    }
    while (this.credentials.size > this.maxClients) {
      const oldest = this.credentials.keys().next().value;
      if (oldest === undefined) return;
      this.credentials.delete(oldest);
    }
  }

  /** One temporary-credentials provider per (role, external id), shared by every service's client. */
  private roleCredentials(roleArn: string, externalId: string | undefined, region: string) {
    const key = JSON.stringify([roleArn, externalId ?? null]);
    let provider = this.credentials.get(key);
    if (provider) {
      this.credentials.delete(key);
      this.credentials.set(key, provider);
    } else {
      const {
        endpoint,
        credentials,
        requestHandler = BOUNDED_REQUEST_HANDLER,
      } = this.options.overrides ?? {};
      provider = fromTemporaryCredentials({
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
          requestHandler,
          ...(endpoint && { endpoint }),
        },
      });
      provider = shared(provider as () => Promise<AwsCredentialIdentity>);
      this.credentials.set(key, provider);
    }
    return provider;
  }
}

type AwsCredentialIdentity = Awaited<ReturnType<ReturnType<typeof fromTemporaryCredentials>>>;

/**
 * HTTP/1.1 with keep-alive, as most SDK clients default to: Kinesis's client would otherwise
 * speak HTTP/2, which only its SubscribeToShard needs, to an endpoint that may not (an emulator).
 */
function http1(handler: SNSClientConfig['requestHandler']): SNSClientConfig['requestHandler'] {
  const isInstance = typeof (handler as { handle?: unknown } | undefined)?.handle === 'function';
  return isInstance
    ? handler
    : new NodeHttpHandler(handler as ConstructorParameters<typeof NodeHttpHandler>[0]);
}

/** Refreshed this long before they expire, as the SDK does. */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;

/**
 * One set of credentials for every client of a role: each SDK client memoizes its provider on
 * its own, so a provider shared as is would still be called once per client.
 */
function shared(provider: () => Promise<AwsCredentialIdentity>): () => Promise<AwsCredentialIdentity> {
  let current: Promise<AwsCredentialIdentity> | undefined;
  let refreshAt = 0;
  return () => {
    if (!current || Date.now() >= refreshAt) {
      refreshAt = Number.POSITIVE_INFINITY;
      current = provider().then(
        (credentials) => {
          refreshAt =
            (credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY) - REFRESH_BEFORE_EXPIRY_MS;
          return credentials;
        },
        (error: unknown) => {
          current = undefined;
          throw error;
        },
      );
    }
    return current;
  };
}
