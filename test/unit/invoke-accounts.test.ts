import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { RegistryError, WorkspaceRegistry } from '../../lambda/control-plane/registry/workspace-registry';
import { dispatchBatch } from '../../lambda/dispatcher/dispatch-batch';
import { CachedRegistry, LayeredRegistry, StaticRegistry } from '../../lambda/dispatcher/prepare/registry';
import { type DestinationSpec, InvalidDestinationConfigError } from '../../lambda/shared/destination-config';
import type { WorkspaceRecord } from '../../lambda/shared/workspace';
import { capturingLogger } from '../support/capture-logs';
import { DLQ_URL, dispatchDependencies } from '../support/dispatch-dependencies';
import { everyMessageSent, ingestMessage, invokeResponsePayload, sqsRecord } from '../support/fixtures';

/**
 * An invoke account has one owner across the static config and the registry: the static config's
 * accounts are its workspaces', so the registry tool refuses a registry workspace's claim on one
 * when it knows the static config, and the dispatcher refuses to invoke for a registry workspace
 * whatever the table holds.
 */

const STATIC_ACCOUNT = '444455556666';
const REGISTRY_ACCOUNT = '777788889999';

const roleLess = (id: string, account: string): DestinationSpec => ({
  id,
  type: 'lambda',
  functionArn: `arn:aws:lambda:us-east-1:${account}:function:${id}`,
  invocationType: 'Event',
  events: ['*'],
});

/** A static workspace owning STATIC_ACCOUNT, with a role-less function there. */
const staticWorkspace: WorkspaceRecord = {
  id: 'ws-static',
  externalId: 'ws-static-external-id-01',
  status: 'active',
  liveVersion: 0,
  destinations: [roleLess('static-fn', STATIC_ACCOUNT)],
  invokeAccounts: [STATIC_ACCOUNT],
};

/**
 * A registry workspace whose table item claims STATIC_ACCOUNT too (claimed where the static
 * config was not known) and an account of its own, with a role-less function in each.
 */
const registryWorkspace: WorkspaceRecord = {
  id: 'ws-registry',
  externalId: 'cdp-00000000000000000000000000000001',
  status: 'active',
  liveVersion: 3,
  destinations: [roleLess('claimed-fn', STATIC_ACCOUNT), roleLess('own-fn', REGISTRY_ACCOUNT)],
  invokeAccounts: [STATIC_ACCOUNT, REGISTRY_ACCOUNT],
};

describe('the dispatcher, with a static config and the registry', () => {
  const lambda = mockClient(LambdaClient);
  const sqs = mockClient(SQSClient);
  let logs: ReturnType<typeof capturingLogger>;

  beforeEach(() => {
    lambda.reset();
    sqs.reset();
    logs = capturingLogger();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202, Payload: invokeResponsePayload(null) });
    sqs.on(SendMessageBatchCommand).callsFake(everyMessageSent);
  });
  afterEach(() => logs.restore());

  const layered = () =>
    new LayeredRegistry(
      new StaticRegistry([staticWorkspace]),
      new CachedRegistry(
        async (id) => (id === registryWorkspace.id ? registryWorkspace : undefined),
        {},
        undefined,
        async (current, version) => (version === 2 ? { ...current, liveVersion: 2 } : undefined),
      ),
    );
  const dispatch = (workspaceId: string) =>
    dispatchBatch([sqsRecord(ingestMessage({ workspaceId }))], dispatchDependencies(layered(), logs.logger));
  const invoked = () => lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.FunctionName);
  const deadLetters = () =>
    sqs
      .commandCalls(SendMessageBatchCommand)
      .filter((c) => c.args[0].input.QueueUrl === DLQ_URL)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => ({
        code: e.MessageAttributes?.error_code?.StringValue,
        destination: e.MessageAttributes?.destination_id?.StringValue,
        reason: e.MessageAttributes?.error_message?.StringValue,
      }));

  it("never invokes a registry workspace's function in a static workspace's invoke account: dead-lettered with the owner named", async () => {
    // Act
    const response = await dispatch('ws-registry');

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(invoked()).toEqual([`arn:aws:lambda:us-east-1:${REGISTRY_ACCOUNT}:function:own-fn`]);
    expect(deadLetters()).toEqual([
      {
        code: 'AccountNotAuthorized',
        destination: 'claimed-fn',
        reason: expect.stringContaining(
          `account ${STATIC_ACCOUNT} belongs to workspace ws-static of the static config, not to workspace ws-registry`,
        ),
      },
    ]);
  });

  it('invokes the static workspace its own function in that account', async () => {
    await dispatch('ws-static');

    expect(invoked()).toEqual([`arn:aws:lambda:us-east-1:${STATIC_ACCOUNT}:function:static-fn`]);
    expect(deadLetters()).toEqual([]);
  });

  it('serves earlier versions of the registry workspace without the account either', async () => {
    const registry = layered();

    const live = await registry.workspace('ws-registry');
    const earlier = await registry.version('ws-registry', 2);

    for (const served of [live, earlier]) {
      expect([...(served?.invokeAccounts ?? [])]).toEqual([REGISTRY_ACCOUNT]);
      expect([...(served?.refusedInvokeAccounts?.keys() ?? [])]).toEqual([STATIC_ACCOUNT]);
    }
    // Resolved once per cached version, not per event.
    expect(await registry.workspace('ws-registry')).toBe(live);
  });
});

