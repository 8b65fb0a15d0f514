import * as z from 'zod';
import { LETTER_ID_PATTERN } from '../../shared/dead-letter-store';
import { DESTINATION_ID_PATTERN, DESTINATION_ID_RULE } from '../../shared/destination-id';
import { allows } from '../access/roles';
import {
  type DeadLetterFilter,
  type DeadLetterSelection,
  type DeadLetters,
  MAX_LETTERS_PER_REQUEST,
  MAX_REDRIVE_BYTES,
} from '../dead-letters/dead-letters';
import { ApiError, invalidRequest } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import type { ControlPlaneServices } from '../services';
import { WorkspaceParams } from './schemas';

const TAG = 'Dead letters';

const LetterIdSchema = z
  .string()
  .regex(LETTER_ID_PATTERN, 'must be a dead letter id, as the list gives it')
  .meta({ description: 'When it was dead-lettered (epoch ms) and its message id: <13 digits>-<uuid>' });
const LetterParams = WorkspaceParams.extend({ letter: LetterIdSchema });

const ErrorCodeSchema = z
  .string()
  .regex(/^[A-Za-z]{1,64}$/, 'must be an error code (AccessDenied, RetriesExhausted, …)');

const FILTER_FIELDS = {
  destination: z
    .string()
    .regex(DESTINATION_ID_PATTERN, DESTINATION_ID_RULE)
    .optional()
    .meta({ description: 'Letters of this destination, and of retries still going to it' }),
  code: ErrorCodeSchema.optional().meta({ description: 'Letters with this error code' }),
  from: z.iso.datetime().optional().meta({ description: 'Dead-lettered at or after (ISO 8601)' }),
  to: z.iso.datetime().optional().meta({ description: 'Dead-lettered at or before (ISO 8601)' }),
};

const FilterSchema = z.strictObject(FILTER_FIELDS).meta({ id: 'DeadLetterFilter' });

const SelectionSchema = z
  .strictObject({
    letters: z
      .array(LetterIdSchema)
      .min(1)
      .max(MAX_LETTERS_PER_REQUEST)
      .optional()
      .meta({ description: `These letters (at most ${MAX_LETTERS_PER_REQUEST})` }),
    filter: FilterSchema.optional().meta({
      description: `The oldest ${MAX_LETTERS_PER_REQUEST} letters matching it ({} for all); the answer says how many remain`,
    }),
  })
  .refine((selection) => (selection.letters === undefined) !== (selection.filter === undefined), {
    message: 'give either letters or filter, exactly one',
  })
  .meta({ id: 'DeadLetterSelection' });

const DeadLetterSchema = z
  .object({
    id: z.string(),
    at: z.string().meta({ description: 'When it was dead-lettered' }),
    errorCode: z.string(),
    reason: z.string().meta({ description: 'Why: names fields, rules and AWS error codes, never content' }),
    attempts: z.number().int(),
    destinationId: z.string().optional().meta({ description: 'The destination it was not delivered to' }),
    targets: z
      .array(z.string())
      .optional()
      .meta({ description: 'Written before routing: the destinations a retry was still going to' }),
    distinctId: z.string().optional(),
    mappingVersion: z
      .number()
      .int()
      .optional()
      .meta({ description: 'The version whose mapping it had: a redrive keeps it' }),
    expiresAt: z.string().meta({ description: 'When it is forgotten, here and in the dead-letter queue' }),
    body: z.string().optional().meta({
      description: "The original ingest message, unchanged: to editors and admins only (the customer's data)",
    }),
  })
  .meta({ id: 'DeadLetter' });

const OutcomeFields = {
  matched: z
    .number()
    .int()
    .meta({ description: `Letters this request took (at most ${MAX_LETTERS_PER_REQUEST})` }),
  notFound: z.array(z.string()).meta({
    description:
      'Ids given that name no letter of this workspace (expired, or already redriven or discarded)',
  }),
  remaining: z.number().int().meta({
    description:
      'Left for the next request, past this one’s bounds: letters still matching the filter, or the ids in `left`',
  }),
  remainingExact: z
    .boolean()
    .meta({ description: 'False when counting stopped early: at least `remaining` are left' }),
  left: z
    .array(z.string())
    .meta({ description: 'Ids given that this request did not get to: give them again' }),
  failed: z.number().int(),
};

/** The store, or 501 when this deployment keeps no per-workspace dead letters. */
function storeOf(services: ControlPlaneServices): DeadLetters {
  if (!services.deadLetters)
    throw new ApiError(
      501,
      'DeadLettersNotConfigured',
      "this deployment keeps no per-workspace dead letters (the API function has no DEAD_LETTER_TABLE): the operator's dead-letter queue holds them",
    );
  return services.deadLetters;
}

