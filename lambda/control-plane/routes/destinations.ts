import * as z from 'zod';
import type { DestinationSpec } from '../../shared/destination-config';
import { destinationNotFound } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { DestinationChanges, DestinationRequest, toDestinationInput } from './destination-request';
import { Destination, DestinationParams, DiffSchema, WorkspaceParams } from './schemas';

const BASE = '/v1/workspaces/{workspace}/destinations';
const TAG = 'Destinations';

const DraftListing = z
  .object({
    workspace: z.string(),
    liveVersion: z.number().int(),
    draftRevision: z.number().int(),
    destinations: z.array(
      z.object({
        destination: Destination,
        status: z.enum(['unchanged', 'added', 'changed']).meta({ description: 'Against the live version' }),
      }),
    ),
    removed: z.array(z.string()).meta({ description: 'Live destinations the draft removes' }),
  })
  .meta({ id: 'DraftListing' });

const DestinationView = z
  .object({
    draft: z.nullable(Destination),
    live: z.nullable(Destination),
    liveVersion: z.number().int(),
  })
  .meta({ id: 'DestinationView' });

/** The live version as an ETag: publish and rollback take it back in If-Match. */
export const liveVersionTag = (version: number): string => `"${version}"`;

export const destinationRoutes = [
  route({
    method: 'GET',
    path: BASE,
    operationId: 'listDestinations',
    summary: "The draft's destinations, each marked against the live version",
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    response: { status: 200, description: 'The draft; ETag: the live version', schema: DraftListing },
    async handle({ params, services, change }) {
      const registry = services.registry(change);
      const [draft, live] = await Promise.all([
        registry.draftState(params.workspace),
        registry.liveRecord(params.workspace),
      ]);
      const liveById = new Map(live.destinations.map((d) => [d.id, JSON.stringify(d)]));
      const status = (d: DestinationSpec) =>
        !liveById.has(d.id) ? 'added' : liveById.get(d.id) === JSON.stringify(d) ? 'unchanged' : 'changed';
      const drafted = new Set(draft.destinations.map((d) => d.id));
      return json(
        200,
        {
          workspace: params.workspace,
          liveVersion: live.liveVersion,
          draftRevision: draft.revision,
          destinations: draft.destinations.map((d) => ({ destination: d, status: status(d) })),
          removed: live.destinations.filter((d) => !drafted.has(d.id)).map((d) => d.id),
        },
        { etag: liveVersionTag(live.liveVersion) },
      );
    },
  }),
  route({
    method: 'POST',
    path: BASE,
    operationId: 'createDestination',
    summary: 'Add a destination to the draft: publish to start sending it events',
    tag: TAG,
    access: 'editor',
    params: WorkspaceParams,
    body: DestinationRequest,
    response: { status: 201, description: 'Added to the draft', schema: Destination },
    async handle({ params, body, services, change }) {
      const registry = services.registry(change);
      const { invokeAccounts } = await registry.liveRecord(params.workspace);
      const input = toDestinationInput(body, { invokeAccounts });
      return json(201, await registry.addDestination(params.workspace, input));
    },
  }),
  route({
    method: 'GET',
    path: `${BASE}/{destination}`,
    operationId: 'getDestination',
    summary: 'One destination, as drafted and as live',
    tag: TAG,
    access: 'viewer',
    params: DestinationParams,
    response: { status: 200, description: 'The destination', schema: DestinationView },
    async handle({ params, services, change }) {
      const registry = services.registry(change);
      const [draft, live] = await Promise.all([
        registry.draft(params.workspace),
        registry.liveRecord(params.workspace),
      ]);
      const drafted = draft.find((d) => d.id === params.destination) ?? null;
      const published = live.destinations.find((d) => d.id === params.destination) ?? null;
      if (!drafted && !published) throw destinationNotFound(params.workspace, params.destination);
      return json(200, { draft: drafted, live: published, liveVersion: live.liveVersion });
    },
  }),
  route({
    method: 'PATCH',
    path: `${BASE}/{destination}`,
    operationId: 'updateDestination',
    summary: 'Change fields of a draft destination: publish to make the change live',
    tag: TAG,
    access: 'editor',
    params: DestinationParams,
    body: DestinationChanges,
    response: { status: 200, description: 'The draft destination as changed', schema: Destination },
    async handle({ params, body, services, change }) {
      const registry = services.registry(change);
      const [draft, live] = await Promise.all([
        registry.draft(params.workspace),
        registry.liveRecord(params.workspace),
      ]);
      const current = draft.find((d) => d.id === params.destination);
      if (!current) throw destinationNotFound(params.workspace, params.destination);
      const merged: Record<string, unknown> = { ...current };
      // A function named anew replaces the ARN it was built into.
      if (body.functionName !== undefined) delete merged.functionArn;
      for (const [field, value] of Object.entries(body)) {
        if (value === null) delete merged[field];
        else merged[field] = value;
      }
      merged.id = params.destination;
      const input = toDestinationInput(merged, { invokeAccounts: live.invokeAccounts });
      const replaced = Object.fromEntries(Object.keys(current).map((k) => [k, undefined]));
      return json(
        200,
        await registry.updateDestination(params.workspace, params.destination, { ...replaced, ...input }),
      );
    },
  }),
  route({
    method: 'DELETE',
    path: `${BASE}/{destination}`,
    operationId: 'deleteDestination',
    summary: 'Remove a destination from the draft: publish to stop sending it events',
    tag: TAG,
    access: 'admin',
    params: DestinationParams,
    response: { status: 204, description: 'Removed from the draft' },
    async handle({ params, services, change }) {
      await services.registry(change).removeDestination(params.workspace, params.destination);
      return { status: 204 };
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/diff',
    operationId: 'diffDraft',
    summary: 'The draft against the live version',
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    response: { status: 200, description: 'What publish would change', schema: DiffSchema },
    async handle({ params, services, change }) {
      return json(200, await services.registry(change).diff(params.workspace));
    },
  }),
];
