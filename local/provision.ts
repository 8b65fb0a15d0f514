import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { WorkspaceRegistry } from '../lambda/control-plane/registry/workspace-registry';
import { type DestinationInput, destinationArn } from '../lambda/shared/destination-config';
import { REGISTRY_KEY } from '../lambda/shared/registry-table';
import { DeliveryRole } from '../lib/constructs/delivery-role';
import { EVENT_SOURCE } from '../lib/stacks/customer-stack';
import {
  CUSTOMER_ACCOUNT,
  customerAccount,
  emulatorClient,
  LOCAL_OPERATOR,
  PLATFORM_ACCOUNT,
  REGION,
} from './accounts';
import {
  type AppliedStack,
  applyTemplate,
  type ResourceDescriptor,
  type StackResource,
} from './cloudformation/apply';
import type { LocalEventSourceMapping, LocalFunction, Properties } from './cloudformation/handlers/handler';
import { physicalName } from './cloudformation/handlers/handler';
import {
  CUSTOMER_STACK,
  customerTemplate,
  PLATFORM_STACK,
  platformTemplate,
} from './cloudformation/synthesize';
import type { Template } from './cloudformation/template';

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

/**
 * A queue the consumer reads: a topic's subscription, the bus rule's target, or a destination
 * queue itself.
 */
export interface SubscriptionQueue extends Queue {
  /** The destination that feeds this queue: the consumer scope. */
  readonly destinationId: string;
  readonly deadLetterQueue: Queue;
  /** The consumer's event source mapping on it, as synthesized. */
  readonly mapping: LocalEventSourceMapping;
}

/** The customer's stream, which the consumer reads as Lambda's Kinesis event source would. */
export interface LocalStream {
  readonly name: string;
  readonly arn: string;
  readonly destinationId: string;
  /** Where records still failing after the retries go, as the event source's on-failure destination. */
  readonly deadLetterQueue: Queue;
  /** The consumer's event source mapping on it, as synthesized. */
  readonly mapping: LocalEventSourceMapping;
}

/** One workspace of the local platform: a customer with an AWS account of its own. */
export interface LocalWorkspace {
  readonly id: string;
  readonly account: string;
  /** Assigned by the registry when the workspace was created. */
  readonly externalId: string;
  readonly deliveryRoleArn: string;
  /** The customer's consumer function role: it assumes the delivery role to read offloaded payloads. */
  readonly consumerRoleArn: string;
  /**
   * A role of the customer account that the platform account's credentials may assume, with full
   * access: how a person (AWS CLI, boto3) acts as this customer on the local platform.
   */
  readonly developerRoleArn: string;
  readonly consumerFunctionArn: string;
  readonly invocationDeadLetterQueue: Queue;
  readonly subscriptionQueues: SubscriptionQueue[];
  readonly stream: LocalStream;
  /** One idempotency table per consumer scope (destination id), spread over the DynamoDB emulators. */
  readonly idempotencyTables: Record<string, { tableName: string; endpoint: string }>;
  /** The destinations published for it: the example function, topics, stream, bus and queues. */
  readonly destinations: DestinationInput[];
  /** Its customer stack as applied: every resource, by logical id. */
  readonly stack: AppliedStack;
}

export interface LocalResources {
  /** The platform stack as applied: every resource, by logical id, and the dispatcher's function. */
  readonly platform: AppliedStack;
  readonly ingestQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dispatcherRoleArn: string;
  /** The platform's bucket for oversize payloads, readable through the delivery roles. */
  readonly payloadBucket: string;
  /** The live destination registry, in the platform account (messaging emulator). */
  readonly registryTable: string;
  /** The dispatcher's destination status table, in the platform account (messaging emulator). */
  readonly destinationStatusTable: string;
  /** Operator events, in the platform account. */
  readonly operatorTopicArn: string;
  readonly workspaces: LocalWorkspace[];
}

