import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { type CompiledMapping, compileMapping, usesHmac } from './data-mapping';
import {
  arnParts,
  type Destination,
  type DestinationSpec,
  EXTERNAL_ID_PATTERN,
  InvalidDestinationConfigError,
  parseDestinations,
} from './destination-config';
import { WorkspaceIdSchema } from './workspace-id';
import './zod-messages';

/**
 * Workspaces: one customer of the platform each. Every ingest message names its workspace, and
 * an event reaches only that workspace's destinations.
 */

const ACCOUNT_ID = /^\d{12}$/;

/** A workspace's live destinations, as the dispatcher routes with them. */
export interface LiveWorkspace {
  readonly id: string;
  /** The published version serving: 0 for a workspace from the static config. */
  readonly version: number;
  readonly destinations: readonly Destination[];
  /**
   * Accounts whose functions this workspace may invoke without a delivery role (the customer
   * granted the dispatcher on the function). An account belongs to one workspace at most.
   */
  readonly invokeAccounts: ReadonlySet<string>;
  /**
   * Accounts this workspace claims that another workspace owns (one of the static config's, which
   * the registry could not see when the claim was made), each with why it is refused: never
   * authorised for this workspace. @default none
   */
  readonly refusedInvokeAccounts?: ReadonlyMap<string, string>;
  /** Each destination's data mapping, compiled once for this version. */
  readonly mappings: ReadonlyMap<string, CompiledMapping>;
}

/** What the registry keeps of a workspace to route its events (the live version, resolved). */
export interface WorkspaceRecord {
  readonly id: string;
  readonly externalId: string;
  readonly status: 'active' | 'disabled';
  readonly liveVersion: number;
  readonly destinations: readonly DestinationSpec[];
  readonly invokeAccounts: readonly string[];
  /** The workspace's key for `hmac` mappings, when one of its destinations uses it. */
  readonly hmacKey?: Buffer;
}

/** The destinations of a workspace with its external id applied to those that assume a role. */
export function resolveWorkspace(record: WorkspaceRecord): LiveWorkspace {
  // Destinations without a mapping share the defaults, compiled once.
  const defaults = compileMapping(undefined);
  return {
    id: record.id,
    version: record.liveVersion,
    destinations: Object.freeze(
      record.destinations.map((spec) =>
        Object.freeze({
          ...spec,
          workspaceId: record.id,
          ...(spec.roleArn && { externalId: record.externalId }),
        }),
      ),
    ),
    invokeAccounts: new Set(record.invokeAccounts),
    mappings: new Map(
      record.destinations.map((d) => [
        d.id,
        d.mapping ? compileMapping(d.mapping, record.hmacKey) : defaults,
      ]),
    ),
  };
}

/**
 * Whether the dispatcher may deliver to this destination for its workspace. A delivery role is
 * authorised by its own trust policy (the workspace's external id); a function invoked with the
 * dispatcher's identity is authorised by the customer's grant to the platform, which names no
 * workspace, so its account must belong to this workspace.
 */
export function authorizationProblem(workspace: LiveWorkspace, destination: Destination): string | undefined {
  if (destination.type !== 'lambda' || destination.roleArn) return undefined;
  const { account } = arnParts(destination.functionArn);
  const refused = workspace.refusedInvokeAccounts?.get(account);
  if (refused) return refused;
  return workspace.invokeAccounts.has(account)
    ? undefined
    : `account ${account} is not an invoke account of workspace ${workspace.id}: give the destination a roleArn, or have the operator add the account to the workspace`;
}

/**
 * Which workspace owns each invoke account, and every account claimed by two workspaces (each a
 * problem naming both): an account belongs to one workspace at most.
 */
export function invokeAccountOwners(workspaces: readonly Pick<WorkspaceRecord, 'id' | 'invokeAccounts'>[]): {
  owners: Map<string, string>;
  problems: string[];
} {
  const owners = new Map<string, string>();
  const problems: string[] = [];
  for (const workspace of workspaces) {
    for (const account of workspace.invokeAccounts) {
      const owner = owners.get(account);
      if (owner && owner !== workspace.id)
        problems.push(
          `workspace "${workspace.id}": invoke account ${account} already belongs to workspace "${owner}"`,
        );
      else owners.set(account, workspace.id);
    }
  }
  return { owners, problems };
}

