import { readFileSync } from 'node:fs';
import { toCsv } from '../../lambda/control-plane/registry/mapping-report';
import { destinationArn } from '../../lambda/shared/destination-config';
import { UsageError } from '../cli-kit';
import type { DestinationDiff, DestinationsBackend } from './backend';
import { type Command, need, needAfter, result } from './command';
import { destinationFrom } from './destination-flags';

/** Commands on workspaces and their destinations: the same in both ways in (the API, or the table). */
type RegistryCommand = Command<DestinationsBackend>;

const workspaces: RegistryCommand = async (context) => {
  const { backend } = context;
  const [action = ''] = context.args;
  switch (action) {
    case 'create': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const created = await backend.createWorkspace(workspace);
      return result(
        created,
        `created workspace ${workspace}\nexternal id: ${created.externalId}\n(the customer puts it in their delivery role's trust policy: sts:ExternalId)`,
      );
    }
    case 'list': {
      const all = await backend.listWorkspaces();
      return result(
        all,
        all.map((w) => `${w.id.padEnd(32)} ${w.status.padEnd(8)} live version ${w.liveVersion}`).join('\n') ||
          'no workspaces',
      );
    }
    case 'show': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const shown = await backend.workspace(workspace);
      return result(
        shown,
        Object.entries(shown)
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}`)
          .join('\n'),
      );
    }
    case 'disable':
    case 'enable': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const status = action === 'disable' ? 'disabled' : 'active';
      await backend.setWorkspaceStatus(workspace, status);
      return result({ workspace, status }, `${workspace} ${action}d`);
    }
    case 'add-invoke-account': {
      const [workspace, account] = needAfter(context, action, 'WORKSPACE', 'ACCOUNT');
      await backend.addInvokeAccount(workspace, account);
      return result(
        { workspace, account },
        `${workspace} may now invoke functions of ${account} without a delivery role`,
      );
    }
    default:
      throw new UsageError(
        'workspaces needs create, list, show, disable, enable or add-invoke-account',
        'workspaces',
      );
  }
};

const add: RegistryCommand = async (context) => {
  const [workspace, id] = need(context, 'WORKSPACE', 'DESTINATION');
  const added = await context.backend.addDestination(
    workspace,
    destinationFrom(id, context.values, undefined),
  );
  return result(added, `added ${id} to the draft of ${workspace}: publish to start sending it events`);
};

const update: RegistryCommand = async (context) => {
  const [workspace, id] = need(context, 'WORKSPACE', 'DESTINATION');
  const { backend, values } = context;
  const current = (await backend.destination(workspace, id)).draft;
  if (!current) throw new NotInDraft(id, workspace);
  const updated = await backend.updateDestination(workspace, current, destinationFrom(id, values, current));
  return result(updated, `updated ${id} in the draft of ${workspace}: publish to make it live`);
};

const remove: RegistryCommand = async (context) => {
  const [workspace, id] = need(context, 'WORKSPACE', 'DESTINATION');
  await context.backend.removeDestination(workspace, id);
  return result(
    { removed: id },
    `removed ${id} from the draft of ${workspace}: publish to stop sending it events`,
  );
};

const list: RegistryCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const { liveVersion, draft, live, diff } = await context.backend.overview(workspace);
  const mark = (id: string) =>
    diff.added.includes(id)
      ? ' (added, unpublished)'
      : diff.changed.includes(id)
        ? ' (changed, unpublished)'
        : '';
  return result(
    { workspace, liveVersion, draft, live, diff },
    [
      `${workspace}: live version ${liveVersion}`,
      ...draft.map((d) => `  ${d.id.padEnd(24)} ${d.type.padEnd(11)} ${destinationArn(d)}${mark(d.id)}`),
      ...diff.removed.map((id) => `  ${id.padEnd(24)} (removed, unpublished)`),
    ].join('\n'),
  );
};

const show: RegistryCommand = async (context) => {
  const [workspace, id] = need(context, 'WORKSPACE', 'DESTINATION');
  const { draft, live, liveVersion } = await context.backend.destination(workspace, id);
  return result(
    { draft, live, liveVersion },
    `draft:\n${JSON.stringify(draft, null, 2)}\nlive (version ${liveVersion}):\n${JSON.stringify(live, null, 2)}`,
  );
};

const diff: RegistryCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const changes = await context.backend.diff(workspace);
  const lines = [
    ...changes.added.map((id) => `+ ${id}`),
    ...changes.removed.map((id) => `- ${id}`),
    ...changes.changed.map((id) => `~ ${id}`),
  ];
  return result(changes, lines.length > 0 ? lines.join('\n') : 'the draft is the live version');
};

const publish: RegistryCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const version = await context.backend.publish(workspace, context.values.note);
  return result(
    version,
    `published ${workspace} version ${version.version}: ${describeChanges(version.changes)}`,
  );
};

const versions: RegistryCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const all = await context.backend.versions(workspace);
  return result(
    all,
    all
      .map(
        (v) =>
          `${String(v.version).padStart(4)}  ${v.publishedAt}  ${v.publishedBy}  ${v.action === 'rollback' ? `rollback to ${v.restoredVersion}: ` : ''}${describeChanges(v.changes)}${v.note ? `  "${v.note}"` : ''}`,
      )
      .join('\n') || 'no published version',
  );
};

const rollback: RegistryCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const { to, note } = context.values;
  const toVersion = to === undefined ? undefined : Number(to);
  if (toVersion !== undefined && !Number.isInteger(toVersion))
    throw new UsageError('--to must be a version number', 'rollback');
  const version = await context.backend.rollback(workspace, toVersion, note);
  return result(
    version,
    `${workspace} version ${version.version} is live: the content of version ${version.restoredVersion}`,
  );
};

const check: RegistryCommand = async (context) => {
  const [workspace, destination] = need(context, 'WORKSPACE', 'DESTINATION');
  const { source, liveVersion, steps } = await context.backend.check(
    workspace,
    destination,
    context.values['send-test-event'] === true,
  );
  const failed = steps.some((s) => s.verdict === 'fail');
  return result(
    { workspace, destination, source, steps, ok: !failed },
    [
      `${workspace}/${destination} (${source === 'live' ? `live version ${liveVersion}` : 'draft, unpublished'})`,
      ...steps.flatMap((s) => [
        `  ${s.verdict.toUpperCase().padEnd(5)} ${s.step}: ${s.detail}`,
        ...(s.fix ? [`        fix: ${s.fix}`] : []),
      ]),
      failed ? 'setup check FAILED' : 'setup check passed',
    ].join('\n'),
    failed ? 1 : 0,
  );
};

const mapping: RegistryCommand = async (context) => {
  const { backend, values } = context;
  const [action = '', workspace, id] = context.args;
  if (!workspace || (['show', 'set'].includes(action) && !id))
    throw new UsageError(`mapping ${action}: missing arguments`, 'mapping');
  switch (action) {
    case 'show': {
      const shown = await backend.mapping(workspace, id);
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
      const updated = await backend.setMapping(workspace, id, mapping);
      return result(
        updated,
        `set the mapping of ${id} in the draft of ${workspace}: publish to make it live`,
      );
    }
    case 'test': {
      const file = values['events-file'];
      if (typeof file !== 'string') throw new UsageError('mapping test needs --events-file FILE', 'mapping');
      let bodies: string[];
      try {
        bodies = readFileSync(file, 'utf8')
          .split(/\r?\n/)
          .filter((line) => line.trim() !== '');
      } catch (error) {
        throw new UsageError(`--events-file: ${(error as Error).message}`, 'mapping');
      }
      const results = await backend.testMappings(workspace, bodies, values.draft === true);
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
      const rows = await backend.mappingReport(workspace, values.draft === true);
      return result(rows, values.format === 'csv' ? toCsv(rows) : JSON.stringify(rows, null, 2));
    }
    default:
      throw new UsageError('mapping needs show, set, test or export', 'mapping');
  }
};

/** A destination that `update` needs in the draft is not there. */
class NotInDraft extends Error {
  constructor(destination: string, workspace: string) {
    super(`no destination "${destination}" in the draft of ${workspace}`);
    this.name = 'DestinationNotFound';
  }
}

function describeChanges(changes: DestinationDiff): string {
  const parts = [
    ...changes.added.map((id) => `+${id}`),
    ...changes.removed.map((id) => `-${id}`),
    ...changes.changed.map((id) => `~${id}`),
  ];
  return parts.length > 0 ? parts.join(' ') : 'no change';
}

/** The commands both ways in offer. */
export const REGISTRY_COMMANDS: Readonly<Record<string, RegistryCommand>> = {
  workspaces,
  add,
  update,
  remove,
  list,
  show,
  diff,
  publish,
  versions,
  rollback,
  check,
  mapping,
};
