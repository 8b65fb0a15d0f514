import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import type { DeliveryClients } from '../../lambda/dispatcher/deliver/clients';
import { type DispatchDependencies, dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { type Registry, RegistryUnavailableError } from '../../lambda/dispatcher/prepare/registry';
import { DEFAULT_RETRY_POLICY } from '../../lambda/dispatcher/settle/retry';
import { toRetryBundleBody } from '../../lambda/dispatcher/settle/retry-bundle';
import type { Destination } from '../../lambda/shared/destination-config';
import { capturingLogger } from '../support/capture-logs';
import {
  everyEntryPublished,
  everyMessageSent,
  fifoTopicDestination,
  ingestMessage,
  invokeResponsePayload,
  lambdaDestination,
  PERSONAL_DATA,
  registryOf,
  sqsRecord,
  standardTopicDestination,
} from '../support/fixtures';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest-dlq';
const INGEST_URL = 'https://sqs.us-east-1.amazonaws.com/999999999999/ingest';

const sns = mockClient(SNSClient);
const lambda = mockClient(LambdaClient);
const sqs = mockClient(SQSClient);

/** The clients a destination's deliveries go through, recorded: they carry the workspace's external id. */
const usedFor: Destination[] = [];
const clients: DeliveryClients = {
  client: (Client, d) => {
    usedFor.push(d);
    return new Client({ region: 'us-east-1' });
  },
};

// Two customers with the same destination id, `orders-fifo`, each on a topic of its own account.
const acme = { ...fifoTopicDestination, workspaceId: 'ws-acme', externalId: 'ext-acme-0000000001' };
const globex = {
  ...fifoTopicDestination,
  workspaceId: 'ws-globex',
  externalId: 'ext-globex-00000001',
  topicArn: 'arn:aws:sns:us-east-1:444455556666:orders.fifo',
  roleArn: 'arn:aws:iam::444455556666:role/event-delivery/EventDelivery',
};

let logs: ReturnType<typeof capturingLogger>;

function dependencies(
  registry: Registry,
  overrides: Partial<DispatchDependencies> = {},
): DispatchDependencies {
  return {
    registry,
    clients,
    sqs: new SQSClient({ region: 'us-east-1' }),
    deadLetterQueue: { url: DLQ_URL, fifo: false },
    logger: logs.logger,
    maxReceiveCount: 5,
    concurrency: 4,
    ...overrides,
  };
}

const published = () =>
  sns.commandCalls(PublishBatchCommand).flatMap((c) =>
    (c.args[0].input.PublishBatchRequestEntries ?? []).map((e) => ({
      topicArn: c.args[0].input.TopicArn,
      body: JSON.parse(e.Message ?? '{}'),
      deduplicationId: e.MessageDeduplicationId,
    })),
  );
const sentTo = (url: string) =>
  sqs
    .commandCalls(SendMessageBatchCommand)
    .filter((c) => c.args[0].input.QueueUrl === url)
    .flatMap((c) => c.args[0].input.Entries ?? []);

beforeEach(() => {
  sns.reset();
  lambda.reset();
  sqs.reset();
  usedFor.length = 0;
  logs = capturingLogger();
  sns.on(PublishBatchCommand).callsFake(everyEntryPublished);
  lambda.on(InvokeCommand).resolves({ StatusCode: 202, Payload: invokeResponsePayload(null) });
  sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);
});
afterEach(() => logs.restore());

