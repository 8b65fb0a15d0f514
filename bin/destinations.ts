#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DestinationClients } from '../lambda/dispatcher/deliver/clients';
import { HmacKeys } from '../lambda/dispatcher/prepare/hmac-keys';
import { usesHmac } from '../lambda/shared/data-mapping';
import {
  type DestinationInput,
  type DestinationSpec,
  destinationArn,
  InvalidDestinationConfigError,
} from '../lambda/shared/destination-config';
import { parseStaticWorkspaces, resolveWorkspace, type WorkspaceRecord } from '../lambda/shared/workspace';
import { mappingReport, testMappings, toCsv } from '../lambda/control-plane/registry/mapping-report';
import { checkDestination } from '../lambda/control-plane/registry/setup-check';
import { RegistryError, WorkspaceRegistry } from '../lambda/control-plane/registry/workspace-registry';
import { type Cli, type CliArgs, type CliOptions, type CliResult, runCli, UsageError } from './cli-kit';

const COMMON = `Options for every command:
  --table NAME       the registry table (the platform stack's RegistryTable output; default: REGISTRY_TABLE)
  --static-config F  the static config the platform was deployed with (-c destinationsFile; default:
                     STATIC_CONFIG): its workspaces' invoke accounts are refused to registry workspaces
  --json             print JSON
  --help             help for the command

Works against AWS with your usual credentials, and against the local platform with
AWS_ENDPOINT_URL (npm run local prints it). Exit status: 0 done, 1 failed, 2 usage or a bad value.`;

const DESTINATION_FLAGS = `  Lambda:  --function-arn ARN, or --region REGION --function-name NAME (account from --role-arn, or --account)
           --invocation-type Event|RequestResponse (default Event)
  SNS:     --topic-arn ARN (standard or .fifo)
           --max-message-bytes N  the topic's MaximumMessageSize, when raised above 262144 (up to 1048576)
  Kinesis: --stream-arn ARN (a visitor's records keep their order in its shard)
  EventBridge: --event-bus-arn ARN  --source S (the events' Source, default "event-delivery")
  SQS:     --queue-arn ARN (standard or .fifo)
           --max-message-bytes N  the queue's MaximumMessageSize, when raised above 262144 (up to 1048576)
  All:     --role-arn ARN        the delivery role in your account (on the /event-delivery/ path); optional
                                 for Lambda when your function's resource policy grants the dispatcher
           --events A,B          event names it receives (default "*": all)
           --offload-oversize    deliver events over the size limit as a pointer to the payload bucket
           --max-events-per-second N
           --required-consent A,B  consent categories an event's visitor must have granted (none: "")`;

