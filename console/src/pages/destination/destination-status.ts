import type { Schemas } from '../../api/client';

export type DraftStatus = 'live' | 'added' | 'changed' | 'removed';

/** Where the destination stands between the draft and the live version. */
export function draftStatus(view: Schemas['DestinationView']): DraftStatus {
  if (!view.draft) return 'removed';
  if (!view.live) return 'added';
  return JSON.stringify(view.draft) === JSON.stringify(view.live) ? 'live' : 'changed';
}

export const DRAFT_STATUS_TEXT: Record<DraftStatus, string> = {
  live: 'Live, as drafted',
  added: 'Draft only: not published yet',
  changed: 'Live, with unpublished changes',
  removed: 'Removed in the draft: still live until published',
};
