import * as z from 'zod';
import { ApiError } from '../http/api-error';
import type { ApiRequest } from '../http/api-request';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { diffDestinations } from '../registry/destination-diff';
import { liveVersionTag } from './destinations';
import { DiffSchema, VersionSchema, WorkspaceParams } from './schemas';

const TAG = 'Versions';
const VersionParams = WorkspaceParams.extend({
  version: z.coerce.number().int().min(1).meta({ description: 'A published version' }),
});
const Note = z.string().max(500).optional().meta({ description: 'Why: recorded with the version' });

/**
 * The live version the caller expects, from `If-Match` (`"3"`, `W/"3"` or `3`): none when absent or
 * `*`. Publishing and rolling back over someone else's publish then fails with 412.
 */
function expectedLiveVersion(request: ApiRequest): number | undefined {
  const header = request.headers['if-match']?.trim();
  if (header === undefined || header === '' || header === '*') return undefined;
  const version = Number(header.replace(/^W\//, '').replace(/^"(.*)"$/, '$1'));
  if (!Number.isInteger(version) || version < 0)
    throw new ApiError(
      400,
      'InvalidRequest',
      'If-Match: must be the live version\'s ETag, as GET destinations gives it ("3")',
      [{ field: 'If-Match', message: 'must be the live version ETag' }],
    );
  return version;
}

export const versionRoutes = [
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/publish',
    operationId: 'publish',
    summary: 'Make the draft live as the next version; If-Match: the live version it was made against',
    tag: TAG,
    access: 'editor',
    ifMatch: true,
    params: WorkspaceParams,
    body: z.object({ note: Note }).meta({ id: 'PublishRequest' }),
    response: { status: 201, description: 'The new live version; ETag: it', schema: VersionSchema },
    async handle({ params, body, request, services, change }) {
      const published = await services
        .registry(change)
        .publish(params.workspace, body.note, expectedLiveVersion(request));
      return json(201, published, { etag: liveVersionTag(published.version) });
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/rollback',
    operationId: 'rollback',
    summary: "Make an earlier version's content live again, as a new version (the draft follows)",
    tag: TAG,
    access: 'editor',
    ifMatch: true,
    params: WorkspaceParams,
    body: z
      .object({
        toVersion: z
          .number()
          .int()
          .min(1)
          .optional()
          .meta({ description: 'Default: the one before the live version' }),
        note: Note,
      })
      .meta({ id: 'RollbackRequest' }),
    response: { status: 201, description: 'The new live version; ETag: it', schema: VersionSchema },
    async handle({ params, body, request, services, change }) {
      const published = await services
        .registry(change)
        .rollback(params.workspace, body.toVersion, body.note, expectedLiveVersion(request));
      return json(201, published, { etag: liveVersionTag(published.version) });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/versions',
    operationId: 'listVersions',
    summary: 'Every published version, oldest first: when, by whom, what changed',
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    response: {
      status: 200,
      description: 'The versions',
      schema: z.object({ versions: z.array(VersionSchema) }).meta({ id: 'VersionList' }),
    },
    async handle({ params, services, change }) {
      return json(200, { versions: await services.registry(change).versions(params.workspace) });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/versions/{version}',
    operationId: 'getVersion',
    summary: 'One published version',
    tag: TAG,
    access: 'viewer',
    params: VersionParams,
    response: { status: 200, description: 'The version', schema: VersionSchema },
    async handle({ params, services, change }) {
      return json(200, await services.registry(change).version(params.workspace, params.version));
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/versions/{version}/diff',
    operationId: 'diffVersions',
    summary: 'What changed from one version (default: the one before) to this one',
    tag: TAG,
    access: 'viewer',
    params: VersionParams,
    query: z.object({
      from: z.coerce
        .number()
        .int()
        .min(0)
        .optional()
        .meta({ description: 'The version to compare with; 0: nothing' }),
    }),
    response: {
      status: 200,
      description: 'Destination ids added, removed and changed',
      schema: z
        .object({ from: z.number().int(), to: z.number().int(), changes: DiffSchema })
        .meta({ id: 'VersionDiff' }),
    },
    async handle({ params, query, services, change }) {
      const registry = services.registry(change);
      const from = query.from ?? params.version - 1;
      const [before, after] = await Promise.all([
        from === 0 ? Promise.resolve(undefined) : registry.version(params.workspace, from),
        registry.version(params.workspace, params.version),
      ]);
      return json(200, {
        from,
        to: params.version,
        changes: diffDestinations(before?.destinations ?? [], after.destinations),
      });
    },
  }),
];