export const HELP: Record<string, string> = {
  '': `npm run destinations -- COMMAND …

Workspaces (platform customers) and their destinations in the live registry. A destination is
added to the workspace's draft; publish makes the draft live as a new version, and the
dispatcher picks it up within its cache TTL (30 s by default), with no redeploy.

Commands:
  workspaces create|list|show|disable|enable|add-invoke-account …
  add WORKSPACE DESTINATION [flags]     add a destination to the draft
  update WORKSPACE DESTINATION [flags]  change a draft destination
  remove WORKSPACE DESTINATION          remove a destination from the draft
  list WORKSPACE                        the draft's destinations, and the live version
  show WORKSPACE DESTINATION            one destination, as drafted and as live
  diff WORKSPACE                        the draft against the live version
  publish WORKSPACE [--note TEXT]       make the draft live as version N+1
  versions WORKSPACE                    every published version: when, who, what changed
  rollback WORKSPACE [--to N] [--note]  make version N (default: the one before) live again, as a new version
  check WORKSPACE DESTINATION [--send-test-event] [--dispatcher-role-arn ARN]
                                        check the customer's setup, step by step
  mapping show|set|test|export …        what each destination receives (see mapping --help)

${COMMON}`,
  workspaces: `npm run destinations -- workspaces COMMAND …

  create WORKSPACE                 a new workspace (1-64 letters, digits, "-", "_"), with its
                                   platform-assigned external id: give it to the customer for
                                   their delivery role's trust policy
  list                             every workspace
  show WORKSPACE                   its external id, status, live version, invoke accounts
  disable WORKSPACE                its events are dead-lettered with WorkspaceNotFound
  enable WORKSPACE                 undoes disable
  add-invoke-account WORKSPACE ACCOUNT
                                   lets the workspace's Lambda destinations in ACCOUNT be invoked
                                   without a delivery role (the customer granted the platform on
                                   the function). An account belongs to one workspace at most,
                                   static config included (give --static-config): add it only
                                   once you have verified the customer owns it.

${COMMON}`,
  add: `npm run destinations -- add WORKSPACE DESTINATION [flags]

Adds a destination to the workspace's draft; publish to start sending it events.

${DESTINATION_FLAGS}

${COMMON}`,
  update: `npm run destinations -- update WORKSPACE DESTINATION [flags]

Changes the given fields of a draft destination; publish to make the change live.

${DESTINATION_FLAGS}

${COMMON}`,
  remove: `npm run destinations -- remove WORKSPACE DESTINATION\n\nRemoves a destination from the draft; publish to stop sending it events.\n\n${COMMON}`,
  list: `npm run destinations -- list WORKSPACE\n\nThe draft's destinations, marked with what publish would change.\n\n${COMMON}`,
  show: `npm run destinations -- show WORKSPACE DESTINATION\n\nOne destination as drafted and as live.\n\n${COMMON}`,
  diff: `npm run destinations -- diff WORKSPACE\n\nDestinations added, removed and changed in the draft against the live version.\n\n${COMMON}`,
  publish: `npm run destinations -- publish WORKSPACE [--note TEXT]\n\nMakes the draft live as the next version, recording when, by whom and what changed.\n\n${COMMON}`,
  versions: `npm run destinations -- versions WORKSPACE\n\nEvery published version, oldest first.\n\n${COMMON}`,
  rollback: `npm run destinations -- rollback WORKSPACE [--to N] [--note TEXT]

Makes an earlier version's content live again, as a new version (history is never rewritten).
Without --to, the version before the live one. The draft follows.

${COMMON}`,
  mapping: `npm run destinations -- mapping COMMAND …

Data mapping: what each destination receives. A mapping is part of the destination: set it in
the draft, then publish. Without one, a destination gets the privacy-safe defaults (personal
data hashed or redacted; see docs/data-mapping-and-consent.md).

  show WORKSPACE DESTINATION            the mapping and required consent, drafted and live
  set WORKSPACE DESTINATION --file F    set the draft destination's mapping from a JSON file
                                        (--clear: back to the defaults)
  test WORKSPACE --events-file FILE [--draft]
                                        for each line of FILE (ingest messages) and each
                                        destination: exactly what it would receive, computed by
                                        the dispatcher's own compiled mapping; or why not
  export WORKSPACE [--format json|csv] [--draft]
                                        the compliance report: per destination, which events,
                                        which consent, and how each property is treated

${COMMON}`,
  check: `npm run destinations -- check WORKSPACE DESTINATION [--send-test-event] [--dispatcher-role-arn ARN]

Checks the customer's setup for a destination through the dispatcher's own client path:
  - the delivery role is on the /event-delivery/ path;
  - AssumeRole with the workspace's external id works, and without it is denied (if it is
    allowed, the trust policy lacks the external-id condition: any workspace could get in);
  - Lambda: Invoke with InvocationType DryRun;
  - SNS: GetTopicAttributes through the role: the topic exists, FIFO matches the ARN, its KMS
    key, and its MaximumMessageSize;
  - Kinesis: DescribeStreamSummary: the stream is active, and its KMS key;
  - EventBridge: DescribeEventBus: the bus exists, and its KMS key;
  - SQS: GetQueueAttributes: the queue exists, FIFO matches the ARN, its KMS key, and its
    MaximumMessageSize;
  - --send-test-event: delivers one test event (event "Destination Setup Check",
    event_properties.platform_setup_check = true) and reports the outcome.
Checks the live version's destination, or the draft's when it is not published yet.
Run it as the dispatcher: --dispatcher-role-arn (default DISPATCHER_ROLE_ARN) is assumed first.

${COMMON}`,
};

type Values = Record<string, string | boolean | undefined>;

