import type { DestinationSpec } from '../../shared/destination-config';
import { stableStringify } from '../../shared/ingest-message';

/** What changed between two versions of a workspace's destinations, by destination id. */
export interface DestinationDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

export function diffDestinations(
  before: readonly DestinationSpec[],
  after: readonly DestinationSpec[],
): DestinationDiff {
  const old = new Map(before.map((d) => [d.id, stableStringify(d)]));
  const next = new Map(after.map((d) => [d.id, stableStringify(d)]));
  return {
    added: [...next.keys()].filter((id) => !old.has(id)),
    removed: [...old.keys()].filter((id) => !next.has(id)),
    changed: [...next.keys()].filter((id) => old.has(id) && old.get(id) !== next.get(id)),
  };
}

export const isEmptyDiff = (diff: DestinationDiff): boolean =>
  diff.added.length + diff.removed.length + diff.changed.length === 0;
