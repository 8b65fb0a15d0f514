import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createConsumerHandler } from '../lambda/consumer/consumer-handler';
import { S3PayloadReader } from '../lambda/consumer/payload-reader';
import { PowertoolsMetricsSink } from '../lambda/dispatcher/batch-metrics';
import { createDispatcherHandler } from '../lambda/dispatcher/create-handler';
import {
  type CircuitTransition,
  DEFAULT_BREAKER_SETTINGS,
} from '../lambda/dispatcher/deliver/failure-memory/circuit-breaker';
import { readDispatcherEnvironment } from '../lambda/dispatcher/environment';
import { HmacKeys } from '../lambda/dispatcher/prepare/hmac-keys';
import { RETRY_ATTEMPT_ATTRIBUTE, RETRY_BUNDLE_ATTRIBUTE } from '../lambda/dispatcher/settle/retry';
import { type DataMapping, usesHmac } from '../lambda/shared/data-mapping';
import { type DestinationInput, destinationArn } from '../lambda/shared/destination-config';
import { type DeliveredPayload, isWorkspaceGroup } from '../lambda/shared/ingest-message';
import { EventConsumer } from '../lib/constructs/event-consumer';
import { EventDispatcher } from '../lib/constructs/event-dispatcher';
import { EMULATOR_CREDENTIALS, emulatorClient, PLATFORM_ACCOUNT, REGION } from './accounts';
import { LocalConsoleServer } from './console-server';
import { type SeededAccess, seedAccess as seedWorkspaceAccess } from './control-plane/seed-access';
import { type LocalControlPlane, startLocalControlPlane } from './control-plane/start';
import { type Emulator, startEmulator } from './emulator';
import { type DestinationFault, DestinationFaults, FaultInjector, type FaultOptions } from './fault-injector';
import { FileLogger } from './file-logger';
import { type LocalFunction, LocalGateway } from './gateway';
import { invocationContext } from './lambda-context';
import { DeliveryLedger } from './ledger';
import type { LogFileSubscription } from './log-subscription';
import {
  DESTINATION_IDS,
  DISPATCHER_FUNCTION_PATH,
  LOCAL_DIFFERENCES,
  type LocalResources,
  type LocalWorkspace,
  platformFunction,
  provision,
  type Queue,
  type SubscriptionQueue,
} from './provision';
import { QueueEventSource } from './queue-event-source';
import { buildReport, type DeadLetterRecord, type DemoReport } from './report';
import type { SendSummary } from './send-events';
import { StreamEventSource } from './stream-event-source';
import { startLocalAlerts } from './workspace-alerts';

export interface LocalPipelineOptions {
  /** Use a FIFO ingest queue (producers set MessageGroupId = workspace_id:visitor_id). @default false */
  readonly fifoIngestQueue?: boolean;
  /** How long a received subscription-queue record stays hidden; a failed one is retried after it. @default 10 s */
  readonly visibilityTimeoutSeconds?: number;
  /** The same for the ingest queue, longer than any local dispatch batch. @default 60 s */
  readonly ingestVisibilityTimeoutSeconds?: number;
  /** Workspaces `workspace-1` … `workspace-N`, each in its own customer account. @default 1 */
  readonly workspaces?: number;
  /** Change a workspace's destinations before they are published (add a broken destination, say). */
  readonly configure?: (workspace: LocalWorkspace, provisioned: DestinationInput[]) => DestinationInput[];
  /** How long the dispatcher serves a loaded workspace before reading the registry again. @default 30 s */
  readonly registryCacheTtlSeconds?: number;
  /** Make a consumer scope fail on some events, to exercise consumer-side dead-lettering. */
  readonly consumerFault?: (scope: string, payload: DeliveredPayload) => boolean;
  /** Faults injected into the dispatcher's delivery calls, reproducible from the seed. @default none */
  readonly faults?: FaultOptions;
  /** Destinations whose calls are slow or fail for a window of time (`--slow`, `--fail`). @default none */
  readonly destinationFaults?: readonly DestinationFault[];
  /**
   * Attempts per destination before an event is dead-lettered with `RetriesExhausted` (the
   * dispatcher's MAX_DELIVERY_ATTEMPTS): 1 dead-letters what a window fault hits at once, where
   * the deployed 50 would outlast any local run. @default the synthesized function's (50)
   */
  readonly maxDeliveryAttempts?: number;
  /** Handler log level: the dispatcher and consumers log as they would in Lambda. @default 'SILENT' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /**
   * A file the dispatcher writes its log lines and metric documents to (at least at INFO, as in
   * Lambda to its log group), for `npm run trace -- --log-file` and the control plane's delivery
   * visibility. @default a temporary file when the control plane is served (removed on stop); else
   * none: its lines follow `logLevel`, on stdout
   */
  readonly dispatcherLogFile?: string;
  /** Progress lines about the runtime itself. */
  readonly log?: (line: string) => void;
  /**
   * Serve the control-plane API on a loopback port; with `seedAccess`, also an operator, and per
   * workspace an admin, an editor, a viewer and an admin API key. @default not served
   */
  readonly controlPlane?: {
    readonly seedAccess?: boolean;
    /** Also serve the built web console (its `url`), the one origin the API answers. @default not served */
    readonly console?: boolean;
  };
}