export const OPTIONS = {
  table: { type: 'string' },
  'static-config': { type: 'string' },
  'function-arn': { type: 'string' },
  'function-name': { type: 'string' },
  region: { type: 'string' },
  account: { type: 'string' },
  'invocation-type': { type: 'string' },
  'topic-arn': { type: 'string' },
  'stream-arn': { type: 'string' },
  'event-bus-arn': { type: 'string' },
  source: { type: 'string' },
  'queue-arn': { type: 'string' },
  'role-arn': { type: 'string' },
  events: { type: 'string' },
  'offload-oversize': { type: 'boolean' },
  'max-events-per-second': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'required-consent': { type: 'string' },
  file: { type: 'string' },
  clear: { type: 'boolean', default: false },
  'events-file': { type: 'string' },
  draft: { type: 'boolean', default: false },
  format: { type: 'string', default: 'json' },
  note: { type: 'string' },
  to: { type: 'string' },
  'send-test-event': { type: 'boolean', default: false },
  'dispatcher-role-arn': { type: 'string' },
} satisfies CliOptions;

/** A value the registry refuses is the caller's to fix, as a usage error is. */
async function main(args: CliArgs<typeof OPTIONS>): Promise<CliResult | number> {
  try {
    return await run(args);
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'invalid')
      throw new UsageError(error.message, args.positionals[0]);
    throw error;
  }
}

async function run({ values, positionals }: CliArgs<typeof OPTIONS>): Promise<CliResult | number> {
  const [command = '', ...args] = positionals;
  if (command === '' || command === 'help') {
    console.log(HELP['']);
    return 0;
  }
  if (!Object.hasOwn(HELP, command)) throw new UsageError(`unknown command "${command}"`);
  const tableName = values.table ?? process.env.REGISTRY_TABLE;
  if (!tableName) throw new UsageError('give the registry table: --table NAME, or REGISTRY_TABLE', command);
  const staticWorkspaces = readStaticConfig(values['static-config'] ?? process.env.STATIC_CONFIG);

  const sts = new STSClient({});
  const { Arn: caller = 'unknown' } = await sts.send(new GetCallerIdentityCommand({}));
  const registry = new WorkspaceRegistry(
    new DynamoDBClient({}),
    tableName,
    caller,
    new SecretsManagerClient({}),
    undefined,
    staticWorkspaces,
  );
  const need = (count: number, names: string) => {
    if (args.length < count) throw new UsageError(`${command} needs ${names}`, command);
    return args;
  };

  switch (command) {
    case 'workspaces':
      return workspaces(registry, args);
    case 'add': {
      const [workspace, id] = need(2, 'WORKSPACE DESTINATION');
      const added = await registry.addDestination(workspace, destinationFrom(id, values, undefined));
      return result(added, `added ${id} to the draft of ${workspace}: publish to start sending it events`);
    }
    case 'update': {
      const [workspace, id] = need(2, 'WORKSPACE DESTINATION');
      const current = (await registry.draft(workspace)).find((d) => d.id === id);
      if (!current)
        throw new RegistryError(`no destination "${id}" in the draft of ${workspace}`, 'not-found');
      const updated = await registry.updateDestination(workspace, id, destinationFrom(id, values, current));
      return result(updated, `updated ${id} in the draft of ${workspace}: publish to make it live`);
    }
    case 'remove': {
      const [workspace, id] = need(2, 'WORKSPACE DESTINATION');
      await registry.removeDestination(workspace, id);
      return result(
        { removed: id },
        `removed ${id} from the draft of ${workspace}: publish to stop sending it events`,
      );
    }
    case 'list': {
      const [workspace] = need(1, 'WORKSPACE');
      const [draft, live, diff] = await Promise.all([
        registry.draft(workspace),
        registry.liveRecord(workspace),
        registry.diff(workspace),
      ]);
      const mark = (id: string) =>
        diff.added.includes(id)
          ? ' (added, unpublished)'
          : diff.changed.includes(id)
            ? ' (changed, unpublished)'
            : '';
      return result(
        { workspace, liveVersion: live.liveVersion, draft, live: live.destinations, diff },
        [
          `${workspace}: live version ${live.liveVersion}`,
          ...draft.map((d) => `  ${d.id.padEnd(24)} ${d.type.padEnd(11)} ${destinationArn(d)}${mark(d.id)}`),
          ...diff.removed.map((id) => `  ${id.padEnd(24)} (removed, unpublished)`),
        ].join('\n'),
      );
    }
    case 'show': {
      const [workspace, id] = need(2, 'WORKSPACE DESTINATION');
      const [draft, live] = await Promise.all([registry.draft(workspace), registry.liveRecord(workspace)]);
      const drafted = draft.find((d) => d.id === id);
      const published = live.destinations.find((d) => d.id === id);
      if (!drafted && !published)
        throw new RegistryError(`no destination "${id}" in ${workspace}`, 'not-found');
      return result(
        { draft: drafted ?? null, live: published ?? null, liveVersion: live.liveVersion },
        `draft:\n${JSON.stringify(drafted ?? null, null, 2)}\nlive (version ${live.liveVersion}):\n${JSON.stringify(published ?? null, null, 2)}`,
      );
    }
    case 'diff': {
      const [workspace] = need(1, 'WORKSPACE');
      const diff = await registry.diff(workspace);
      const lines = [
        ...diff.added.map((id) => `+ ${id}`),
        ...diff.removed.map((id) => `- ${id}`),
        ...diff.changed.map((id) => `~ ${id}`),
      ];
      return result(diff, lines.length > 0 ? lines.join('\n') : 'the draft is the live version');
    }
    case 'publish': {
      const [workspace] = need(1, 'WORKSPACE');
      const version = await registry.publish(workspace, values.note);
      return result(
        version,
        `published ${workspace} version ${version.version}: ${describeChanges(version.changes)}`,
      );
    }
    case 'versions': {
      const [workspace] = need(1, 'WORKSPACE');
      const versions = await registry.versions(workspace);
      return result(
        versions,
        versions
          .map(
            (v) =>
              `${String(v.version).padStart(4)}  ${v.publishedAt}  ${v.publishedBy}  ${v.action === 'rollback' ? `rollback to ${v.restoredVersion}: ` : ''}${describeChanges(v.changes)}${v.note ? `  "${v.note}"` : ''}`,
          )
          .join('\n') || 'no published version',
      );
    }
    case 'rollback': {
      const [workspace] = need(1, 'WORKSPACE');
      const to = values.to === undefined ? undefined : Number(values.to);
      if (to !== undefined && !Number.isInteger(to))
        throw new UsageError('--to must be a version number', 'rollback');
      const version = await registry.rollback(workspace, to, values.note);
      return result(
        version,
        `${workspace} version ${version.version} is live: the content of version ${version.restoredVersion}`,
      );
    }
    case 'check': {
      const [workspace, id] = need(2, 'WORKSPACE DESTINATION');
      return check(registry, workspace, id, values);
    }
    case 'mapping':
      return mappingCommand(registry, args, values);
  }
  return 2;
}

