#!/usr/bin/env node
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { destinationArn } from '../lambda/shared/destination-config';
import { REGION } from '../local/accounts';
import { type DestinationFault, parseDestinationFault } from '../local/fault-injector';
import { invocationContext } from '../local/lambda-context';
import { LocalPipeline } from '../local/pipeline';
import { type CliArgs, type CliOptions, runCli, UsageError } from './cli-kit';

const HELP = `npm run local -- [options]

Starts the platform on this machine and keeps it up until Ctrl-C: the AWS API emulator (moto),
the ingest queue, the destination registry, the dispatcher polling the queue, and workspaces
workspace-1 … workspace-N, each with its own customer account holding the example function, a
standard and a FIFO topic, a Kinesis stream, an EventBridge bus, a standard and a FIFO queue,
the delivery role and the consumers, their seven destinations published; the control-plane
API (apiUrl) with its user pool, an operator, and per workspace an admin, an editor and a viewer
(users: username and password, random each run) and an admin API key (apiKey); and the web
console (consoleUrl: open it in a browser, sign in as one of the users).
When ready it prints one JSON line on stdout: where everything is.

Then use it with any AWS client, pointed at the printed endpoint:
  export AWS_ENDPOINT_URL=<endpoint> AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \\
    AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
  npm run send-test-events -- --queue-url <ingestQueueUrl> --workspace workspace-1 --count 20
  npm run destinations -- --table <registryTable> list workspace-1
  aws sqs send-message --endpoint-url <endpoint> --queue-url <ingestQueueUrl> --message-body '{"workspace_id":"workspace-1",…}'
    (AWS CLI v2 reads AWS_ENDPOINT_URL; v1 ignores it for SQS and reads AWS_DEFAULT_REGION, not AWS_REGION)
  curl <statusUrl>
  curl -H "Authorization: Bearer <apiKey>" <apiUrl>/v1/workspaces/workspace-1/destinations
  npm run destinations -- login --api-url <apiUrl> --username admin@workspace-1.local
    (with AWS_ENDPOINT_URL=<endpoint>: Cognito's InitiateAuth, USER_PASSWORD_AUTH, goes to it)
  <apiUrl>/v1/openapi.json: every route
  npm run trace -- --log-file <dispatcherLog> --dlq-url <deadLetterQueueUrl> --distinct-id ID
Credentials act in the platform account; to act as a workspace's customer (subscribe your own
queue to its topic, say), assume its developerRoleArn.

  --workspaces N          workspaces to provision (default 1; 0: an empty registry)
  --fifo-ingest           a FIFO ingest queue (MessageGroupId = workspace_id:visitor_id)
  --registry-ttl SECONDS  how long the dispatcher serves a workspace before reading the
                          registry again: a publish takes effect within it (default 30)
  --verbose               the consumers' own logs, on stderr (the dispatcher's go to --log-file)
  --log-file PATH         where the dispatcher writes its log lines, as it would to CloudWatch
                          Logs, for npm run trace (default .local/dispatcher.log)
  --slow DEST=MS[:SECONDS]
                          every call to destination DEST takes MS before answering, for the
                          first SECONDS after start (default: as long as it runs); repeatable
  --fail DEST=KIND[:SECONDS]
                          every call to DEST fails with KIND (throttle, server-error, timeout,
                          connection-reset; access-denied: permanent, dead-lettered at once) for
                          the first SECONDS; repeatable. DEST in every
                          workspace (customer-fn), or one workspace's (workspace-2/customer-fn):
                          then its health and failures show it through the API
  --max-delivery-attempts N
                          attempts per destination before an event is dead-lettered with
                          RetriesExhausted (default 5; deployed: 50): a --fail window's events
                          reach the workspace's dead letters within a minute, to redrive
  --function NAME=MODULE[#EXPORT]
                          run your own function: its handler (the export named EXPORT, else
                          \`handler\`) from MODULE, as function NAME in workspace-1's account
                          (repeatable); add it as a destination, then grant the dispatcher or
                          the delivery role on it (example: local/examples/customer-function.ts)
  --help                  this text`;

const OPTIONS = {
  workspaces: { type: 'string', default: '1' },
  'fifo-ingest': { type: 'boolean', default: false },
  'registry-ttl': { type: 'string', default: '30' },
  verbose: { type: 'boolean', default: false },
  'log-file': { type: 'string', default: path.join('.local', 'dispatcher.log') },
  function: { type: 'string', multiple: true },
  slow: { type: 'string', multiple: true, default: [] },
  fail: { type: 'string', multiple: true, default: [] },
  'max-delivery-attempts': { type: 'string', default: '5' },
} satisfies CliOptions;

