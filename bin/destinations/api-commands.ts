import { ROLES } from '../../lambda/control-plane/access/roles';
import { UsageError } from '../cli-kit';
import type { ApiBackend } from './api-backend';
import { type Command, need, needAfter, result, timeFlag } from './command';
import { DELIVERY_COMMANDS } from './delivery-commands';

/** Commands only the API offers: people, keys, the audit log, and what a customer sets up. */
type ApiCommand = Command<ApiBackend>;

const whoami: ApiCommand = async ({ backend }) => {
  const me = await backend.me();
  return result(
    me,
    [
      `${me.username === me.userId ? `user ${me.userId}` : `${me.username} (user ${me.userId})`}${me.operator ? ', a platform operator' : ''}`,
      ...(me.workspaces.length > 0
        ? me.workspaces.map((w) => `  ${w.workspace.padEnd(32)} ${w.role}`)
        : ['  member of no workspace']),
    ].join('\n'),
  );
};

/** Each type's fields, named as this CLI's flags take them. */
const types: ApiCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const all = await context.backend.destinationTypes(workspace);
  const flagOf = (name: string) =>
    name === 'id'
      ? 'DESTINATION'
      : name === 'mapping'
        ? 'mapping set'
        : `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
  return result(
    all,
    all
      .map((t) =>
        [
          `${t.type}:`,
          ...t.fields.map(
            (f) =>
              `  ${flagOf(f.name).padEnd(24)} ${(f.required ? 'required' : 'optional').padEnd(9)} ${f.description}${f.options ? ` (${f.options.join(', ')})` : ''}`,
          ),
        ].join('\n'),
      )
      .join('\n\n'),
  );
};

const trustPolicy: ApiCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const policy = await context.backend.trustPolicy(workspace);
  const stack = Object.entries(policy.customerStackContext)
    .map(([key, value]) => `-c ${key}=${value}`)
    .join(' ');
  return result(
    policy,
    [
      `external id: ${policy.externalId}`,
      `dispatcher role: ${policy.dispatcherRoleArn}`,
      `The trust policy of ${workspace}'s delivery role (a role on the ${policy.rolePath} path):`,
      JSON.stringify(policy.trustPolicy, null, 2),
      `Or deploy the customer stack with: ${stack}`,
      `A Lambda function without a delivery role: grant ${policy.lambdaPermission.action} to ${policy.lambdaPermission.principal} on it.`,
    ].join('\n'),
  );
};

const members: ApiCommand = async (context) => {
  const { backend, values } = context;
  const [action = ''] = context.args;
  switch (action) {
    case 'list': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const all = await backend.members(workspace);
      return result(
        all,
        all
          .map(
            (m) =>
              `${m.email.padEnd(40)} ${m.role.padEnd(7)} ${m.userId}  added ${m.addedAt} by ${m.addedBy}`,
          )
          .join('\n') || 'no members',
      );
    }
    case 'invite': {
      const [workspace, email] = needAfter(context, action, 'WORKSPACE', 'EMAIL');
      const member = await backend.inviteMember(workspace, email, roleFlag(values.role, 'members'));
      return result(
        member,
        `invited ${member.email} to ${workspace} as ${member.role} (a new user gets a temporary password by email, and sets their own at their first login)`,
      );
    }
    case 'set-role': {
      const [workspace, who] = needAfter(context, action, 'WORKSPACE', 'MEMBER');
      const role = roleFlag(values.role, 'members');
      const member = await backend.setMemberRole(workspace, await memberId(backend, workspace, who), role);
      return result(member, `${member.email} is now ${member.role} in ${workspace}`);
    }
    case 'remove': {
      const [workspace, who] = needAfter(context, action, 'WORKSPACE', 'MEMBER');
      const userId = await memberId(backend, workspace, who);
      await backend.removeMember(workspace, userId);
      return result({ workspace, removed: userId }, `removed ${who} from ${workspace}`);
    }
    default:
      throw new UsageError('members needs list, invite, set-role or remove', 'members');
  }
};

