import type { InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { SQSRecord } from 'aws-lambda';
import { StaticRegistry } from '../../lambda/dispatcher/prepare/registry';
import type { Destination, DestinationSpec } from '../../lambda/shared/destination-config';
import type { WorkspaceRecord } from '../../lambda/shared/workspace';

/** The workspace of the fixtures: messages name it, destinations belong to it. */
export const WORKSPACE_ID = 'ws-acme';
/** Its platform-assigned external id. */
export const EXTERNAL_ID = 'ext-id-1234-acme-0001';

/** An ingest message in the seed format; override any part. */
export function ingestMessage(
  overrides: {
    event?: Record<string, unknown>;
    visitor?: Record<string, unknown>;
    user?: Record<string, unknown> | null;
    destinations?: string[];
    workspaceId?: string;
  } = {},
): Record<string, unknown> {
  return {
    workspace_id: overrides.workspaceId ?? WORKSPACE_ID,
    event: {
      event: 'Order Completed',
      distinct_id: 'evt_0001',
      time: 1732300000000,
      event_properties: { order_id: '12345', total: 99.99 },
      ...overrides.event,
    },
    visitor: {
      visitor_id: 'visitor_123',
      first_seen_at: '2024-01-01T00:00:00Z',
      email: 'jane.doe@example.com',
      ...overrides.visitor,
    },
    user:
      overrides.user === undefined
        ? { external_id: 'user_456', email: 'jane.doe@example.com' }
        : overrides.user,
    ...(overrides.destinations && { destinations: overrides.destinations }),
  };
}

let sequence = 0;

/** An SQS record as the event source mapping hands it to the dispatcher. */
export function sqsRecord(
  body: unknown,
  options: {
    messageId?: string;
    receiveCount?: number;
    messageGroupId?: string;
    /** With a message group: the record comes from a standard queue (fair queues). */
    standardQueue?: boolean;
    sentAt?: number;
  } = {},
): SQSRecord {
  sequence += 1;
  return {
    messageId: options.messageId ?? `msg-${sequence}`,
    receiptHandle: `handle-${sequence}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(options.sentAt ?? 1732300000000),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1732300000000',
      ...(options.messageGroupId && { MessageGroupId: options.messageGroupId }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    // A group id on a FIFO queue orders; on a standard one it only names a tenant (fair queues).
    eventSourceARN: `arn:aws:sqs:us-east-1:999999999999:ingest${options.messageGroupId && !options.standardQueue ? '.fifo' : ''}`,
    awsRegion: 'us-east-1',
  };
}

export const CUSTOMER_ROLE = 'arn:aws:iam::111122223333:role/EventDelivery';

export const lambdaDestination = {
  id: 'orders-fn',
  type: 'lambda',
  functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:orders',
  invocationType: 'Event',
  roleArn: CUSTOMER_ROLE,
  externalId: EXTERNAL_ID,
  workspaceId: WORKSPACE_ID,
  events: ['Order Completed'],
} as const satisfies Destination;

export const standardTopicDestination = {
  id: 'marketing',
  type: 'sns',
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:marketing',
  roleArn: CUSTOMER_ROLE,
  externalId: EXTERNAL_ID,
  workspaceId: WORKSPACE_ID,
  events: ['*'],
} as const satisfies Destination;

export const fifoTopicDestination = {
  id: 'orders-fifo',
  type: 'sns',
  topicArn: 'arn:aws:sns:us-east-1:111122223333:orders.fifo',
  roleArn: CUSTOMER_ROLE,
  externalId: EXTERNAL_ID,
  workspaceId: WORKSPACE_ID,
  events: ['*'],
} as const satisfies Destination;

export const streamDestination = {
  id: 'clickstream',
  type: 'kinesis',
  streamArn: 'arn:aws:kinesis:us-east-1:111122223333:stream/clickstream',
  roleArn: CUSTOMER_ROLE,
  externalId: EXTERNAL_ID,
  workspaceId: WORKSPACE_ID,
  events: ['*'],
} as const satisfies Destination;

export const busDestination = {
  id: 'events-bus',
  type: 'eventbridge',
  eventBusArn: 'arn:aws:events:us-east-1:111122223333:event-bus/customer-events',
  source: 'acme.cdp',
  roleArn: CUSTOMER_ROLE,
  externalId: EXTERNAL_ID,
  workspaceId: WORKSPACE_ID,
  events: ['*'],
} as const satisfies Destination;

export const standardQueueDestination = {
  id: 'orders-queue',
  type: 'sqs',
  queueArn: 'arn:aws:sqs:us-east-1:111122223333:orders',
  roleArn: CUSTOMER_ROLE,
  externalId: EXTERNAL_ID,
  workspaceId: WORKSPACE_ID,
  events: ['*'],
} as const satisfies Destination;

export const fifoQueueDestination = {
  id: 'orders-queue-fifo',
  type: 'sqs',
  queueArn: 'arn:aws:sqs:us-east-1:111122223333:orders.fifo',
  roleArn: CUSTOMER_ROLE,
  externalId: EXTERNAL_ID,
  workspaceId: WORKSPACE_ID,
  events: ['*'],
} as const satisfies Destination;

/** Personal data in `ingestMessage()`: must never appear in a log line or an error message. */
export const PERSONAL_DATA = ['jane.doe@example.com'];

/** A function's response payload as the Lambda client returns it. */
export const invokeResponsePayload = (body: unknown): InvokeCommandOutput['Payload'] =>
  Buffer.from(JSON.stringify(body)) as unknown as InvokeCommandOutput['Payload'];

/** What a mocked STS AssumeRole returns: credentials valid for an hour. */
export const assumedRoleCredentials = () => ({
  Credentials: {
    AccessKeyId: 'ASIAEXAMPLE',
    SecretAccessKey: 'secret',
    SessionToken: 'token',
    Expiration: new Date(Date.now() + 3_600_000),
  },
});

/** A resolved destination as its workspace's config holds it: no workspace, no external id. */
export const specOf = ({ workspaceId: _w, externalId: _e, ...spec }: Destination) => spec;

/**
 * The static workspaces holding these destinations (one, `WORKSPACE_ID`, for the fixtures):
 * destinations carry their workspace and external id as the dispatcher resolves them; role-less
 * functions' accounts become the workspace's invoke accounts.
 */
export function workspacesOf(destinations: readonly Destination[]): WorkspaceRecord[] {
  const byWorkspace = new Map<
    string,
    WorkspaceRecord & { destinations: DestinationSpec[]; invokeAccounts: string[] }
  >();
  for (const destination of destinations) {
    const { workspaceId, externalId } = destination;
    const workspace = byWorkspace.get(workspaceId) ?? {
      id: workspaceId,
      externalId: externalId ?? `${workspaceId}-external-id-0001`,
      status: 'active',
      liveVersion: 0,
      destinations: [],
      invokeAccounts: [],
    };
    workspace.destinations.push(specOf(destination) as DestinationSpec);
    if (destination.type === 'lambda' && !destination.roleArn) {
      const account = destination.functionArn.split(':')[4];
      if (!workspace.invokeAccounts.includes(account)) workspace.invokeAccounts.push(account);
    }
    byWorkspace.set(workspaceId, workspace);
  }
  return [...byWorkspace.values()];
}

/** A static registry serving these destinations' workspaces. */
export const registryOf = (destinations: readonly Destination[]): StaticRegistry =>
  new StaticRegistry(workspacesOf(destinations));

/** A mocked PublishBatch that publishes every entry: `sns.on(PublishBatchCommand).callsFake(everyEntryPublished)`. */
export const everyEntryPublished = (input: { PublishBatchRequestEntries?: { Id?: string }[] }) => ({
  Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
});

/** A mocked SendMessageBatch that accepts every entry: `sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent)`. */
export const everyMessageSent = (input: { Entries?: { Id?: string }[] }) => ({
  Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `d-${e.Id}`, MD5OfMessageBody: '' })),
  Failed: [],
});