/** Fewer than the deployed event source's 10: this machine has 2 cores, shared with the emulator. */
const LOCAL_DISPATCHER_CONCURRENCY = 2;

/** The consumer's timeout does not matter locally: nothing cuts it short. */
const CONSUMER_CONTEXT = invocationContext(Number.MAX_SAFE_INTEGER);

/**
 * The whole flow on one machine: three moto processes (one for the AWS services and the platform's
 * tables, two sharing the consumers' idempotency tables), the resources of both stacks, the local
 * gateway (Lambda), the dispatcher fed from the ingest queue, and the sample consumer fed from the
 * subscription queues and by direct invocation, one consumer scope per destination.
 */
export class LocalPipeline {
  readonly ledger = new DeliveryLedger();
  /** Retried events the dispatcher received back (per-destination retries; a bundle counts its events). */
  retriesReceived = 0;
  /** FIFO ingest records whose message group is not `workspace_id:…`: producers must scope them. */
  unscopedGroups = 0;
  /** Circuit breaker transitions, in order. */
  readonly circuitTransitions: CircuitTransition[] = [];
  /** A producer's SQS client, in the platform account. */
  readonly producer: SQSClient;
  /** SQS clients by customer account. */
  private readonly customerSqs = new Map<string, SQSClient>();
  private readonly platformS3: S3Client;
  private readonly sources: (QueueEventSource | StreamEventSource)[] = [];

  /** The control-plane API, when `controlPlane` was asked for. */
  controlPlane?: LocalControlPlane;
  /** The web console, when `controlPlane.console` was asked for: open its `url` in a browser. */
  console?: LocalConsoleServer;
  /** Where the dispatcher writes its log lines, when it writes them to a file. */
  dispatcherLogFile?: string;
  /** The log file is a temporary one of this runtime's: removed on stop. */
  private ownsDispatcherLogFile = false;
  /** Workspace alerts, fed from the dispatcher's log file, when the control plane is served. */
  private alerts?: LogFileSubscription;
  /** The people and keys seeded to try it with, when `controlPlane.seedAccess` was. */
  access?: SeededAccess;

  private constructor(
    readonly resources: LocalResources,
    readonly gateway: LocalGateway,
    readonly faults: FaultInjector | undefined,
    readonly destinationFaults: DestinationFaults | undefined,
    private readonly emulators: Emulator[],
    /** The emulator process of SQS, SNS, STS, IAM, S3 and the platform's own tables. */
    readonly messagingEndpoint: string,
  ) {
    this.producer = emulatorClient(SQSClient, messagingEndpoint, PLATFORM_ACCOUNT);
    for (const { account } of resources.workspaces) {
      this.customerSqs.set(account, emulatorClient(SQSClient, messagingEndpoint, account));
    }
    this.platformS3 = emulatorClient(S3Client, messagingEndpoint, PLATFORM_ACCOUNT, { forcePathStyle: true });
  }

