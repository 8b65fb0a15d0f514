import type { Logger } from '@aws-lambda-powertools/logger';
import type { LiveWorkspace } from '../../shared/workspace';
import type { IncomingEvent } from './read-events';
import type { Registry } from './registry';

/** What the registry says of an event's workspace. */
export type WorkspaceResolution =
  /** The registry could not say: the event is retried as it came, never dead-lettered. */
  | { readonly kind: 'unavailable' }
  /** No such workspace, or it is disabled. */
  | { readonly kind: 'missing' }
  /**
   * The live version, and the published version whose mapping a retry is pinned to when that
   * is not the live one (undefined when it no longer exists: the live mapping applies).
   */
  | { readonly kind: 'live'; readonly workspace: LiveWorkspace; readonly pinned: LiveWorkspace | undefined };

export const UNAVAILABLE: WorkspaceResolution = { kind: 'unavailable' };
const MISSING: WorkspaceResolution = { kind: 'missing' };

export interface WorkspaceLookups {
  /** The resolution of one event's workspace, given the mapping version it carries. */
  resolve(workspaceId: string, mappingVersion: number | undefined): WorkspaceResolution;
}

type Found = LiveWorkspace | undefined | 'unavailable';

/**
 * Stage 2: each workspace of the batch looked up once, then each published version a retry is
 * pinned to (retries keep the mapping they started with). Resolutions are built once per
 * workspace and version, not per event. All the batch's workspaces are asked for in one go, so
 * the registry reads those it has not cached together (`CachedRegistry`: one `BatchGetItem`).
 */
export async function lookUpWorkspaces(
  events: readonly IncomingEvent[],
  registry: Registry,
  logger: Logger,
): Promise<WorkspaceLookups> {
  const workspaceIds = new Set<string>();
  for (const { message } of events) if (message.ok) workspaceIds.add(message.workspaceId);
  const live = await lookUp(workspaceIds, (id) => registry.workspace(id), logger);

  const pinnedKeys = new Set<string>();
  for (const { message, mappingVersion } of events) {
    if (mappingVersion === undefined || !message.ok) continue;
    const workspace = live.get(message.workspaceId);
    if (workspace && workspace !== 'unavailable' && mappingVersion !== workspace.version)
      pinnedKeys.add(pinnedKey(message.workspaceId, mappingVersion));
  }
  const pinned = await lookUp(
    pinnedKeys,
    (key) => {
      const [id, version] = key.split('#');
      return registry.version(id, Number(version));
    },
    logger,
  );

  const resolutions = new Map<string, WorkspaceResolution>();
  for (const [id, workspace] of live) {
    resolutions.set(id, toResolution(workspace, undefined));
  }
  for (const [key, version] of pinned) {
    const workspace = live.get(key.slice(0, key.indexOf('#')));
    resolutions.set(key, version === 'unavailable' ? UNAVAILABLE : toResolution(workspace, version));
  }
  return {
    resolve(workspaceId, mappingVersion) {
      const own = resolutions.get(workspaceId) ?? MISSING;
      if (mappingVersion === undefined || own.kind !== 'live' || mappingVersion === own.workspace.version) {
        return own;
      }
      return resolutions.get(pinnedKey(workspaceId, mappingVersion)) ?? own;
    },
  };
}

const pinnedKey = (workspaceId: string, version: number): string => `${workspaceId}#${version}`;

function toResolution(workspace: Found, pinned: LiveWorkspace | undefined): WorkspaceResolution {
  if (workspace === 'unavailable') return UNAVAILABLE;
  if (!workspace) return MISSING;
  return { kind: 'live', workspace, pinned };
}

/** Each key of the batch looked up once; `unavailable` when the registry could not say. */
async function lookUp(
  keys: ReadonlySet<string>,
  find: (key: string) => Promise<LiveWorkspace | undefined>,
  logger: Logger,
): Promise<Map<string, Found>> {
  const unique = [...keys];
  // Every lookup started before any is awaited: the registry batches what it must read.
  const outcomes = await Promise.allSettled(unique.map(find));
  const found = new Map<string, Found>();
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') {
      found.set(unique[index], outcome.value);
      return;
    }
    logger.error('workspace not loaded: its events will be retried', {
      workspace: unique[index],
      errorName: (outcome.reason as Error)?.name,
    });
    found.set(unique[index], 'unavailable');
  });
  return found;
}
