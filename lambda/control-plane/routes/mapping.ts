import * as z from 'zod';
import { usesHmac } from '../../shared/data-mapping';
import { type DestinationSpec, parseDestinations } from '../../shared/destination-config';
import { ApiError, destinationNotFound } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { mappingReport, testMappings, toCsv } from '../registry/mapping-report';
import type { WorkspaceRegistry } from '../registry/workspace-registry';
import { DestinationParams, QueryFlag, WorkspaceParams } from './schemas';

const TAG = 'Data mapping';
/** A request's test events at most: each is run through every destination. */
export const MAX_TEST_EVENTS = 100;

const MappingView = z
  .object({
    mapping: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: 'null: the privacy-safe defaults' }),
    requiredConsent: z.array(z.string()).nullable(),
  })
  .nullable();

const destinationsOf = async (registry: WorkspaceRegistry, workspace: string, draft: boolean) =>
  draft ? registry.draft(workspace) : [...(await registry.liveRecord(workspace)).destinations];

const mappingOf = (list: readonly DestinationSpec[], id: string) => {
  const d = list.find((x) => x.id === id);
  return d ? { mapping: d.mapping ?? null, requiredConsent: d.requiredConsent ?? null } : null;
};

/**
 * The one destination a preview runs, with the mapping being edited in place of its own, checked
 * as saving it would check it (so the preview never shows what could not be saved).
 */
function withCandidate(
  saved: readonly DestinationSpec[],
  candidate: {
    destination: string;
    mapping: Record<string, unknown> | null;
    requiredConsent?: string[] | null;
  },
): DestinationSpec {
  const destination = saved.find((d) => d.id === candidate.destination);
  if (!destination)
    throw new ApiError(404, 'DestinationNotFound', `no destination "${candidate.destination}" to preview`);
  const edited = { ...destination, mapping: candidate.mapping ?? undefined } as Record<string, unknown>;
  if (candidate.requiredConsent !== undefined)
    edited.requiredConsent = candidate.requiredConsent?.length ? candidate.requiredConsent : undefined;
  for (const [field, value] of Object.entries(edited)) if (value === undefined) delete edited[field];
  try {
    return parseDestinations([edited])[0];
  } catch (error) {
    throw new ApiError(400, 'InvalidRequest', (error as Error).message);
  }
}

export const mappingRoutes = [
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/destinations/{destination}/mapping',
    operationId: 'getMapping',
    summary: "A destination's data mapping and required consent, drafted and live",
    tag: TAG,
    access: 'viewer',
    params: DestinationParams,
    response: {
      status: 200,
      description: 'null where the destination is not in the draft or not live',
      schema: z.object({ draft: MappingView, live: MappingView }).meta({ id: 'MappingView' }),
    },
    async handle({ params, services, change }) {
      const registry = services.registry(change);
      const [draft, live] = await Promise.all([
        registry.draft(params.workspace),
        registry.liveRecord(params.workspace),
      ]);
      const shown = {
        draft: mappingOf(draft, params.destination),
        live: mappingOf(live.destinations, params.destination),
      };
      if (!shown.draft && !shown.live) throw destinationNotFound(params.workspace, params.destination);
      return json(200, shown);
    },
  }),
  route({
    method: 'PUT',
    path: '/v1/workspaces/{workspace}/destinations/{destination}/mapping',
    operationId: 'setMapping',
    summary: "Set a draft destination's data mapping and required consent: publish to make it live",
    tag: TAG,
    access: 'editor',
    params: DestinationParams,
    body: z
      .object({
        mapping: z.record(z.string(), z.unknown()).nullable().meta({
          description: 'See docs/data-mapping-and-consent.md; null: back to the privacy-safe defaults',
        }),
        requiredConsent: z.array(z.string()).nullable().optional().meta({
          description: 'Consent categories the visitor must have granted; null: none; absent: unchanged',
        }),
      })
      .meta({ id: 'MappingRequest' }),
    response: {
      status: 200,
      description: 'The draft destination as changed',
      schema: z.record(z.string(), z.unknown()),
    },
    async handle({ params, body, services, change }) {
      const changes: Record<string, unknown> = { mapping: body.mapping ?? undefined };
      if (body.requiredConsent !== undefined)
        changes.requiredConsent = body.requiredConsent?.length ? body.requiredConsent : undefined;
      return json(
        200,
        await services.registry(change).updateDestination(params.workspace, params.destination, changes),
      );
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/mapping/test',
    operationId: 'testMappings',
    summary:
      "For each event and each destination: exactly what it would receive, by the dispatcher's own compiled mapping, or why not",
    tag: TAG,
    access: 'editor',
    params: WorkspaceParams,
    body: z
      .object({
        events: z
          .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
          .min(1)
          .max(MAX_TEST_EVENTS)
          .meta({ description: 'Ingest messages, as objects or as the JSON text a producer sends' }),
        draft: z.boolean().optional().meta({ description: "The draft's destinations, not the live ones" }),
        candidate: z
          .object({
            destination: z.string(),
            mapping: z.record(z.string(), z.unknown()).nullable(),
            requiredConsent: z.array(z.string()).nullable().optional(),
          })
          .optional()
          .meta({
            description:
              "One destination's mapping and required consent as being edited, not yet saved: the events run through that destination alone, with them in place of its own",
          }),
      })
      .meta({ id: 'MappingTestRequest' }),
    response: {
      status: 200,
      description: 'One result per event and destination',
      schema: z
        .object({
          results: z.array(
            z.object({
              line: z.number().int(),
              destination: z.string(),
              outcome: z.enum(['delivered', 'not routed', 'blocked by consent', 'invalid']),
              payload: z.record(z.string(), z.unknown()).optional(),
              reason: z.string().optional(),
            }),
          ),
        })
        .meta({ id: 'MappingTestResult' }),
    },
    async handle({ params, body, services, change }) {
      const saved = await destinationsOf(services.registry(change), params.workspace, body.draft === true);
      const edited = body.candidate && withCandidate(saved, body.candidate);
      // Routed among all of them, as the dispatcher routes; with a candidate, only it is run.
      const destinations = edited ? saved.map((d) => (d.id === edited.id ? edited : d)) : saved;
      const run = edited ? [edited] : saved;
      const key = run.some((d) => usesHmac(d.mapping)) ? await services.hmacKey(params.workspace) : undefined;
      const bodies = body.events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
      return json(200, {
        results: testMappings(params.workspace, destinations, bodies, key, edited?.id),
      });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/mapping/export',
    operationId: 'exportMappings',
    summary:
      'The compliance report: per destination, which events, which consent, how each property is treated',
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    query: z.object({
      format: z.enum(['json', 'csv']).optional(),
      draft: QueryFlag.meta({ description: "The draft's destinations, not the live ones" }),
    }),
    response: {
      status: 200,
      description: 'JSON rows, or CSV with format=csv',
      schema: z.object({ rows: z.array(z.record(z.string(), z.string())) }).meta({ id: 'MappingReport' }),
    },
    async handle({ params, query, services, change }) {
      const rows = mappingReport(
        await destinationsOf(services.registry(change), params.workspace, query.draft),
      );
      if (query.format === 'csv')
        return { status: 200, text: { body: toCsv(rows), contentType: 'text/csv' } };
      return json(200, { rows });
    },
  }),
];