export interface ProvisionOptions {
  /** moto for SQS, SNS, STS and IAM (SNS must share a process with SQS for fan-out). */
  readonly messagingEndpoint: string;
  /** moto processes for DynamoDB, apart from SQS: idempotency writes are most of the emulator's work. */
  readonly databaseEndpoints: readonly string[];
  readonly fifoIngestQueue?: boolean;
  /** Subscription queues: shorter than the deployed 6× timeout, so a failed record comes back in seconds. */
  readonly visibilityTimeoutSeconds: number;
  /**
   * The ingest queue: longer than any local dispatch batch, faults included. Lambda's timeout
   * ends a batch in AWS; locally nothing does, and a record visible again mid-batch would be
   * dispatched twice at once, out of order on a FIFO queue.
   */
  readonly ingestVisibilityTimeoutSeconds: number;
  /** Workspaces `workspace-1` … `workspace-N`, each in its own customer account. */
  readonly workspaces: number;
  /** How long the dispatcher serves a loaded workspace before reading the registry again. */
  readonly registryCacheTtlSeconds: number;
  /** Change a workspace's destinations before they are published (add a broken one, say). */
  readonly configure?: (workspace: LocalWorkspace, provisioned: DestinationInput[]) => DestinationInput[];
}

export const DESTINATION_IDS = {
  function: 'customer-fn',
  topic: 'customer-topic',
  fifoTopic: 'customer-fifo',
  stream: 'customer-stream',
  bus: 'customer-bus',
  queue: 'customer-queue',
  fifoQueue: 'customer-queue-fifo',
} as const;

/** The `Source` the platform puts events on the customer's bus with, which the bus's rule matches. */
export const BUS_EVENT_SOURCE = EVENT_SOURCE;

export const workspaceId = (n: number): string => `workspace-${n}`;

/** The dispatcher's function in the platform stack, by construct path (`PlatformStack.dispatcher`). */
export const DISPATCHER_FUNCTION_PATH = 'Dispatcher/Function';

/**
 * Where the local platform differs from the synthesized stacks, all of it: everything else is
 * the templates' own values (`local/cloudformation/`).
 */
