import { type ApiClient, call, callWithResponse, etagVersion, type Schemas } from '../../api/client';

/** What publishing the draft would change, and the live version that answer was made against. */
export interface DraftChanges {
  /** The live version to send back in `If-Match`: 0 when nothing has been published yet. */
  readonly liveVersion: number;
  readonly changes: Schemas['DestinationDiff'];
  readonly draft: readonly Schemas['Destination'][];
  readonly live: readonly Schemas['Destination'][];
}

/**
 * The draft against the live version, with both sides' content for a per-field view. The draft
 * listing is read first: its ETag is the live version we publish against, so a publish landing
 * between the reads makes ours fail with 412 rather than go out over changes we did not show.
 */
export async function loadDraftChanges(api: ApiClient, workspace: string): Promise<DraftChanges> {
  const path = { workspace };
  const listing = await callWithResponse(
    api.GET('/v1/workspaces/{workspace}/destinations', { params: { path } }),
  );
  const liveVersion = etagVersion(listing.response) ?? listing.data.liveVersion;
  const [changes, live] = await Promise.all([
    call(api.GET('/v1/workspaces/{workspace}/diff', { params: { path } })),
    liveVersion > 0
      ? call(
          api.GET('/v1/workspaces/{workspace}/versions/{version}', {
            params: { path: { workspace, version: liveVersion } },
          }),
        )
      : undefined,
  ]);
  return {
    liveVersion,
    changes,
    draft: listing.data.destinations.map((entry) => entry.destination),
    live: live?.destinations ?? [],
  };
}