function checkedFilter(filter: DeadLetterFilter, at: string): DeadLetterFilter {
  if (filter.from && filter.to && Date.parse(filter.from) > Date.parse(filter.to))
    throw invalidRequest([{ field: `${at}to`, message: 'must not be before from' }]);
  return filter;
}

function checkedSelection(body: z.infer<typeof SelectionSchema>): DeadLetterSelection {
  if (body.letters) return { letters: body.letters };
  return { filter: checkedFilter(body.filter ?? {}, 'filter.') };
}

export const deadLetterRoutes = [
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/dead-letters',
    operationId: 'listDeadLetters',
    summary:
      "The workspace's dead letters, newest first, without their bodies: filter by destination, code, time",
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    query: z.object({
      ...FILTER_FIELDS,
      limit: z.coerce.number().int().min(1).max(100).optional().meta({ description: 'Default 50' }),
      cursor: z.string().max(200).optional().meta({ description: 'nextCursor of the previous page' }),
    }),
    response: {
      status: 200,
      description: 'A page of letters: it may hold fewer than limit with a filter; follow nextCursor',
      schema: z
        .object({ letters: z.array(DeadLetterSchema), nextCursor: z.string().optional() })
        .meta({ id: 'DeadLetterPage' }),
    },
    async handle({ params, query, services }) {
      const { limit, cursor, ...filter } = query;
      return json(
        200,
        await storeOf(services).list(params.workspace, {
          filter: checkedFilter(filter, ''),
          limit: limit ?? 50,
          ...(cursor && { cursor }),
        }),
      );
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/dead-letters/{letter}',
    operationId: 'getDeadLetter',
    summary: 'One dead letter: why, where it was going; its body to editors and admins only',
    tag: TAG,
    access: 'viewer',
    params: LetterParams,
    response: { status: 200, description: 'The letter', schema: DeadLetterSchema },
    async handle({ params, role, services }) {
      // The body is the customer's own event: those who may change the workspace may read it.
      const withBody = role !== undefined && allows(role, 'editor');
      const letter = await storeOf(services).get(params.workspace, params.letter, { withBody });
      if (!letter)
        throw new ApiError(
          404,
          'DeadLetterNotFound',
          `no dead letter ${params.letter} in ${params.workspace} (expired, redriven or discarded?)`,
        );
      return json(200, letter, withBody ? { 'cache-control': 'no-store' } : undefined);
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/dead-letters/redrive',
    operationId: 'redriveDeadLetters',
    summary: `Send letters back to be delivered again, as npm run redrive does (at most ${MAX_LETTERS_PER_REQUEST} letters and ${MAX_REDRIVE_BYTES / 1024 / 1024} MiB of bodies a request), audited`,
    tag: TAG,
    access: 'editor',
    params: WorkspaceParams,
    body: SelectionSchema,
    response: {
      status: 200,
      description: 'What was redriven and what is left',
      schema: z
        .object({
          ...OutcomeFields,
          redriven: z
            .number()
            .int()
            .meta({ description: 'Sent to be delivered again, and removed from here' }),
          notRemoved: z
            .number()
            .int()
            .meta({ description: 'Sent, but still listed here: a second redrive sends them again' }),
        })
        .meta({ id: 'RedriveOutcome' }),
    },
    async handle({ params, body, services, change }) {
      const store = storeOf(services);
      if (!store.canRedrive)
        throw new ApiError(
          501,
          'DeadLettersNotConfigured',
          'this deployment cannot redrive through the API (the API function has no INGEST_QUEUE_URL)',
        );
      return json(200, await store.redrive(params.workspace, checkedSelection(body), change));
    },
  }),
  route({
    method: 'POST',
    path: '/v1/workspaces/{workspace}/dead-letters/discard',
    operationId: 'discardDeadLetters',
    summary: `Forget letters for good (at most ${MAX_LETTERS_PER_REQUEST} a request), audited`,
    tag: TAG,
    access: 'editor',
    params: WorkspaceParams,
    body: SelectionSchema,
    response: {
      status: 200,
      description: 'What was discarded and what is left',
      schema: z.object({ ...OutcomeFields, discarded: z.number().int() }).meta({ id: 'DiscardOutcome' }),
    },
    async handle({ params, body, services, change }) {
      return json(200, await storeOf(services).discard(params.workspace, checkedSelection(body), change));
    },
  }),
];