  static async start(options: LocalPipelineOptions = {}): Promise<LocalPipeline> {
    const log = options.log ?? (() => {});
    const emulators: Emulator[] = [];
    try {
      log(
        'starting the AWS API emulator (moto): one process for the services, two for the idempotency tables',
      );
      const started = await Promise.all([
        startEmulator({ log }),
        startEmulator({ log }),
        startEmulator({ log }),
      ]);
      emulators.push(...started);
      const [messaging, ...databases] = started;
      const resources = await provision({
        messagingEndpoint: messaging.endpoint,
        databaseEndpoints: databases.map((d) => d.endpoint),
        fifoIngestQueue: options.fifoIngestQueue,
        visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 10,
        ingestVisibilityTimeoutSeconds: options.ingestVisibilityTimeoutSeconds ?? 60,
        workspaces: options.workspaces ?? 1,
        registryCacheTtlSeconds: options.registryCacheTtlSeconds ?? 30,
        ...(options.configure && { configure: options.configure }),
      });
      log(
        `provisioned: ingest queue, payload bucket, registry, and ${resources.workspaces.length} workspaces (topics, subscription queues, idempotency tables, delivery role), destinations published`,
      );
      const pipeline = await LocalPipeline.wire(resources, messaging, emulators, options);
      if (options.controlPlane) {
        try {
          await pipeline.serveControlPlane(options.controlPlane);
        } catch (error) {
          await pipeline.stop();
          throw error;
        }
        log(`control plane: ${pipeline.controlPlane?.apiUrl}`);
      }
      return pipeline;
    } catch (error) {
      await Promise.allSettled(emulators.map((e) => e.stop()));
      throw error;
    }
  }