export const LOCAL_DIFFERENCES = {
  /**
   * The ingest queue's visibility: longer than any local dispatch batch, faults included (Lambda's
   * timeout ends a batch in AWS; locally nothing does). Other queues': seconds, so that a failed
   * record comes back within a run.
   */
  queueVisibility: (options: ProvisionOptions, resource: ResourceDescriptor) =>
    resource.type === 'AWS::SQS::Queue' && !resource.path?.includes('DeadLetter')
      ? {
          VisibilityTimeout: resource.path?.startsWith(`${PLATFORM_STACK}/Ingest/Queue`)
            ? options.ingestVisibilityTimeoutSeconds
            : options.visibilityTimeoutSeconds,
        }
      : undefined,
  /**
   * A bucket policy without the statements moto cannot judge as AWS does (it evaluates bucket
   * policies): TLS-only ones, since the emulator speaks plain HTTP on loopback; and those on
   * `aws:PrincipalArn`, which moto gives as the assumed role's session ARN where AWS gives the
   * role's, so they would refuse the delivery role itself. The keys and identity policies remain.
   */
  plainHttpBucketPolicy: (resource: ResourceDescriptor, resolved: Properties) => {
    if (resource.type !== 'AWS::S3::BucketPolicy') return undefined;
    const document = resolved.PolicyDocument as {
      Statement: { Condition?: Record<string, Record<string, unknown>> }[];
    };
    const misjudged = (statement: (typeof document.Statement)[number]) =>
      Object.values(statement.Condition ?? {}).some((test) =>
        ['aws:SecureTransport', 's3:TlsVersion', 'aws:PrincipalArn'].some((key) => key in test),
      );
    return { PolicyDocument: { ...document, Statement: document.Statement.filter((s) => !misjudged(s)) } };
  },
  /**
   * The dispatcher's role also trusts the platform account: Lambda assumes it in AWS; locally the
   * pipeline does, and so does `npm run destinations -- check --dispatcher-role-arn`, acting as the
   * dispatcher to probe a customer's setup.
   */
  dispatcherTrust: (resource: ResourceDescriptor, resolved: Properties) => {
    if (
      resource.type !== 'AWS::IAM::Role' ||
      !resource.path?.startsWith(`${PLATFORM_STACK}/Dispatcher/Role`)
    ) {
      return undefined;
    }
    const trust = resolved.AssumeRolePolicyDocument as { Statement: unknown[] };
    const platform = { AWS: `arn:aws:iam::${PLATFORM_ACCOUNT}:root` };
    return {
      AssumeRolePolicyDocument: {
        ...trust,
        Statement: [...trust.Statement, { Effect: 'Allow', Principal: platform, Action: 'sts:AssumeRole' }],
      },
    };
  },
  /**
   * One idempotency table per consumer scope (destination), spread over the database emulators:
   * moto serves a process's requests one at a time, and idempotency writes are most of its work.
   * The stack's single table is created too, unused locally.
   */
  idempotencyTablePerScope: true,
  /** Destination ids without the stack name: `customer-topic`, not `EventDeliveryCustomer-topic`. */
  destinationId: (id: string) => id.replace(`${CUSTOMER_STACK}-`, 'customer-'),
  /** A role per customer account that the platform account may assume: how a person acts as that customer locally. */
  developerRole: true,
  /**
   * The dispatcher's variables that differ: Lambda sets AWS_REGION; retries wait seconds, not
   * minutes, to finish a run, and at most as long as the longest local cool-down (so events
   * deferred by an open circuit wait it out rather than cycle through the emulator's queue);
   * cool-downs (and the pause after AccessDenied) of seconds; a 2 s patience floor, not 500 ms, since the emulator, sharing 2 cores
   * with everything else, stalls a call for hundreds of milliseconds now and then; no metrics on
   * stdout (the local pipeline writes them to the dispatcher's log file, as Lambda to its log
   * group, whenever it has one).
   */
  dispatcherVariables: (options: ProvisionOptions): Record<string, string> => ({
    AWS_REGION: REGION,
    REGISTRY_CACHE_TTL_SECONDS: String(options.registryCacheTtlSeconds),
    RETRY_BASE_DELAY_SECONDS: '1',
    RETRY_MAX_DELAY_SECONDS: '20',
    BREAKER_COOLDOWN_SECONDS: '5',
    BROKEN_DESTINATION_PAUSE_SECONDS: '5',
    MIN_CALL_PATIENCE_MS: '2000',
    POWERTOOLS_METRICS_NAMESPACE: '',
  }),
  /** What Lambda's runtime sets in every function (the dispatcher's variables include it too). */
  runtimeVariables: { AWS_REGION: REGION },
  /**
   * The user pool's MFA is OFF locally: moto cannot take a person through the TOTP setup an
   * authenticator app does, so seeded users sign in with their password alone. In AWS the
   * template's MfaConfiguration ON (TOTP required) applies to everyone.
   */
  userPoolMfaOff: (resource: ResourceDescriptor) =>
    resource.type === 'AWS::Cognito::UserPool' ? { MfaConfiguration: 'OFF' } : undefined,
  /** What the dispatcher's variables cannot say: the longest cool-down after failed probes. */
  breaker: { maxCooldownMs: 20_000 },
  /**
   * The platform without its console hosting: CloudFront is not emulated, so the local runtime
   * serves the built console itself (`local/console-server.ts`, with the deployed headers), and
   * tells the API its origin; and the demo, which has no console, needs no console build.
   */
  console: false,
} as const;

/**
 * Applies the platform's and each workspace's customer stack, as synthesized, to the emulator.
 * Each workspace is created in the registry (which assigns its external id), gets its customer
 * account's stack, and has the seven destinations the stack outputs published.
 */