describe('routing by workspace', () => {
  it("delivers each event only to its own workspace's destination, though ids, visitors and events repeat", async () => {
    const same = { event: { distinct_id: 'e1' }, visitor: { visitor_id: 'v1' } };
    const records = [
      sqsRecord(
        ingestMessage({ ...same, workspaceId: 'ws-acme', event: { distinct_id: 'e1', event: 'Acme Event' } }),
      ),
      sqsRecord(
        ingestMessage({
          ...same,
          workspaceId: 'ws-globex',
          event: { distinct_id: 'e1', event: 'Globex Event' },
        }),
      ),
    ];

    const response = await dispatchBatch(records, dependencies(registryOf([acme, globex])));

    expect(response.batchItemFailures).toEqual([]);
    const byTopic = published().map((p) => [p.topicArn, p.body.event.event]);
    expect(byTopic.sort()).toEqual([
      [acme.topicArn, 'Acme Event'],
      [globex.topicArn, 'Globex Event'],
    ]);
    // Never delivered: the workspace id. Deduplication ids differ: one cannot stand in for the other.
    for (const { body } of published()) expect(Object.keys(body)).toEqual(['event', 'visitor', 'user']);
    const [first, second] = published();
    expect(first.deduplicationId).not.toBe(second.deduplicationId);
    // Each through its own workspace's external id.
    expect(new Set(usedFor.map((d) => `${d.workspaceId}:${d.externalId}`))).toEqual(
      new Set(['ws-acme:ext-acme-0000000001', 'ws-globex:ext-globex-00000001']),
    );
  });

  it("gives a message's destinations list and redrive targets the ids of its own workspace only", async () => {
    const onlyGlobex = { ...standardTopicDestination, workspaceId: 'ws-globex', id: 'globex-only' };
    const registry = registryOf([acme, onlyGlobex]);
    const named = sqsRecord(ingestMessage({ destinations: ['globex-only'] }));
    const targeted = sqsRecord(ingestMessage({ event: { distinct_id: 'e2' } }));
    targeted.messageAttributes = { target_destinations: { dataType: 'String', stringValue: 'globex-only' } };

    await dispatchBatch([named, targeted], dependencies(registry));

    expect(published()).toEqual([]);
    expect(sentTo(DLQ_URL).map((e) => e.MessageAttributes?.error_code.StringValue)).toEqual([
      'DestinationNotFound',
      'DestinationNotFound',
    ]);
  });

  it('dead-letters a message of an unknown or disabled workspace with WorkspaceNotFound, the rest of the batch delivered', async () => {
    const records = [
      sqsRecord(ingestMessage({ workspaceId: 'ws-nobody' })),
      sqsRecord(ingestMessage({ event: { distinct_id: 'e2' } })),
    ];

    const response = await dispatchBatch(records, dependencies(registryOf([acme])));

    expect(response.batchItemFailures).toEqual([]);
    expect(published()).toHaveLength(1);
    const [letter] = sentTo(DLQ_URL);
    expect(letter.MessageAttributes?.error_code.StringValue).toBe('WorkspaceNotFound');
    expect(letter.MessageBody).toBe(records[0].body);
  });

  it("routes each event of a retry bundle by its own body's workspace", async () => {
    const bundle = toRetryBundleBody(
      ['ws-acme', 'ws-globex'].map((workspaceId) => ({
        body: JSON.stringify(ingestMessage({ workspaceId })),
        attempt: 2,
        first_attempt_at: 1732300000000,
        last_error_code: 'Throttled',
      })),
    );
    const record = sqsRecord(bundle);
    record.messageAttributes = {
      target_destinations: { dataType: 'String', stringValue: 'orders-fifo' },
      retry_attempt: { dataType: 'Number', stringValue: '2' },
    };

    await dispatchBatch([record], dependencies(registryOf([acme, globex])));

    expect(
      published()
        .map((p) => p.topicArn)
        .sort(),
    ).toEqual([acme.topicArn, globex.topicArn].sort());
  });
});