  private static async wire(
    resources: LocalResources,
    messaging: Emulator,
    emulators: Emulator[],
    options: LocalPipelineOptions,
  ): Promise<LocalPipeline> {
    const logLevel = options.logLevel ?? 'SILENT';
    const functions = new Map<string, LocalFunction>();
    const faults = options.faults ? new FaultInjector(options.faults) : undefined;
    const destinationFaults = options.destinationFaults?.length
      ? new DestinationFaults(options.destinationFaults)
      : undefined;
    const destinationIds = new Map(
      resources.workspaces.flatMap((w) =>
        w.destinations.map((d) => [destinationArn(d), `${w.id}/${d.id}`] as const),
      ),
    );
    const workspaceByFunction = new Map(resources.workspaces.map((w) => [w.consumerFunctionArn, w]));
    const gateway = new LocalGateway({
      emulatorEndpoint: messaging.endpoint,
      functions,
      // The customer stack's bus key lets EventBridge use it: hold buses to their key policies too.
      eventBridgeKeyPolicies: true,
      faults,
      destinationFaults,
      destinationIds,
      onAsyncFailure: async (functionArn, payload, error) => {
        // Lambda's function dead-letter queue for asynchronous invocations.
        const workspace = workspaceByFunction.get(functionArn);
        if (!workspace) return;
        await pipeline.sqsOf(workspace.account).send(
          new SendMessageCommand({
            QueueUrl: workspace.invocationDeadLetterQueue.url,
            MessageBody: JSON.stringify(payload),
            MessageAttributes: {
              ErrorCode: { DataType: 'String', StringValue: error.name },
              FunctionArn: { DataType: 'String', StringValue: functionArn },
            },
          }),
        );
      },
    });
    await gateway.start();
    const pipeline = new LocalPipeline(
      resources,
      gateway,
      faults,
      destinationFaults,
      emulators,
      messaging.endpoint,
    );

    // Customer side, per workspace: one consumer per destination, each with its own idempotency
    // table, all with the consumer role's identity, reading offloaded payloads through the delivery role.
    for (const workspace of resources.workspaces) pipeline.startConsumers(workspace, functions, options);

    // Platform side: the dispatcher, with its role's identity, talking to AWS through the gateway.
    const dispatcherCredentials = fromTemporaryCredentials({
      params: { RoleArn: resources.dispatcherRoleArn, RoleSessionName: 'local-dispatcher' },
      masterCredentials: EMULATOR_CREDENTIALS,
      clientConfig: { region: REGION, endpoint: messaging.endpoint },
    });
    const fifo = resources.ingestQueue.url.endsWith('.fifo');
    // The dispatcher as synthesized: its function's variables (local differences applied when the
    // stack was, see LOCAL_DIFFERENCES) and its event source mapping's settings.
    const dispatcherFunction = platformFunction(resources, DISPATCHER_FUNCTION_PATH);
    const ingestMapping = resources.platform.eventSourceMappings.find(
      ({ functionLogicalId }) => functionLogicalId === dispatcherFunction.logicalId,
    );
    if (!ingestMapping) throw new Error('the platform stack has no event source mapping for the dispatcher');
    const environment = readDispatcherEnvironment({
      ...dispatcherFunction.environment,
      ...(options.maxDeliveryAttempts && { MAX_DELIVERY_ATTEMPTS: String(options.maxDeliveryAttempts) }),
    });
    // The control plane reads the dispatcher's lines: they go to a file whenever it is served.
    const logFile =
      options.dispatcherLogFile ??
      (options.controlPlane
        ? path.join(tmpdir(), `event-delivery-dispatcher-${randomUUID()}.log`)
        : undefined);
    pipeline.dispatcherLogFile = logFile;
    pipeline.ownsDispatcherLogFile = logFile !== undefined && options.dispatcherLogFile === undefined;
    const dispatcherLogger = logFile
      ? new FileLogger(logFile, {
          serviceName: 'event-dispatcher',
          logLevel: logLevel === 'DEBUG' ? 'DEBUG' : 'INFO',
        })
      : undefined;
    const dispatch = createDispatcherHandler(
      {
        ...environment,
        breaker: { ...DEFAULT_BREAKER_SETTINGS, ...environment.breaker, ...LOCAL_DIFFERENCES.breaker },
      },
      {
        overrides: {
          endpoint: gateway.endpoint,
          credentials: dispatcherCredentials,
          // Short enough for an injected timeout (the gateway holds the call 4 s) to time out.
          ...(faults && {
            requestHandler: { connectionTimeout: 2_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
          }),
        },
        logger: dispatcherLogger ?? new Logger({ serviceName: 'event-dispatcher', logLevel }),
        // As Lambda puts them in the log group: the metric documents (with each destination's summary
        // line, which delivery visibility reads) go to the same file.
        ...(dispatcherLogger && {
          metrics: new PowertoolsMetricsSink(EventDispatcher.METRICS_NAMESPACE, (document) =>
            dispatcherLogger.append(document),
          ),
        }),
        onCircuitTransition: (transition) => pipeline.circuitTransitions.push(transition),
      },
    );
    const dispatcherTimeoutMs = dispatcherFunction.timeoutSeconds * 1000;
    pipeline.addSource(
      resources.ingestQueue,
      pipeline.producer,
      ingestMapping.batchSize,
      ingestMapping.maximumBatchingWindowInSeconds * 1000,
      (event) => {
        if (fifo) pipeline.unscopedGroups += event.Records.filter(hasUnscopedGroup).length;
        for (const { messageAttributes } of event.Records) {
          if (!messageAttributes?.[RETRY_ATTEMPT_ATTRIBUTE]) continue;
          pipeline.retriesReceived += Number(messageAttributes[RETRY_BUNDLE_ATTRIBUTE]?.stringValue ?? 1);
        }
        return dispatch(event, invocationContext(dispatcherTimeoutMs));
      },
      // One poller on a FIFO queue: two concurrent receives in moto can both take the same
      // message group (its in-flight check is not atomic), which SQS never does.
      fifo ? 1 : LOCAL_DISPATCHER_CONCURRENCY,
    );
    return pipeline;
  }

  /** The consumers of one workspace's account: the function, and one per subscription queue. */
  private startConsumers(
    workspace: LocalWorkspace,
    functions: Map<string, LocalFunction>,
    options: LocalPipelineOptions,
  ): void {
    const logLevel = options.logLevel ?? 'SILENT';
    const consumerCredentials = fromTemporaryCredentials({
      params: { RoleArn: workspace.consumerRoleArn, RoleSessionName: 'local-consumer' },
      masterCredentials: EMULATOR_CREDENTIALS,
      clientConfig: { region: REGION, endpoint: this.messagingEndpoint },
    });
    const offloadedPayloads = new S3PayloadReader({
      roleArn: workspace.deliveryRoleArn,
      clientConfig: {
        endpoint: this.gateway.endpoint,
        credentials: consumerCredentials,
        forcePathStyle: true,
      },
    });
    const consumerFor = (destinationId: string) => {
      const table = workspace.idempotencyTables[destinationId];
      const scope = `${workspace.id}/${destinationId}`;
      return createConsumerHandler({
        processEvent: async (payload) => {
          if (options.consumerFault?.(scope, payload))
            throw new Error('consumer fault injected by the local runtime');
          this.ledger.recordProcessed(scope, payload);
          return { processedAt: new Date().toISOString() };
        },
        persistenceStore: new DynamoDBPersistenceLayer({
          tableName: table.tableName,
          awsSdkV3Client: emulatorClient(DynamoDBClient, table.endpoint, workspace.account),
        }),
        logger: new Logger({ serviceName: `consumer-${destinationId}`, logLevel }),
        expiresAfterSeconds: EventConsumer.DEFAULTS.idempotencyTtl.toSeconds(),
        keyPrefix: destinationId,
        offloadedPayloads,
        onDuplicate: () => this.ledger.recordDuplicate(scope),
      });
    };
    const directConsumer = consumerFor(DESTINATION_IDS.function);
    functions.set(workspace.consumerFunctionArn, (payload) => directConsumer(payload, CONSUMER_CONTEXT));
    for (const queue of workspace.subscriptionQueues) {
      const consume = consumerFor(queue.destinationId);
      const { batchSize, maximumBatchingWindowInSeconds } = queue.mapping;
      this.addSource(
        queue,
        this.sqsOf(workspace.account),
        batchSize,
        maximumBatchingWindowInSeconds * 1000,
        (event) => consume(event, CONSUMER_CONTEXT),
      );
    }
    const { stream } = workspace;
    const consumeStream = consumerFor(stream.destinationId);
    const source = new StreamEventSource({
      kinesis: emulatorClient(KinesisClient, this.messagingEndpoint, workspace.account, {
        // HTTP/1.1: the client's default, HTTP/2, is not what the emulator speaks.
        requestHandler: new NodeHttpHandler(),
      }),
      streamArn: stream.arn,
      batchSize: stream.mapping.batchSize,
      retryAttempts: stream.mapping.maximumRetryAttempts ?? EventConsumer.DEFAULTS.streamRetryAttempts,
      handler: (event) => consumeStream(event, CONSUMER_CONTEXT),
      onFailure: { sqs: this.sqsOf(workspace.account), queueUrl: stream.deadLetterQueue.url },
    });
    source.start();
    this.sources.push(source);
  }

  /** The SQS client of a customer account. */
  sqsOf(account: string): SQSClient {
    const sqs = this.customerSqs.get(account);
    if (!sqs) throw new Error(`no customer account ${account} in the local runtime`);
    return sqs;
  }

  /** Every subscription queue of every workspace, with its account's client. */
  private subscriptionQueues(): { sqs: SQSClient; queue: SubscriptionQueue; workspace: LocalWorkspace }[] {
    return this.resources.workspaces.flatMap((workspace) =>
      workspace.subscriptionQueues.map((queue) => ({ sqs: this.sqsOf(workspace.account), queue, workspace })),
    );
  }

  private addSource(
    queue: Queue,
    sqs: SQSClient,
    batchSize: number,
    maxBatchingWindowMs: number,
    handler: (event: SQSEvent) => Promise<unknown>,
    concurrency = 1,
  ): void {
    const source = new QueueEventSource({
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      batchSize,
      maxBatchingWindowMs,
      handler,
      concurrency,
    });
    source.start();
    this.sources.push(source);
  }

  /**
   * The run's report: every sent message accounted for against what the consumers saw and the
   * dead-letter queues hold. On a FIFO ingest queue it also checks per-visitor order at the
   * FIFO topic's consumer.
   */
  async report(run: {
    bodies: readonly string[];
    sent: SendSummary;
    startedAt: number;
  }): Promise<DemoReport> {
    const fifo = this.resources.ingestQueue.url.endsWith('.fifo');
    return buildReport({
      sentBodies: run.bodies,
      rejected: run.sent.rejected,
      firstSentAt: run.sent.firstSentAt,
      workspaces: this.resources.workspaces.map((w) => ({ id: w.id, destinations: w.destinations })),
      ledger: this.ledger,
      deadLetters: await this.deadLetters(),
      durationMs: Date.now() - run.startedAt,
      // With a FIFO ingest queue, order holds end to end at every destination that keeps it.
      orderedScopes: fifo
        ? this.resources.workspaces.flatMap((w) =>
            [DESTINATION_IDS.fifoTopic, DESTINATION_IDS.fifoQueue, DESTINATION_IDS.stream].map(
              (d) => `${w.id}/${d}`,
            ),
          )
        : [],
      ...(fifo && { fifoGroupsWithoutWorkspace: this.unscopedGroups }),
      offloaded: await this.offloadedPayloads(),
      circuitOpenings: this.circuitOpenings(),
      hmacKeys: await this.hmacKeys(),
      ...(this.destinationFaults && {
        destinationFaults: this.destinationFaults.faults.map((f) => ({
          destinationId: f.destinationId,
          fault: f.kind === 'slow' ? `slow ${f.delayMs} ms` : f.kind,
          seconds: f.seconds ?? null,
          calls: this.destinationFaults?.counts.get(f.destinationId) ?? 0,
        })),
      }),
      ...(this.faults && {
        faults: {
          injected: this.faults.total,
          byKind: { ...this.faults.counts },
          retriesReceived: this.retriesReceived,
        },
      }),
    });
  }

  /**
   * What each destination has seen so far, for the local platform's status view: events it
   * accepted, events its consumer processed and duplicates it skipped, dead letters by code;
   * and the messages waiting in the queues.
   */
  async status(): Promise<{
    destinations: Record<
      string,
      { delivered: number; processed: number; duplicatesSkipped: number; deadLetters: Record<string, number> }
    >;
    backlog: number;
  }> {
    const letters = await this.deadLetters();
    const destinations: Awaited<ReturnType<LocalPipeline['status']>>['destinations'] = {};
    const entry = (scope: string) => {
      destinations[scope] ??= { delivered: 0, processed: 0, duplicatesSkipped: 0, deadLetters: {} };
      return destinations[scope];
    };
    for (const workspace of this.resources.workspaces) {
      for (const destination of workspace.destinations) entry(`${workspace.id}/${destination.id}`);
    }
    for (const [scope, count] of this.gateway.delivered) entry(scope).delivered = count;
    for (const [scope, processed] of this.ledger.processed) entry(scope).processed = processed.size;
    for (const [scope, count] of this.ledger.duplicatesSkipped) entry(scope).duplicatesSkipped = count;
    for (const letter of letters) {
      const workspaceId = letter.scope?.split('/')[0] ?? workspaceOf(letter.body);
      const scope = letter.scope ?? `${workspaceId}/${letter.destinationId ?? '(none)'}`;
      const codes = entry(scope).deadLetters;
      codes[letter.errorCode] = (codes[letter.errorCode] ?? 0) + 1;
    }
    return { destinations, backlog: await this.backlog() };
  }

  /** The HMAC keys of workspaces whose destinations use `hmac`, read as the dispatcher reads them. */
  private async hmacKeys(): Promise<Map<string, Buffer>> {
    const keys = new HmacKeys(emulatorClient(SecretsManagerClient, this.messagingEndpoint, PLATFORM_ACCOUNT));
    const users = this.resources.workspaces.filter((w) =>
      w.destinations.some((d) => usesHmac(d.mapping as DataMapping | undefined)),
    );
    return new Map(await Promise.all(users.map(async (w) => [w.id, await keys.key(w.id)] as const)));
  }

  /** How often each destination's circuit opened. */
  circuitOpenings(): Map<string, number> {
    const openings = new Map<string, number>();
    for (const { destinationId, to } of this.circuitTransitions) {
      if (to === 'open') openings.set(destinationId, (openings.get(destinationId) ?? 0) + 1);
    }
    return openings;
  }

  /** Payloads in the payload bucket, counted by `workspace/destination` (keys are `account/workspace/destination/…`). */
  async offloadedPayloads(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    let ContinuationToken: string | undefined;
    do {
      const page = await this.platformS3.send(
        new ListObjectsV2Command({ Bucket: this.resources.payloadBucket, ContinuationToken }),
      );
      for (const { Key = '' } of page.Contents ?? []) {
        const [, workspace, destinationId] = Key.split('/');
        const scope = `${workspace}/${destinationId}`;
        counts.set(scope, (counts.get(scope) ?? 0) + 1);
      }
      ContinuationToken = page.NextContinuationToken;
    } while (ContinuationToken);
    return counts;
  }

  /** Messages waiting anywhere in the pipeline: the ingest queue and the subscription queues. */
  async backlog(
    /** Events an ingest message carries, on average: batched messages weigh more. @default 1 */
    eventsPerIngestMessage = 1,
  ): Promise<number> {
    const [ingest, ...subscriptions] = await Promise.all([
      this.depth(this.producer, this.resources.ingestQueue.url),
      ...this.subscriptionQueues().map(({ sqs, queue }) => this.depth(sqs, queue.url)),
    ]);
    return subscriptions.reduce((a, b) => a + b, ingest * eventsPerIngestMessage);
  }

  /** Waits until every queue is empty and nothing is in flight, twice in a row; false on timeout. */
  async waitUntilDrained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let quietChecks = 0;
    while (Date.now() < deadline) {
      const depths = await Promise.all([
        this.depth(this.producer, this.resources.ingestQueue.url),
        ...this.subscriptionQueues().map(({ sqs, queue }) => this.depth(sqs, queue.url)),
      ]);
      const idle =
        depths.every((d) => d === 0) && this.gateway.inFlight === 0 && this.sources.every((s) => !s.active);
      quietChecks = idle ? quietChecks + 1 : 0;
      if (quietChecks >= 2) return true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return false;
  }

  /** Messages in a queue: visible, in flight and delayed. */
  async depth(sqs: SQSClient, queueUrl: string): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Object.values(Attributes).reduce((sum, value) => sum + Number(value), 0);
  }