/**
 * A registry workspace as it may be served next to the static config: the static config's invoke
 * accounts are its own, so a registry workspace that claims one (a claim the registry could not
 * refuse, not knowing the static config) is not authorised there, and says why. The same object
 * when it claims none of them.
 */
export function withoutStaticInvokeAccounts(
  workspace: LiveWorkspace,
  staticOwners: ReadonlyMap<string, string>,
): LiveWorkspace {
  const refused = new Map<string, string>();
  for (const account of workspace.invokeAccounts) {
    const owner = staticOwners.get(account);
    if (owner !== undefined && owner !== workspace.id)
      refused.set(
        account,
        `account ${account} belongs to workspace ${owner} of the static config, not to workspace ${workspace.id}: an invoke account has one owner; give the destination a roleArn`,
      );
  }
  if (refused.size === 0) return workspace;
  return {
    ...workspace,
    invokeAccounts: new Set([...workspace.invokeAccounts].filter((account) => !refused.has(account))),
    refusedInvokeAccounts: refused,
  };
}

/** An external id the platform assigns a workspace: 128 random bits, unguessable, STS-valid. */
export function newExternalId(): string {
  return `cdp-${randomBytes(16).toString('hex')}`;
}

const StaticWorkspaceSchema = z.strictObject({
  id: WorkspaceIdSchema,
  externalId: z
    .string()
    .check(
      z.regex(EXTERNAL_ID_PATTERN, 'must be 2-1224 characters of letters, digits and +=,.@:/-_'),
      z.minLength(16, 'must be at least 16 characters: it is the workspace secret in trust policies'),
    ),
  invokeAccounts: z.optional(z.array(z.string().check(z.regex(ACCOUNT_ID, 'must be a 12-digit account id')))),
  destinations: z.array(z.unknown()),
});

const StaticConfigSchema = z.strictObject({ workspaces: z.array(StaticWorkspaceSchema) });

/**
 * The static config (`config/destinations.example.json`): workspaces, each with its external id
 * and destinations, served as published version 0 of those workspaces. Every problem is reported
 * at once, naming the workspace, the destination and the field.
 */
export function parseStaticWorkspaces(input: unknown): WorkspaceRecord[] {
  if (Array.isArray(input)) {
    throw new InvalidDestinationConfigError([
      'the config is a list of destinations; it is now { "workspaces": [{ "id", "externalId", "destinations": [...] }] }: move the list into a workspace',
    ]);
  }
  const result = StaticConfigSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidDestinationConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`),
    );
  }
  const problems: string[] = [];
  const workspaces: WorkspaceRecord[] = [];
  const seen = {
    ids: new Set<string>(),
    externalIds: new Set<string>(),
  };
  for (const workspace of result.data.workspaces) {
    const where = `workspace "${workspace.id}"`;
    if (seen.ids.has(workspace.id)) problems.push(`${where}: id is used twice`);
    if (seen.externalIds.has(workspace.externalId))
      problems.push(`${where}: externalId is another workspace's: each workspace needs its own`);
    seen.ids.add(workspace.id);
    seen.externalIds.add(workspace.externalId);
    let destinations: DestinationSpec[] = [];
    try {
      destinations = parseDestinations(workspace.destinations);
    } catch (error) {
      if (!(error instanceof InvalidDestinationConfigError)) throw error;
      problems.push(...error.problems.map((p) => `${where}: ${p}`));
    }
    if (destinations.some((d) => usesHmac(d.mapping))) {
      problems.push(
        `${where}: hmac mappings need the registry's per-workspace key: use hash here, or move the workspace to the registry`,
      );
      destinations = [];
    }
    const record: WorkspaceRecord = {
      id: workspace.id,
      externalId: workspace.externalId,
      status: 'active',
      liveVersion: 0,
      destinations,
      invokeAccounts: workspace.invokeAccounts ?? [],
    };
    const live = resolveWorkspace(record);
    for (const destination of live.destinations) {
      const problem = authorizationProblem(live, destination);
      if (problem) problems.push(`${where}: destination "${destination.id}": ${problem}`);
    }
    workspaces.push(record);
  }
  problems.push(...invokeAccountOwners(workspaces).problems);
  if (problems.length > 0) throw new InvalidDestinationConfigError(problems);
  return workspaces;
}