const apiKeys: ApiCommand = async (context) => {
  const { backend, values } = context;
  const [action = ''] = context.args;
  switch (action) {
    case 'list': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      const all = await backend.apiKeys(workspace);
      return result(
        all,
        all
          .map(
            (k) =>
              `${k.id}  ${k.role.padEnd(7)} ${k.name.padEnd(24)} ${k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt ? `expires ${k.expiresAt}` : 'no expiry'}${k.lastUsedAt ? `, last used ${k.lastUsedAt}` : ', never used'}`,
          )
          .join('\n') || 'no API keys',
      );
    }
    case 'create': {
      const [workspace] = needAfter(context, action, 'WORKSPACE');
      if (!values.name)
        throw new UsageError('api-keys create needs --name NAME (what the key is for)', 'api-keys');
      const role = roleFlag(values.role, 'api-keys');
      const expiresAt = values['expires-at'] === undefined ? undefined : isoTime(values['expires-at']);
      const created = await backend.createApiKey(workspace, {
        name: values.name,
        role,
        ...(expiresAt && { expiresAt }),
      });
      return result(
        created,
        [
          `API key ${created.apiKey.id} (${created.apiKey.role} in ${workspace}${created.apiKey.expiresAt ? `, until ${created.apiKey.expiresAt}` : ''}):`,
          created.key,
          'Store it now: it will not be shown again. Give it to a program as EVENT_DELIVERY_API_KEY.',
        ].join('\n'),
      );
    }
    case 'revoke': {
      const [workspace, key] = needAfter(context, action, 'WORKSPACE', 'KEY');
      // The key's id, or its visible prefix edk_<id>, or the key itself: only the id is sent.
      const keyId = /^edk_([0-9a-f]{16})(?:_|$)/.exec(key)?.[1] ?? key;
      const revoked = await backend.revokeApiKey(workspace, keyId);
      return result(revoked, `revoked API key ${revoked.id} (${revoked.name}) of ${workspace}`);
    }
    default:
      throw new UsageError('api-keys needs list, create or revoke', 'api-keys');
  }
};

const audit: ApiCommand = async (context) => {
  const [workspace] = need(context, 'WORKSPACE');
  const { limit, cursor } = context.values;
  const page = await context.backend.auditEvents(workspace, { limit, cursor });
  const actor = (a: { type: string; id: string; name?: string }) => `${a.type}:${a.name ?? a.id}`;
  return result(
    page,
    [
      ...page.events.map(
        (e) =>
          `${e.at}  ${actor(e.actor).padEnd(32)} ${e.action.padEnd(20)} ${e.target}${e.before || e.after ? `  ${JSON.stringify(e.before ?? {})} → ${JSON.stringify(e.after ?? {})}` : ''}`,
      ),
      ...(page.events.length === 0 ? ['no audit events'] : []),
      ...(page.nextCursor
        ? [`older: npm run destinations -- audit ${workspace} --cursor ${page.nextCursor}`]
        : []),
    ].join('\n'),
  );
};

/** --role, one of the roles. */
function roleFlag(role: string | undefined, command: string): string {
  if (!role || !(ROLES as readonly string[]).includes(role))
    throw new UsageError(`--role must be ${ROLES.join(', ')}`, command);
  return role;
}

/** A member by user id, or by email (looked up among the workspace's members). */
async function memberId(backend: ApiBackend, workspace: string, who: string): Promise<string> {
  if (!who.includes('@')) return who;
  const found = (await backend.members(workspace)).find((m) => m.email.toLowerCase() === who.toLowerCase());
  if (!found)
    throw Object.assign(new Error(`${who} is not a member of ${workspace}`), { name: 'MemberNotFound' });
  return found.userId;
}

/** --expires-at as the API takes it: a date (midnight UTC) or a date and time. */
const isoTime = (value: string): string => timeFlag(value, 'expires-at', 'api-keys');

/** The commands only the API offers. */
export const API_COMMANDS: Readonly<Record<string, ApiCommand>> = {
  whoami,
  types,
  'trust-policy': trustPolicy,
  members,
  'api-keys': apiKeys,
  audit,
  ...DELIVERY_COMMANDS,
};