  /** Every dead letter now in the dead-letter queues: the platform's (with reasons) and the consumer side's. */
  async deadLetters(): Promise<DeadLetterRecord[]> {
    const letters: DeadLetterRecord[] = [];
    for (const message of await this.drain(this.producer, this.resources.deadLetterQueue.url)) {
      const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
      letters.push({
        body: message.Body ?? '',
        errorCode: attribute('error_code') ?? 'RetriesExhausted',
        destinationId: attribute('destination_id'),
        errorMessage: attribute('error_message'),
        source: 'platform',
      });
    }
    const consumerQueues = this.resources.workspaces.flatMap((workspace) => [
      ...workspace.subscriptionQueues.map((q) => ({
        workspace,
        url: q.deadLetterQueue.url,
        destinationId: q.destinationId,
      })),
      {
        workspace,
        url: workspace.invocationDeadLetterQueue.url,
        destinationId: DESTINATION_IDS.function as string,
      },
      { workspace, url: workspace.stream.deadLetterQueue.url, destinationId: workspace.stream.destinationId },
    ]);
    for (const { workspace, url, destinationId } of consumerQueues) {
      for (const message of await this.drain(this.sqsOf(workspace.account), url)) {
        letters.push({
          body: unwrapBusEvent(message.Body ?? ''),
          errorCode: 'ConsumerFailed',
          destinationId,
          scope: `${workspace.id}/${destinationId}`,
          source: 'consumer',
        });
      }
    }
    return letters;
  }