async function workspaces(registry: WorkspaceRegistry, args: string[]): Promise<CliResult> {
  const [action, workspace, account] = args;
  const need = (ok: unknown) => {
    if (!ok) throw new UsageError(`workspaces ${action ?? ''}: missing arguments`, 'workspaces');
  };
  switch (action) {
    case 'create': {
      need(workspace);
      const created = await registry.createWorkspace(workspace);
      return result(
        created,
        `created workspace ${workspace}\nexternal id: ${created.externalId}\n(the customer puts it in their delivery role's trust policy: sts:ExternalId)`,
      );
    }
    case 'list': {
      const all = await registry.listWorkspaces();
      return result(
        all,
        all.map((w) => `${w.id.padEnd(32)} ${w.status.padEnd(8)} live version ${w.liveVersion}`).join('\n') ||
          'no workspaces',
      );
    }
    case 'show': {
      need(workspace);
      const shown = await registry.workspace(workspace);
      return result(
        shown,
        Object.entries(shown)
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
          .join('\n'),
      );
    }
    case 'disable':
    case 'enable': {
      need(workspace);
      await registry.setWorkspaceStatus(workspace, action === 'disable' ? 'disabled' : 'active');
      return result(
        { workspace, status: action === 'disable' ? 'disabled' : 'active' },
        `${workspace} ${action}d`,
      );
    }
    case 'add-invoke-account': {
      need(workspace && account);
      await registry.addInvokeAccount(workspace, account);
      return result(
        { workspace, account },
        `${workspace} may now invoke functions of ${account} without a delivery role`,
      );
    }
    default:
      throw new UsageError(
        `workspaces needs create, list, show, disable, enable or add-invoke-account`,
        'workspaces',
      );
  }
}