export async function provision(options: ProvisionOptions): Promise<LocalResources> {
  const endpoint = options.messagingEndpoint;
  const accounts = Array.from({ length: options.workspaces }, (_, i) => ({
    id: workspaceId(i + 1),
    account: customerAccount(i + 1),
  }));
  // Each workspace reads its offloaded payloads through its delivery role. In AWS the platform
  // learns the role from the customer's stack and redeploys; locally its name is known in advance.
  const deliveryRoleLogicalId = deliveryRoleOf(
    customerTemplate({
      account: CUSTOMER_ACCOUNT,
      region: REGION,
      platformAccountId: PLATFORM_ACCOUNT,
      dispatcherRoleArn: `arn:aws:iam::${PLATFORM_ACCOUNT}:role/dispatcher`,
      externalId: 'placeholder',
    }),
  );
  const payloadReaders = accounts.map(({ id, account }) => ({
    workspaceId: id,
    roleArn: `arn:aws:iam::${account}:role${DeliveryRole.PATH}${physicalName(
      { stackName: CUSTOMER_STACK, logicalId: deliveryRoleLogicalId, account },
      { maxLength: 64 },
    )}`,
  }));
  const platform = await applyTemplate(
    platformTemplate({
      account: PLATFORM_ACCOUNT,
      region: REGION,
      console: LOCAL_DIFFERENCES.console,
      context: {
        ...(options.fifoIngestQueue && { fifoIngestQueue: 'true' }),
        ...(payloadReaders.length > 0 && { payloadReaders: JSON.stringify(payloadReaders) }),
      },
    }),
    {
      stackName: PLATFORM_STACK,
      account: PLATFORM_ACCOUNT,
      endpoint,
      overrides: {
        properties: (resource, resolved) =>
          LOCAL_DIFFERENCES.queueVisibility(options, resource) ??
          LOCAL_DIFFERENCES.plainHttpBucketPolicy(resource, resolved) ??
          LOCAL_DIFFERENCES.dispatcherTrust(resource, resolved) ??
          LOCAL_DIFFERENCES.userPoolMfaOff(resource),
        environment: (fn) =>
          fn.path?.startsWith(`${PLATFORM_STACK}/${DISPATCHER_FUNCTION_PATH}/`)
            ? LOCAL_DIFFERENCES.dispatcherVariables(options)
            : LOCAL_DIFFERENCES.runtimeVariables,
        tableEndpoint: () => endpoint,
      },
    },
  );
  const out = platform.outputs;
  const platformDynamodb = emulatorClient(DynamoDBClient, endpoint, PLATFORM_ACCOUNT);
  const registry = new WorkspaceRegistry(
    platformDynamodb,
    out.RegistryTable,
    LOCAL_OPERATOR,
    emulatorClient(SecretsManagerClient, endpoint, PLATFORM_ACCOUNT),
  );
  const workspaces: LocalWorkspace[] = [];
  for (const [index, { id, account }] of accounts.entries()) {
    const created = await registry.createWorkspace(id);
    const workspace = await provisionCustomer(options, {
      id: created.id,
      account,
      externalId: created.externalId,
      dispatcherRoleArn: out.DispatcherRoleArn,
      payloadBucketArn: out.PayloadBucketArn,
      payloadKeyArn: out.PayloadKeyArn,
      databaseOffset: index * 3,
    });
    const destinations = options.configure?.(workspace, workspace.destinations) ?? workspace.destinations;
    for (const destination of destinations) await registry.addDestination(workspace.id, destination);
    await registry.publish(workspace.id, 'provisioned by the local runtime');
    workspaces.push({ ...workspace, destinations });
  }
  const queueArn = (url: string) => {
    const [account, name] = new URL(url).pathname.split('/').slice(1);
    return `arn:aws:sqs:${REGION}:${account}:${name}`;
  };
  return {
    platform,
    ingestQueue: { url: out.IngestQueueUrl, arn: queueArn(out.IngestQueueUrl) },
    deadLetterQueue: { url: out.DeadLetterQueueUrl, arn: queueArn(out.DeadLetterQueueUrl) },
    dispatcherRoleArn: out.DispatcherRoleArn,
    payloadBucket: out.PayloadBucketArn ? (out.PayloadBucketArn.split(':').pop() ?? '') : '',
    registryTable: out.RegistryTable,
    destinationStatusTable: out.DestinationStatusTable,
    operatorTopicArn: out.OperatorTopicArn,
    workspaces,
  };
}