  /** Reads a dead-letter queue to the end, then makes every letter visible again for other readers. */
  private async drain(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
    const messages: Message[] = [];
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      messages.push(...Messages);
    }
    for (let i = 0; i < messages.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages
            .slice(i, i + 10)
            .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
    return messages;
  }

  private async serveControlPlane(options: NonNullable<LocalPipelineOptions['controlPlane']>): Promise<void> {
    // The console first: the API is told its origin.
    if (options.console) this.console = await LocalConsoleServer.start();
    this.controlPlane = await startLocalControlPlane({
      resources: this.resources,
      emulatorEndpoint: this.messagingEndpoint,
      gatewayEndpoint: this.gateway.endpoint,
      dispatcherLogFile: this.dispatcherLogFile as string,
      ...(this.console && { consoleOrigin: this.console.url }),
    });
    this.console?.configure({
      apiUrl: this.controlPlane.apiUrl,
      region: REGION,
      userPoolId: this.controlPlane.userPoolId,
      userPoolClientId: this.controlPlane.userPoolClientId,
      cognitoEndpoint: this.messagingEndpoint,
    });
    this.alerts = startLocalAlerts({
      resources: this.resources,
      dispatcherLogFile: this.dispatcherLogFile as string,
      emulatorEndpoint: this.messagingEndpoint,
      gatewayEndpoint: this.gateway.endpoint,
    });
    if (options.seedAccess)
      this.access = await seedWorkspaceAccess(
        this.controlPlane,
        this.resources.workspaces.map((w) => w.id),
      );
  }

