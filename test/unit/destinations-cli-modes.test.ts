import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { FakeApi, runDestinations } from '../support/destinations-cli-harness';

/*
 * The two ways in give the same output: the same workspace read through the API (a fake on a
 * loopback port) and straight from the table (DynamoDB mocked, as the operator's bootstrap reads
 * it) prints the same text and the same --json. And the table way still writes as before, through
 * the same request rules as the API.
 */

const dynamodb = mockClient(DynamoDBClient);
const sts = mockClient(STSClient);

const ROLE = 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery';
const ORDERS = {
  id: 'orders',
  type: 'sns',
  topicArn: 'arn:aws:sns:us-east-1:111122223333:orders',
  roleArn: ROLE,
  events: ['*'],
};
const CRM = { ...ORDERS, id: 'crm', topicArn: 'arn:aws:sns:us-east-1:111122223333:crm' };
const LIVE = [ORDERS];
const DRAFT = [{ ...ORDERS, events: ['Order Completed'] }, CRM];

/** The registry's items for workspace acme: live version 3, and a draft that changes it. */
function registryItem(input: GetItemCommandInput) {
  const sk = input.Key?.sk?.S;
  if (input.Key?.pk?.S !== 'workspace#acme') return {};
  if (sk === 'workspace')
    return {
      Item: {
        ...input.Key,
        external_id: { S: 'cdp-0123456789abcdef0123456789abcdef' },
        workspace_status: { S: 'active' },
        live_version: { N: '3' },
        live_destinations: { S: JSON.stringify(LIVE) },
        created_at: { S: '2026-01-01T00:00:00.000Z' },
        created_by: { S: 'iam:operator' },
      },
    };
  if (sk === 'draft')
    return { Item: { ...input.Key, destinations: { S: JSON.stringify(DRAFT) }, revision: { N: '7' } } };
  return {};
}

/** The same workspace as the API serves it. */
function sameWorkspaceApi(): FakeApi {
  const live = new Map(LIVE.map((d) => [d.id, JSON.stringify(d)]));
  return new FakeApi()
    .on('GET', '/v1/workspaces/acme/destinations', {
      json: {
        workspace: 'acme',
        liveVersion: 3,
        draftRevision: 7,
        destinations: DRAFT.map((d) => ({
          destination: d,
          status: !live.has(d.id) ? 'added' : live.get(d.id) === JSON.stringify(d) ? 'unchanged' : 'changed',
        })),
        removed: [],
      },
      headers: { etag: '"3"' },
    })
    .on('GET', '/v1/workspaces/acme/versions/3', {
      json: {
        version: 3,
        destinations: LIVE,
        publishedAt: '',
        publishedBy: '',
        action: 'publish',
        changes: { added: [], removed: [], changed: [] },
      },
    })
    .on('GET', '/v1/workspaces/acme/destinations/orders', {
      json: { draft: DRAFT[0], live: ORDERS, liveVersion: 3 },
    })
    .on('GET', '/v1/workspaces/acme/diff', { json: { added: ['crm'], removed: [], changed: ['orders'] } });
}

/** The draft the table way wrote, from its transaction. */
function writtenDraft(): Record<string, unknown>[] {
  const [call] = dynamodb.commandCalls(TransactWriteItemsCommand);
  const put = call.args[0].input.TransactItems?.find((item) => item.Put?.Item?.sk?.S === 'draft');
  return JSON.parse(put?.Put?.Item?.destinations?.S ?? 'null') as Record<string, unknown>[];
}

describe('npm run destinations: the API and the table', () => {
  let api: FakeApi;
  let apiUrl: string;
  let config: string;
  const viaApi = (...argv: string[]) =>
    runDestinations(argv, {
      env: { EVENT_DELIVERY_API_URL: apiUrl, EVENT_DELIVERY_API_KEY: 'edk_key', XDG_CONFIG_HOME: config },
    });
  const viaTable = (...argv: string[]) =>
    runDestinations(argv, { env: { REGISTRY_TABLE: 'registry', XDG_CONFIG_HOME: config } });

  beforeAll(async () => {
    config = mkdtempSync(path.join(tmpdir(), 'destinations-modes-'));
    api = sameWorkspaceApi();
    apiUrl = await api.start();
  });
  afterAll(async () => {
    await api.stop();
    rmSync(config, { recursive: true, force: true });
  });
  beforeEach(() => {
    dynamodb.reset();
    sts.reset();
    dynamodb.on(GetItemCommand).callsFake(registryItem);
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:iam::999988887777:user/operator' });
  });

  it.each([
    [['list', 'acme']],
    [['--json', 'list', 'acme']],
    [['show', 'acme', 'orders']],
    [['--json', 'show', 'acme', 'orders']],
    [['diff', 'acme']],
    [['--json', 'diff', 'acme']],
  ])('%j prints the same either way', async (argv) => {
    // Act
    const [api, table] = [await viaApi(...argv), await viaTable(...argv)];

    // Assess
    expect(table).toMatchObject({ status: 0, stderr: '' });
    expect(api).toEqual(table);
  });

  describe('the table way (the operator’s bootstrap)', () => {
    it('adds a Lambda function by region and name, its account from the role', async () => {
      // Act
      const run = await viaTable(
        'add',
        'acme',
        'fn',
        '--region',
        'us-east-1',
        '--function-name',
        'orders',
        '--role-arn',
        ROLE,
      );

      // Assess
      expect(run).toMatchObject({ status: 0, stderr: '' });
      expect(writtenDraft().find((d) => d.id === 'fn')).toEqual({
        id: 'fn',
        type: 'lambda',
        functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:orders',
        invocationType: 'Event',
        roleArn: ROLE,
        events: ['*'],
      });
    });

    it('changes a destination’s type, keeping none of the old type’s fields', async () => {
      // Act
      const run = await viaTable(
        'update',
        'acme',
        'orders',
        '--queue-arn',
        'arn:aws:sqs:us-east-1:111122223333:orders',
      );

      // Assess
      expect(run).toMatchObject({ status: 0, stderr: '' });
      expect(writtenDraft().find((d) => d.id === 'orders')).toEqual({
        id: 'orders',
        type: 'sqs',
        queueArn: 'arn:aws:sqs:us-east-1:111122223333:orders',
        roleArn: ROLE,
        events: ['Order Completed'],
      });
    });

    it('refuses a bad value with exit 2, naming the field, writing nothing', async () => {
      // Act
      const run = await viaTable('add', 'acme', 'x', '--topic-arn', 'not-an-arn', '--role-arn', ROLE);

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('topicArn');
      expect(dynamodb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
    });

    it('refuses a region that is not the resource’s, as the API does', async () => {
      // Act
      const run = await viaTable(
        'add',
        'acme',
        'x',
        '--topic-arn',
        CRM.topicArn,
        '--region',
        'eu-west-1',
        '--role-arn',
        ROLE,
      );

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`region: is not the region of ${CRM.topicArn}`);
    });

    it.each([
      ['types', 'acme'],
      ['trust-policy', 'acme'],
      ['members', 'list', 'acme'],
      ['api-keys', 'list', 'acme'],
      ['audit', 'acme'],
      ['whoami'],
      ['login'],
    ])('refuses %s: it needs the API (exit 2)', async (...argv) => {
      // Act
      const run = await viaTable(...argv);

      // Assess
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`${argv[0]} needs the API: --api-url URL, or EVENT_DELIVERY_API_URL`);
      expect(dynamodb).not.toHaveReceivedAnyCommand();
    });
  });
});