/** Serves until Ctrl-C: its one result, where everything is, is printed once ready. */
async function main({ values }: CliArgs<typeof OPTIONS>): Promise<number> {
  const workspaces = Number(values.workspaces);
  const ttl = Number(values['registry-ttl']);
  if (!Number.isInteger(workspaces) || workspaces < 0 || workspaces > 20)
    throw new UsageError('--workspaces must be a whole number from 0 to 20');
  if (!Number.isInteger(ttl) || ttl < 1)
    throw new UsageError('--registry-ttl must be a whole number of seconds');
  const maxDeliveryAttempts = Number(values['max-delivery-attempts']);
  if (!Number.isInteger(maxDeliveryAttempts) || maxDeliveryAttempts < 1)
    throw new UsageError('--max-delivery-attempts must be a whole number from 1');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const customerFunctions = (values.function ?? []).map(parseFunction);
  const destinationFaults = [
    ...values.slow.map((spec) => parseFault('slow', spec)),
    ...values.fail.map((spec) => parseFault('fail', spec)),
  ];

  const pipeline = await LocalPipeline.start({
    workspaces,
    fifoIngestQueue: values['fifo-ingest'],
    registryCacheTtlSeconds: ttl,
    // Long-lived: what a consumer failed on stays in its dead-letter queue for a person to look at.
    logLevel: values.verbose ? 'INFO' : 'SILENT',
    dispatcherLogFile: path.resolve(values['log-file']),
    log: say,
    controlPlane: { seedAccess: true, console: true },
    destinationFaults,
    maxDeliveryAttempts,
  });
  const statusServer = http.createServer((request, response) => {
    pipeline
      .status()
      .then((status) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(`${JSON.stringify(status, null, 2)}\n`);
      })
      .catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`${error.message}\n`);
      });
    void request;
  });
  await new Promise<void>((resolve) => statusServer.listen(0, '127.0.0.1', resolve));
  const { resources, controlPlane, access } = pipeline;
  if (!controlPlane || !access) throw new Error('the control plane did not start');
  const functions = [];
  for (const { name, module, exported } of customerFunctions) {
    const account = resources.workspaces[0]?.account;
    if (!account) throw new UsageError('--function needs a workspace: --workspaces 1 or more');
    const arn = `arn:aws:lambda:${REGION}:${account}:function:${name}`;
    const handler = await loadHandler(module, exported);
    await pipeline.gateway.registerFunction({
      arn,
      handler: (payload) => handler(payload, invocationContext(30_000, name)),
    });
    functions.push({ name, arn });
  }
  const ready = {
    endpoint: pipeline.gateway.endpoint,
    region: REGION,
    ingestQueueUrl: resources.ingestQueue.url,
    deadLetterQueueUrl: resources.deadLetterQueue.url,
    registryTable: resources.registryTable,
    destinationStatusTable: resources.destinationStatusTable,
    dispatcherRoleArn: resources.dispatcherRoleArn,
    statusUrl: `http://127.0.0.1:${(statusServer.address() as AddressInfo).port}/`,
    dispatcherLog: path.resolve(values['log-file']),
    consoleUrl: pipeline.console?.url,
    apiUrl: controlPlane.apiUrl,
    userPoolId: controlPlane.userPoolId,
    userPoolClientId: controlPlane.userPoolClientId,
    operator: access.operator,
    functions,
    workspaces: resources.workspaces.map((w) => ({
      id: w.id,
      account: w.account,
      externalId: w.externalId,
      deliveryRoleArn: w.deliveryRoleArn,
      developerRoleArn: w.developerRoleArn,
      users: access.workspaces[w.id]?.users,
      apiKey: access.workspaces[w.id]?.apiKey,
      destinations: w.destinations.map((d) => ({
        id: d.id,
        type: d.type,
        arn: destinationArn(d),
      })),
    })),
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  say('the local platform is up: Ctrl-C stops it');

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('stopping');
  statusServer.close();
  await pipeline.stop();
  return 0;
}

/** `--slow`/`--fail`, as the demo reads them. */
function parseFault(option: 'slow' | 'fail', spec: string): DestinationFault {
  try {
    return parseDestinationFault(option, spec);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `NAME=MODULE[#EXPORT]`: a function name Lambda accepts, and the module that holds its handler. */
function parseFunction(spec: string): { name: string; module: string; exported: string } {
  const match = /^([A-Za-z0-9_-]{1,64})=([^#]+)(?:#([A-Za-z_$][\w$]*))?$/.exec(spec);
  if (!match) throw new UsageError(`--function ${spec}: expected NAME=MODULE[#EXPORT]`);
  const [, name, module, exported = 'handler'] = match;
  return { name, module: path.resolve(module), exported };
}

type Handler = (payload: unknown, context: ReturnType<typeof invocationContext>) => Promise<unknown>;

async function loadHandler(module: string, exported: string): Promise<Handler> {
  const loaded = (await import(module)) as Record<string, unknown>;
  const handler = loaded[exported];
  if (typeof handler !== 'function')
    throw new UsageError(`--function: ${module} exports no function ${exported}`);
  return handler as Handler;
}

if (require.main === module) void runCli({ name: 'local', help: HELP, options: OPTIONS, main });