  async stop(): Promise<void> {
    await this.alerts?.stop().catch(() => {});
    await this.controlPlane?.stop().catch(() => {});
    await this.console?.stop().catch(() => {});
    await Promise.allSettled(this.sources.map((s) => s.stop()));
    await this.gateway.stop().catch(() => {});
    await Promise.allSettled(this.emulators.map((e) => e.stop()));
    if (this.ownsDispatcherLogFile && this.dispatcherLogFile) rmSync(this.dispatcherLogFile, { force: true });
  }
}

/** A bus rule's queue holds EventBridge events: the delivered payload is their `detail`. */
function unwrapBusEvent(body: string): string {
  try {
    const event = JSON.parse(body) as { 'detail-type'?: unknown; detail?: unknown };
    return typeof event['detail-type'] === 'string' ? JSON.stringify(event.detail) : body;
  } catch {
    return body;
  }
}

/** The workspace a raw ingest body names, for grouping dead letters; `(unknown)` when it names none. */
function workspaceOf(body: string): string {
  try {
    const id = (JSON.parse(body) as { workspace_id?: unknown }).workspace_id;
    return typeof id === 'string' ? id : '(unknown)';
  } catch {
    return '(unknown)';
  }
}

/** A FIFO ingest record whose message group does not start with its body's workspace. */
function hasUnscopedGroup(record: SQSRecord): boolean {
  const group = record.attributes.MessageGroupId;
  if (group === undefined) return true;
  try {
    const { workspace_id: workspace } = JSON.parse(record.body) as { workspace_id?: unknown };
    return typeof workspace === 'string' && !isWorkspaceGroup(workspace, group);
  } catch {
    return false;
  }
}