describe('a static config claiming an account twice', () => {
  const twice = {
    workspaces: [
      { id: 'a', externalId: 'ext-a-000000000001', invokeAccounts: [STATIC_ACCOUNT], destinations: [] },
      { id: 'b', externalId: 'ext-b-000000000001', invokeAccounts: [STATIC_ACCOUNT], destinations: [] },
    ],
  };

  it('is refused at cold start, from the DESTINATIONS variable', () => {
    expect(() => StaticRegistry.fromJson(JSON.stringify(twice))).toThrow(
      `workspace "b": invoke account ${STATIC_ACCOUNT} already belongs to workspace "a"`,
    );
  });

  it('is refused by the static registry however its records were built', () => {
    const record = (id: string): WorkspaceRecord => ({ ...staticWorkspace, id, destinations: [] });

    expect(() => new StaticRegistry([record('a'), record('b')])).toThrow(InvalidDestinationConfigError);
  });
});

describe('WorkspaceRegistry invoke account claims', () => {
  const dynamodb = mockClient(DynamoDBClient);
  /** The registry workspace's item (and no draft), as the table holds them. */
  const item = (invokeAccounts: string[]) => ({
    pk: { S: 'workspace#ws-registry' },
    sk: { S: 'workspace' },
    external_id: { S: registryWorkspace.externalId },
    workspace_status: { S: 'active' },
    live_version: { N: '3' },
    live_destinations: { S: '[]' },
    ...(invokeAccounts.length > 0 && { invoke_accounts: { SS: invokeAccounts } }),
  });
  const withTable = (invokeAccounts: string[]) =>
    dynamodb
      .on(GetItemCommand)
      .callsFake((input: GetItemCommandInput) =>
        input.Key?.sk?.S === 'workspace' ? { Item: item(invokeAccounts) } : {},
      );
  const registry = (staticWorkspaces?: WorkspaceRecord[]) =>
    new WorkspaceRegistry(
      new DynamoDBClient({}),
      'registry',
      'operator',
      undefined,
      undefined,
      staticWorkspaces,
    );

  beforeEach(() => {
    dynamodb.reset();
    dynamodb.on(TransactWriteItemsCommand).resolves({});
    dynamodb.on(PutItemCommand).resolves({});
  });

  it("refuses a registry workspace's claim on a static workspace's account, writing nothing", async () => {
    withTable([]);

    const claim = registry([staticWorkspace]).addInvokeAccount('ws-registry', STATIC_ACCOUNT);

    await expect(claim).rejects.toThrow(
      new RegistryError(`account ${STATIC_ACCOUNT} belongs to workspace "ws-static" of the static config`),
    );
    await expect(claim).rejects.toMatchObject({ kind: 'conflict' });
    expect(dynamodb).not.toHaveReceivedCommand(TransactWriteItemsCommand);
  });

  it('claims other accounts, and any account when it does not know the static config, with the conditional write', async () => {
    withTable([]);

    await registry([staticWorkspace]).addInvokeAccount('ws-registry', REGISTRY_ACCOUNT);
    await registry().addInvokeAccount('ws-registry', STATIC_ACCOUNT);

    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 2);
  });

  it("refuses to save a role-less function in a static workspace's account, though the table says the workspace claimed it", async () => {
    withTable([STATIC_ACCOUNT, REGISTRY_ACCOUNT]);

    await expect(
      registry([staticWorkspace]).addDestination('ws-registry', roleLess('fn', STATIC_ACCOUNT)),
    ).rejects.toThrow(
      `destination "fn": account ${STATIC_ACCOUNT} belongs to workspace ws-static of the static config`,
    );
    await registry([staticWorkspace]).addDestination('ws-registry', roleLess('fn', REGISTRY_ACCOUNT));
    expect(dynamodb).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
  });
});

describe('npm run destinations --static-config', () => {
  /** The CLI, offline: the static config is read and validated before any AWS call. */
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'bin/destinations.ts', ...args], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { ...process.env, REGISTRY_TABLE: 'registry', STATIC_CONFIG: '', NODE_NO_WARNINGS: '1' },
    });

  it('says what it is for, and refuses a static config it cannot use before touching the registry', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'static-config-'));
    const file = path.join(dir, 'destinations.json');
    writeFileSync(
      file,
      JSON.stringify({
        workspaces: ['a', 'b'].map((id) => ({
          id,
          externalId: `ext-${id}-000000000001`,
          invokeAccounts: [STATIC_ACCOUNT],
          destinations: [],
        })),
      }),
    );

    const help = cli('workspaces', '--help');
    const invalid = cli(
      'workspaces',
      'add-invoke-account',
      'ws-registry',
      STATIC_ACCOUNT,
      '--static-config',
      file,
    );
    const missing = cli('workspaces', 'list', '--static-config', path.join(dir, 'none.json'));

    expect(help.stdout).toContain('--static-config');
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain(`invoke account ${STATIC_ACCOUNT} already belongs to workspace "a"`);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('none.json');
  }, 30_000);
});