describe('retries and redrives end with a reason', () => {
  const retryTo = (targets: string, body = ingestMessage({ event: { distinct_id: 'r1' } })) => {
    const record = sqsRecord(body);
    record.messageAttributes = {
      target_destinations: { dataType: 'String', stringValue: targets },
      retry_attempt: { dataType: 'Number', stringValue: '2' },
      mapping_version: { dataType: 'Number', stringValue: '3' },
      mapping_pin: { dataType: 'String', stringValue: 'pin-of-the-dispatcher' },
    };
    return record;
  };

  it.each([
    ['targets no destination', ',,,'],
    ['targets a destination that no longer takes the event', 'signups-only'],
    ['names something other than destination ids (never echoed)', 'jane.doe@example.com'],
  ])(
    'dead-letters a retry that %s with NoLongerRouted, never acknowledging it silently',
    async (_case, targets) => {
      const signupsOnly = {
        ...standardTopicDestination,
        workspaceId: 'ws-acme',
        id: 'signups-only',
        events: ['Signed Up'],
      };
      const record = retryTo(targets);

      const response = await dispatchBatch([record], dependencies(registryOf([acme, signupsOnly])));

      expect(response.batchItemFailures).toEqual([]);
      expect(published()).toEqual([]);
      const [letter] = sentTo(DLQ_URL);
      expect(letter.MessageBody).toBe(record.body);
      expect(letter.MessageAttributes?.error_code.StringValue).toBe('NoLongerRouted');
    },
  );

  it("keeps a retry's targets and mapping version on a letter written before routing, so a redrive goes where the retry was going", async () => {
    const record = retryTo(
      'orders-fifo',
      ingestMessage({ workspaceId: 'ws-gone', event: { distinct_id: 'r2' } }),
    );

    await dispatchBatch([record], dependencies(registryOf([acme])));

    const [letter] = sentTo(DLQ_URL);
    expect(letter.MessageAttributes).toMatchObject({
      error_code: { StringValue: 'WorkspaceNotFound' },
      target_destinations: { StringValue: 'orders-fifo' },
      workspace_id: { StringValue: 'ws-gone' },
    });
    // A pin the dispatcher cannot verify is not kept: the letter says no version.
    expect(letter.MessageAttributes).not.toHaveProperty('mapping_version');
  });
});

describe('role-less Lambda destinations', () => {
  const roleLess = {
    id: 'analytics',
    type: 'lambda' as const,
    functionArn: 'arn:aws:lambda:us-east-1:444455556666:function:analytics',
    invocationType: 'Event' as const,
    events: ['*'],
  };

  it("never invokes a function in an account that is not the workspace's own", async () => {
    // Globex's account granted the platform on its function; acme names that function too.
    const registry = registryOf([
      { ...roleLess, workspaceId: 'ws-globex' },
      { ...lambdaDestination, workspaceId: 'ws-acme' },
    ]);
    const forged: Registry = {
      workspace: async (id: string) => {
        const live = await registry.workspace(id);
        if (id !== 'ws-acme' || !live) return live;
        // As if acme's published version named globex's function without a role.
        return { ...live, destinations: [...live.destinations, { ...roleLess, workspaceId: 'ws-acme' }] };
      },
      version: async () => undefined,
    };

    await dispatchBatch(
      [sqsRecord(ingestMessage({ event: { event: 'Order Completed' } }))],
      dependencies(forged),
    );

    const invoked = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.FunctionName);
    expect(invoked).toEqual([lambdaDestination.functionArn]);
    const [letter] = sentTo(DLQ_URL);
    expect(letter.MessageAttributes?.error_code.StringValue).toBe('AccountNotAuthorized');
    expect(letter.MessageAttributes?.destination_id.StringValue).toBe('analytics');
  });

  it('invokes it for the workspace that owns the account', async () => {
    await dispatchBatch(
      [sqsRecord(ingestMessage({ workspaceId: 'ws-globex' }))],
      dependencies(registryOf([{ ...roleLess, workspaceId: 'ws-globex' }])),
    );

    expect(lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.FunctionName)).toEqual([
      roleLess.functionArn,
    ]);
  });
});

