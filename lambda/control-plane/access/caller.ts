import { isRole, type Role } from './roles';

/** A person signed in to the user pool, as their access token says. */
export interface UserCaller {
  readonly kind: 'user';
  /** The token's `sub`: memberships are keyed by it. */
  readonly userId: string;
  readonly username: string;
  /** In the operators group: may act on every workspace and create workspaces. */
  readonly operator: boolean;
}

/** A workspace API key, valid in its own workspace only. */
export interface ApiKeyCaller {
  readonly kind: 'api-key';
  readonly keyId: string;
  /** The workspace the key belongs to, when that is the one in the request's path; else none. */
  readonly workspace?: string;
  readonly role?: Role;
}

/** Who is calling, as the authorizer verified it before any handler ran. */
export type Caller = UserCaller | ApiKeyCaller;

/**
 * The authorizer's context: API Gateway passes only flat strings, numbers and booleans on to the
 * integration, so a caller travels as these strings.
 */
export type CallerContext = Record<'kind' | 'id' | 'name' | 'operator' | 'workspace' | 'role', string>;

export function toCallerContext(caller: Caller): CallerContext {
  return caller.kind === 'user'
    ? {
        kind: 'user',
        id: caller.userId,
        name: caller.username,
        operator: String(caller.operator),
        workspace: '',
        role: '',
      }
    : {
        kind: 'api-key',
        id: caller.keyId,
        name: '',
        operator: 'false',
        workspace: caller.workspace ?? '',
        role: caller.role ?? '',
      };
}

/** The caller the authorizer put in the request: undefined when there is none (a public route). */
export function fromCallerContext(
  context: Partial<Record<string, unknown>> | null | undefined,
): Caller | undefined {
  if (!context || typeof context.id !== 'string' || context.id === '') return undefined;
  if (context.kind === 'user')
    return {
      kind: 'user',
      userId: context.id,
      username: String(context.name ?? ''),
      operator: context.operator === 'true' || context.operator === true,
    };
  if (context.kind === 'api-key') {
    const workspace =
      typeof context.workspace === 'string' && context.workspace !== '' ? context.workspace : undefined;
    return {
      kind: 'api-key',
      keyId: context.id,
      ...(workspace && isRole(context.role) && { workspace, role: context.role }),
    };
  }
  return undefined;
}