/**
 * A function of the platform stack, by its construct path in the stack (`Dispatcher/Function`,
 * `ControlPlane/ApiFunction`): as applied, with its synthesized variables and the local ones.
 */
export function platformFunction(resources: Pick<LocalResources, 'platform'>, path: string): LocalFunction {
  const { logicalId } = resources.platform.at(path);
  const fn = resources.platform.functions.find((candidate) => candidate.logicalId === logicalId);
  if (!fn) throw new Error(`${path} in the platform stack is not a function`);
  return fn;
}

/** The logical id of the customer stack's delivery role: the role on the delivery-role path. */
function deliveryRoleOf(template: Template): string {
  const found = Object.entries(template.Resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::IAM::Role' &&
      (resource.Properties as { Path?: string })?.Path === DeliveryRole.PATH,
  );
  if (!found) throw new Error('the customer stack has no delivery role');
  return found[0];
}

/** A workspace's customer account: its customer stack applied, and what the local pollers and consumers need of it. */
async function provisionCustomer(
  options: ProvisionOptions,
  workspace: {
    id: string;
    account: string;
    externalId: string;
    dispatcherRoleArn: string;
    payloadBucketArn?: string;
    payloadKeyArn?: string;
    databaseOffset: number;
  },
): Promise<LocalWorkspace> {
  const { account } = workspace;
  const endpoint = options.messagingEndpoint;
  const databases = options.databaseEndpoints;
  const template = customerTemplate({
    account,
    region: REGION,
    platformAccountId: PLATFORM_ACCOUNT,
    dispatcherRoleArn: workspace.dispatcherRoleArn,
    externalId: workspace.externalId,
    payloadBucketArn: workspace.payloadBucketArn,
    payloadKeyArn: workspace.payloadKeyArn,
  });
  const stack = await applyTemplate(template, {
    stackName: CUSTOMER_STACK,
    account,
    endpoint,
    overrides: {
      properties: (resource) => LOCAL_DIFFERENCES.queueVisibility(options, resource),
      tableEndpoint: () => databases[workspace.databaseOffset % databases.length],
    },
  });
  const destinations = (JSON.parse(stack.outputs.DestinationConfig) as DestinationInput[]).map((d) => ({
    ...d,
    id: LOCAL_DIFFERENCES.destinationId(d.id),
  }));
  const destinationByResource = new Map(destinations.map((d) => [destinationArn(d), d.id]));
  const queues = new Map<string, Queue>();
  for (const resource of stack.resources.values()) {
    if (resource.type === 'AWS::SQS::Queue') {
      queues.set(String(resource.attributes.Arn), {
        url: resource.ref,
        arn: String(resource.attributes.Arn),
      });
    }
  }
  const queueOf = (arn: string | undefined): Queue => {
    const queue = arn && queues.get(arn);
    if (!queue) throw new Error(`the customer stack has no queue ${arn}`);
    return queue;
  };
  /** The resolved properties of the stack's resources of one type, with each one's own attributes. */
  const properties = (type: string) =>
    [...stack.resources.values()]
      .filter((r) => r.type === type)
      .map((r): Record<string, unknown> & { own: StackResource } => ({
        ...(stack.resolve(template.Resources[r.logicalId].Properties ?? {}) as Record<string, unknown>),
        own: r,
      }));
  // Which destination feeds a queue the consumer reads: its topic's subscription, its bus's rule, or itself.
  const feeds = new Map<string, string>();
  for (const subscription of properties('AWS::SNS::Subscription')) {
    const destination = destinationByResource.get(String(subscription.TopicArn));
    if (destination) feeds.set(String(subscription.Endpoint), destination);
  }
  const bus = destinations.find((d) => d.type === 'eventbridge');
  for (const rule of properties('AWS::Events::Rule')) {
    for (const target of (rule.Targets as { Arn: string }[] | undefined) ?? []) {
      if (bus) feeds.set(target.Arn, bus.id);
    }
  }
  const redriveTarget = new Map(
    properties('AWS::SQS::Queue').flatMap((queue) => {
      const policy = queue.RedrivePolicy as { deadLetterTargetArn?: string } | undefined;
      return policy?.deadLetterTargetArn
        ? [[String(queue.own.attributes.Arn), policy.deadLetterTargetArn] as const]
        : [];
    }),
  );
  const consumer = stack.functions[0];
  if (!consumer || stack.functions.length !== 1)
    throw new Error('the customer stack has not one consumer function');
  const subscriptionQueues: SubscriptionQueue[] = [];
  let stream: LocalStream | undefined;
  for (const mapping of stack.eventSourceMappings) {
    const source = mapping.eventSourceArn;
    if (source.startsWith('arn:aws:kinesis:')) {
      stream = {
        name: source.split('/').pop() ?? '',
        arn: source,
        destinationId: destinationByResource.get(source) ?? '',
        deadLetterQueue: queueOf(mapping.onFailureDestinationArn),
        mapping,
      };
      continue;
    }
    const destinationId = destinationByResource.get(source) ?? feeds.get(source);
    if (!destinationId) throw new Error(`no destination feeds the consumer's queue ${source}`);
    subscriptionQueues.push({
      ...queueOf(source),
      destinationId,
      deadLetterQueue: queueOf(redriveTarget.get(source)),
      mapping,
    });
  }
  if (!stream) throw new Error('the customer stack has no stream read by the consumer');

  const idempotencyTables: LocalWorkspace['idempotencyTables'] = {};
  for (const [index, scope] of Object.values(DESTINATION_IDS).entries()) {
    const tableEndpoint = databases[(workspace.databaseOffset + index) % databases.length];
    const tableName = `idempotency-${scope}`;
    await createIdempotencyTable(emulatorClient(DynamoDBClient, tableEndpoint, account), tableName);
    idempotencyTables[scope] = { tableName, endpoint: tableEndpoint };
  }
  const customerIam = emulatorClient(IAMClient, endpoint, account);
  const developerRole = await customerIam.send(
    new CreateRoleCommand({ RoleName: 'LocalDeveloper', AssumeRolePolicyDocument: trustedByPlatformAccount }),
  );
  await customerIam.send(
    new PutRolePolicyCommand({
      RoleName: 'LocalDeveloper',
      PolicyName: 'everything',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  return {
    id: workspace.id,
    account,
    externalId: workspace.externalId,
    deliveryRoleArn: stack.outputs.DeliveryRoleArn,
    consumerRoleArn: consumer.roleArn,
    developerRoleArn: developerRole.Role?.Arn ?? '',
    consumerFunctionArn: consumer.arn,
    invocationDeadLetterQueue: queueOf(consumer.deadLetterTargetArn),
    subscriptionQueues,
    stream,
    idempotencyTables,
    destinations,
    stack,
  };
}

async function createIdempotencyTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    }),
  );
}

/** A trust policy letting the platform account's principals in: the local runtime's own roles. */
const trustedByPlatformAccount = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${PLATFORM_ACCOUNT}:root` },
      Action: 'sts:AssumeRole',
    },
  ],
});

/** The destination registry's table, keyed as `RegistryTable` defines it. */
export async function createRegistryTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [
        { AttributeName: REGISTRY_KEY.partition, KeyType: 'HASH' },
        { AttributeName: REGISTRY_KEY.sort, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: REGISTRY_KEY.partition, AttributeType: 'S' },
        { AttributeName: REGISTRY_KEY.sort, AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