describe('a registry that cannot be read', () => {
  const unavailable: Registry = {
    workspace: async (id) => {
      throw new RegistryUnavailableError(id, new Error('ProvisionedThroughputExceededException'));
    },
    version: async (id) => {
      throw new RegistryUnavailableError(id, new Error('ProvisionedThroughputExceededException'));
    },
  };

  it('sends the event again later as it came, counting the attempt, and dead-letters nothing', async () => {
    const record = sqsRecord(ingestMessage(), { sentAt: Date.now() });
    record.messageAttributes = { target_destinations: { dataType: 'String', stringValue: 'orders-fifo' } };

    const response = await dispatchBatch(
      [record],
      dependencies(unavailable, {
        retry: { ...DEFAULT_RETRY_POLICY, queueUrl: INGEST_URL, random: () => 0.5 },
      }),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(sentTo(DLQ_URL)).toEqual([]);
    const [retry] = sentTo(INGEST_URL);
    expect(retry.MessageBody).toBe(record.body);
    expect(retry.MessageGroupId).toBe('ws-acme');
    expect(retry.MessageAttributes).toMatchObject({
      target_destinations: { StringValue: 'orders-fifo' },
      retry_attempt: { StringValue: '2' },
      last_error_code: { StringValue: 'RegistryUnavailable' },
    });
    expect(retry.DelaySeconds).toBeGreaterThan(0);
    const logged = logs.lines().join('\n');
    for (const personal of PERSONAL_DATA) expect(logged).not.toContain(personal);
  });

  it('returns the record to the queue where there is no per-destination retry (FIFO ingest)', async () => {
    const records = [
      sqsRecord(ingestMessage(), { messageId: 'a', messageGroupId: 'visitor_123' }),
      sqsRecord(ingestMessage({ event: { distinct_id: 'e2' } }), {
        messageId: 'b',
        messageGroupId: 'visitor_123',
      }),
    ];

    const response = await dispatchBatch(records, dependencies(unavailable));

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }]);
    expect(sentTo(DLQ_URL)).toEqual([]);
  });

  it('dead-letters with RegistryUnavailable an event past the retry limits, instead of re-sending it forever', async () => {
    const ancient = sqsRecord(ingestMessage(), { sentAt: 0 });
    ancient.messageAttributes = {
      retry_attempt: { dataType: 'Number', stringValue: '10000' },
      first_attempt_at: { dataType: 'Number', stringValue: '0' },
      target_destinations: { dataType: 'String', stringValue: 'orders-fifo' },
    };
    const recent = sqsRecord(ingestMessage({ event: { distinct_id: 'recent' } }), { sentAt: Date.now() });

    const response = await dispatchBatch(
      [ancient, recent],
      dependencies(unavailable, { retry: { ...DEFAULT_RETRY_POLICY, queueUrl: INGEST_URL } }),
    );

    expect(response.batchItemFailures).toEqual([]);
    const [letter] = sentTo(DLQ_URL);
    expect(letter.MessageBody).toBe(ancient.body);
    expect(letter.MessageAttributes).toMatchObject({
      error_code: { StringValue: 'RegistryUnavailable' },
      target_destinations: { StringValue: 'orders-fifo' },
      workspace_id: { StringValue: 'ws-acme' },
    });
    expect(sentTo(INGEST_URL).map((m) => m.MessageBody)).toEqual([recent.body]);
  });

  it('dead-letters with RegistryUnavailable on the last receive of a FIFO ingest queue, not after it without a reason', async () => {
    const last = sqsRecord(ingestMessage(), {
      messageId: 'a',
      messageGroupId: 'ws-acme:visitor_123',
      receiveCount: 5,
    });

    const response = await dispatchBatch([last], dependencies(unavailable));

    expect(response.batchItemFailures).toEqual([]);
    expect(sentTo(DLQ_URL).map((m) => m.MessageAttributes?.error_code?.StringValue)).toEqual([
      'RegistryUnavailable',
    ]);
  });
});
