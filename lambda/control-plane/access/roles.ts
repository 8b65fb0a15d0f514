/**
 * A member's (or key's) role in a workspace: each allows what the ones before it do.
 * - viewer: read everything of the workspace;
 * - editor: also change the draft, check, test, publish and roll back;
 * - admin: also manage members and API keys, and delete destinations.
 */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const allows = (held: Role, needed: Role): boolean => ROLES.indexOf(held) >= ROLES.indexOf(needed);

export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);

/** The Cognito group whose members are platform operators: they act as admin in every workspace. */
export const OPERATORS_GROUP = 'operators';