async function check(
  registry: WorkspaceRegistry,
  workspaceId: string,
  destinationId: string,
  values: Values,
): Promise<CliResult> {
  const live = await registry.liveRecord(workspaceId);
  const published = live.destinations.find((d) => d.id === destinationId);
  const spec = published ?? (await registry.draft(workspaceId)).find((d) => d.id === destinationId);
  if (!spec) throw new RegistryError(`no destination "${destinationId}" in ${workspaceId}`, 'not-found');
  const [destination] = resolveWorkspace({ ...live, destinations: [spec] }).destinations;
  const dispatcherRoleArn =
    (values['dispatcher-role-arn'] as string | undefined) ?? process.env.DISPATCHER_ROLE_ARN;
  // As the dispatcher: customers' trust policies admit its role, not the operator's.
  const credentials = dispatcherRoleArn
    ? fromTemporaryCredentials({
        params: { RoleArn: dispatcherRoleArn, RoleSessionName: 'event-delivery-setup-check' },
      })
    : undefined;
  const steps = await checkDestination(destination, {
    clients: new DestinationClients({
      sessionName: 'event-delivery-setup-check',
      ...(credentials && { overrides: { credentials } }),
    }),
    sts: new STSClient(credentials ? { credentials } : {}),
    sendTestEvent: values['send-test-event'] === true,
  });
  const failed = steps.some((s) => s.verdict === 'fail');
  return result(
    {
      workspace: workspaceId,
      destination: destinationId,
      source: published ? 'live' : 'draft',
      steps,
      ok: !failed,
    },
    [
      `${workspaceId}/${destinationId} (${published ? `live version ${live.liveVersion}` : 'draft, unpublished'})`,
      ...steps.flatMap((s) => [
        `  ${s.verdict.toUpperCase().padEnd(5)} ${s.step}: ${s.detail}`,
        ...(s.fix ? [`        fix: ${s.fix}`] : []),
      ]),
      failed ? 'setup check FAILED' : 'setup check passed',
    ].join('\n'),
    failed ? 1 : 0,
  );
}

async function mappingCommand(
  registry: WorkspaceRegistry,
  args: string[],
  values: Values,
): Promise<CliResult> {
  const [action, workspace, id] = args;
  if (!workspace || (['show', 'set'].includes(action) && !id))
    throw new UsageError(`mapping ${action ?? ''}: missing arguments`, 'mapping');
  const destinations = async () =>
    values.draft ? registry.draft(workspace) : [...(await registry.liveRecord(workspace)).destinations];
  switch (action) {
    case 'show': {
      const [draft, live] = await Promise.all([registry.draft(workspace), registry.liveRecord(workspace)]);
      const pick = (list: readonly DestinationSpec[]) => {
        const d = list.find((x) => x.id === id);
        return d && { mapping: d.mapping ?? null, requiredConsent: d.requiredConsent ?? null };
      };
      const shown = { draft: pick(draft) ?? null, live: pick(live.destinations) ?? null };
      if (!shown.draft && !shown.live)
        throw new RegistryError(`no destination "${id}" in ${workspace}`, 'not-found');
      return result(shown, JSON.stringify(shown, null, 2));
    }
    case 'set': {
      let mapping: unknown;
      if (!values.clear) {
        if (typeof values.file !== 'string')
          throw new UsageError('mapping set needs --file FILE or --clear', 'mapping');
        try {
          mapping = JSON.parse(readFileSync(values.file, 'utf8'));
        } catch (error) {
          throw new UsageError(`--file: ${(error as Error).message}`, 'mapping');
        }
      }
      const updated = await registry.updateDestination(workspace, id, { mapping });
      return result(
        updated,
        `set the mapping of ${id} in the draft of ${workspace}: publish to make it live`,
      );
    }
    case 'test': {
      const file = values['events-file'];
      if (typeof file !== 'string') throw new UsageError('mapping test needs --events-file FILE', 'mapping');
      const bodies = readFileSync(file, 'utf8')
        .split(/\r?\n/)
        .filter((line) => line.trim() !== '');
      const list = await destinations();
      const key = list.some((d) => usesHmac(d.mapping))
        ? await new HmacKeys(new SecretsManagerClient({})).key(workspace)
        : undefined;
      const results = testMappings(workspace, list, bodies, key);
      return result(
        results,
        results
          .map(
            (r) =>
              `line ${r.line} → ${r.destination}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}${r.payload ? `\n${JSON.stringify(r.payload, null, 2)}` : ''}`,
          )
          .join('\n'),
        results.some((r) => r.outcome === 'invalid') ? 1 : 0,
      );
    }
    case 'export': {
      if (values.format !== 'json' && values.format !== 'csv')
        throw new UsageError('--format must be json or csv', 'mapping');
      const rows = mappingReport(await destinations());
      return result(rows, values.format === 'csv' ? toCsv(rows) : JSON.stringify(rows, null, 2));
    }
    default:
      throw new UsageError('mapping needs show, set, test or export', 'mapping');
  }
}

/** A destination from command-line flags: new, or `current` with the given fields changed. */
export function destinationFrom(
  id: string,
  values: Values,
  current: DestinationSpec | undefined,
): DestinationInput {
  const flag = (name: string) => values[name] as string | undefined;
  const base: Record<string, unknown> = current ? { ...current } : { id };
  const functionArn =
    flag('function-arn') ??
    (flag('function-name')
      ? `arn:aws:lambda:${flag('region') ?? ''}:${flag('account') ?? flag('role-arn')?.split(':')[4] ?? ''}:function:${flag('function-name')}`
      : undefined);
  // The one resource flag given names the destination's type.
  const resources = [
    functionArn && { type: 'lambda', functionArn },
    flag('topic-arn') && { type: 'sns', topicArn: flag('topic-arn') },
    flag('stream-arn') && { type: 'kinesis', streamArn: flag('stream-arn') },
    flag('event-bus-arn') && { type: 'eventbridge', eventBusArn: flag('event-bus-arn') },
    flag('queue-arn') && { type: 'sqs', queueArn: flag('queue-arn') },
  ].filter(Boolean);
  if (resources.length > 1)
    throw new UsageError('give one function, topic, stream, event bus or queue, not several', 'add');
  const [resource] = resources;
  if (resource) {
    // A destination changing type keeps none of the old type's resource fields.
    for (const field of [
      'functionArn',
      'invocationType',
      'topicArn',
      'streamArn',
      'eventBusArn',
      'source',
      'queueArn',
      'maxMessageBytes',
    ]) {
      if (base.type !== (resource as { type: string }).type) delete base[field];
    }
    Object.assign(base, resource);
  }
  if (!base.type)
    throw new UsageError(
      'give --function-arn (or --region and --function-name), --topic-arn, --stream-arn, --event-bus-arn or --queue-arn',
      'add',
    );
  if (flag('source') !== undefined) base.source = flag('source');
  if (flag('invocation-type')) base.invocationType = flag('invocation-type');
  if (flag('role-arn') !== undefined) base.roleArn = flag('role-arn') || undefined;
  base.events = flag('events')
    ?.split(',')
    .map((e) => e.trim()) ??
    base.events ?? ['*'];
  if (values['offload-oversize'] !== undefined) base.offloadOversize = values['offload-oversize'];
  if (flag('max-events-per-second') !== undefined)
    base.maxEventsPerSecond = Number(flag('max-events-per-second'));
  if (flag('max-message-bytes') !== undefined) base.maxMessageBytes = Number(flag('max-message-bytes'));
  if (flag('required-consent') !== undefined) {
    const categories = flag('required-consent')
      ?.split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    base.requiredConsent = categories?.length ? categories : undefined;
  }
  return base as DestinationInput;
}

/** The deployed static config, validated as at synth: none without a file. */
function readStaticConfig(file: string | undefined): WorkspaceRecord[] {
  if (!file) return [];
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--static-config ${file}: ${(error as Error).message}`);
  }
  try {
    return parseStaticWorkspaces(config);
  } catch (error) {
    if (error instanceof InvalidDestinationConfigError)
      throw new UsageError(`--static-config ${file}: ${error.problems.join('; ')}`);
    throw error;
  }
}

function describeChanges(changes: { added: string[]; removed: string[]; changed: string[] }): string {
  const parts = [
    ...changes.added.map((id) => `+${id}`),
    ...changes.removed.map((id) => `-${id}`),
    ...changes.changed.map((id) => `~${id}`),
  ];
  return parts.length > 0 ? parts.join(' ') : 'no change';
}

const result = (json: unknown, text: string, exitCode = 0): CliResult => ({ json, text, exitCode });

export const CLI: Cli<typeof OPTIONS> = {
  name: 'destinations',
  help: ([command = '']) => HELP[Object.hasOwn(HELP, command) ? command : ''],
  json: true,
  positionals: true,
  options: OPTIONS,
  main,
};

if (require.main === module) void runCli(CLI);
