import * as z from 'zod';
import { ERROR_CODES, LATENCY_BOUNDS_MS } from '../../shared/delivery-summary';
import { WorkspaceIdSchema } from '../../shared/workspace-id';
import { DeliveryLogsUnavailableError } from '../deliveries/delivery-logs';
import { SERIES_BUCKETS } from '../deliveries/health';
import { LogsQueryError } from '../deliveries/logs-insights';
import { ApiError } from '../http/api-error';
import { json } from '../http/api-request';
import { route } from '../http/route';
import { DestinationParams, WorkspaceParams } from './schemas';

const TAG = 'Deliveries';

const FROM_LOGS =
  "Read at request time from the dispatcher's structured logs (CloudWatch Logs Insights, scoped to this workspace in the query itself): nothing is written per delivered event for it.";

const Window = z
  .enum(['hour', 'day', 'week'])
  .optional()
  .meta({ description: 'How far back: the last hour, day or week' });

const ByCode = z
  .record(z.string(), z.number().int())
  .meta({ description: `By error code (${ERROR_CODES.join(', ')})` });

const LatencyRange = z
  .object({
    fromMs: z.number(),
    toMs: z.number().nullable().meta({ description: 'Null above the last bound (a day)' }),
  })
  .meta({
    id: 'LatencyRange',
    description: `The latency histogram bucket holding the percentile: the true value lies between fromMs and toMs. Buckets are bounded at ${LATENCY_BOUNDS_MS.join(', ')} ms (the dispatcher logs counts per bucket per destination and batch, never a line per event).`,
  });

const FiguresFields = {
  delivered: z.number().int().meta({ description: 'Deliveries the destination accepted' }),
  failed: z.object({ total: z.number().int(), byCode: ByCode }).meta({
    description:
      'Deliveries that did not succeed, by the code of their attempt: failed calls (retried or dead-lettered; an event out of retries counts under its last error) and events held back without a call (deferred: CircuitOpen, RateLimited; OrderBlocked behind an earlier failure of the same visitor)',
  }),
  retriesScheduled: z.number().int().meta({ description: 'Per-destination retries sent (with backoff)' }),
  deadLettered: z
    .object({ total: z.number().int(), byCode: ByCode })
    .meta({ description: 'Dead letters, by their error code' }),
  blockedByConsent: z
    .number()
    .int()
    .meta({ description: 'Events not delivered because the visitor had not granted the required consent' }),
  offloaded: z.number().int().meta({
    description: 'Deliveries sent as a pointer to the payload bucket (too large for the destination)',
  }),
  latencyMs: z
    .object({
      delivered: z.number().int().meta({ description: 'Deliveries measured' }),
      p50: LatencyRange.nullable(),
      p99: LatencyRange.nullable(),
    })
    .meta({
      description:
        "Ingest to delivered: from the event's first arrival in the ingest queue (SQS SentTimestamp, kept across retries, so retries' waits count) to the end of the dispatcher batch that delivered it (so up to that batch's own duration more than the destination's acceptance). Null percentiles: nothing delivered.",
    }),
  lastSuccessAt: z.string().nullable().meta({ description: 'The latest batch that delivered to it' }),
  lastFailure: z
    .object({
      at: z.string(),
      code: z.string(),
      reason: z
        .string()
        .nullable()
        .meta({ description: 'The error message (codes and ids, no event content)' }),
      attempt: z.number().int().nullable(),
    })
    .nullable()
    .meta({
      description:
        'The latest failure logged per event: a failed call, an event held behind one, or a dead letter (deferrals are not logged per event)',
    }),
  series: z
    .array(
      z
        .object({
          at: z.string().meta({ description: "The bucket's start" }),
          delivered: z.number().int(),
          failed: z.number().int().meta({ description: 'As failed.total counts them' }),
          deadLettered: z.number().int(),
        })
        .meta({ id: 'HealthBucket' }),
    )
    .meta({
      description: `delivered, failed and deadLettered over time: the window in ${SERIES_BUCKETS} equal buckets (5 minutes for an hour, 2 hours for a day, 14 hours for a week) from its start, oldest first, every bucket (zeros too). They add up to the window's figures.`,
    }),
};

const Figures = z.object(FiguresFields).meta({ id: 'DeliveryFigures' });

const DestinationHealthSchema = z
  .object({
    destinationId: z.string(),
    type: z.string().nullable(),
    live: z
      .boolean()
      .meta({ description: 'In the live version; false: logged in the window, removed since' }),
    ...FiguresFields,
    circuit: z
      .object({
        state: z.enum(['closed', 'open', 'half-open']),
        changedAt: z.string().nullable(),
        reason: z.string().nullable(),
        openedInWindow: z.number().int(),
        failingSince: z.string().nullable(),
      })
      .meta({
        description:
          'The circuit breaker: its latest transition in the window (each dispatcher execution environment has a breaker of its own); without one, open when the status table reports it failing in the last 15 minutes. failingSince: since when it has failed without a break (it is disabled after 24 h of that).',
      }),
    disabled: z.object({ at: z.string(), reason: z.string() }).nullable().meta({
      description: 'Disabled after failing for long: its events are dead-lettered with DestinationDisabled',
    }),
  })
  .meta({ id: 'DestinationHealth' });

export const WorkspaceHealthSchema = z
  .object({
    workspace: z.string(),
    window: z.enum(['hour', 'day', 'week']),
    from: z.string(),
    to: z.string(),
    generatedAt: z.string().meta({ description: 'When the logs were read: answers are reused for seconds' }),
    totals: Figures.meta({
      description:
        'The whole workspace: every destination, removed ones too, and dead letters that name no destination',
    }),
    destinations: z.array(DestinationHealthSchema),
  })
  .meta({ id: 'WorkspaceHealth', description: FROM_LOGS });

const DISTINCT_ID_HASH =
  "The event as the dispatcher's logs name it: a hash of the workspace and its distinct_id. The logs never hold the distinct_id itself (it may be personal data), so neither does this answer; hash your own ids the same way (SHA-256 of distinct_id:<length of workspace>:<workspace>:<id>, first 20 hex digits) or ask GET …/events/{distinctId}.";

export const FailuresSchema = z
  .object({
    workspace: z.string(),
    destination: z.string(),
    window: z.enum(['hour', 'day', 'week']),
    from: z.string(),
    to: z.string(),
    failures: z.array(
      z
        .object({
          at: z.string(),
          distinctIdHash: z.string().meta({ description: DISTINCT_ID_HASH }),
          code: z.string(),
          reason: z
            .string()
            .nullable()
            .meta({ description: 'The error message: codes and ids, never event content' }),
          attempt: z.number().int().nullable(),
          outcome: z.enum(['retry scheduled', 'redelivered by the queue', 'dead-lettered']),
        })
        .meta({ id: 'DeliveryFailure' }),
    ),
  })
  .meta({
    id: 'DeliveryFailures',
    description: `Newest first, at most limit. ${FROM_LOGS} Deferrals (circuit open, rate limit) make no call and are not listed.`,
  });

const StepSchema = z
  .object({
    kind: z.enum(['received', 'delivered', 'deferred', 'failed', 'dead-lettered']),
    at: z.string(),
    attempt: z.number().int().optional(),
    redriven: z.boolean().optional().meta({ description: 'received: sent back from the dead letters' }),
    destinationId: z.string().optional(),
    destinationType: z.string().optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    next: z.enum(['retry scheduled', 'redelivered by the queue']).optional(),
  })
  .meta({ id: 'EventStep' });

export const EventStorySchema = z
  .object({
    workspace: z.string(),
    distinctIdHash: z.string().meta({ description: DISTINCT_ID_HASH }),
    consumerEventKeyHash: z.string().optional().meta({
      description:
        "With visitorId: the event's name in the sample consumer's logs (eventKeyHash of visitor_id and distinct_id), to find it on your side",
    }),
    window: z.enum(['hour', 'day', 'week']),
    from: z.string(),
    to: z.string(),
    found: z.boolean(),
    steps: z.array(StepSchema).meta({
      description:
        'In time order: each time the dispatcher received it (attempt; redriven), and each destination’s outcome (delivered; deferred, failed with its code and what comes next; dead-lettered with its reason)',
    }),
  })
  .meta({
    id: 'EventStory',
    description: `The event's story in this workspace only, as npm run trace tells it. ${FROM_LOGS}`,
  });

/** Delivery visibility's own failures as API errors: the logs could not be read now. */
async function fromLogs<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DeliveryLogsUnavailableError)
      throw new ApiError(503, 'DeliveryLogsUnavailable', error.message);
    if (error instanceof LogsQueryError) {
      if (error.kind === 'busy') throw new ApiError(503, 'DeliveryLogsBusy', error.message);
      if (error.kind === 'timeout')
        throw new ApiError(503, 'DeliveryLogsTimedOut', `${error.message}: ask for a shorter window`);
    }
    throw error;
  }
}

export const deliveryRoutes = [
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/health',
    operationId: 'getDeliveryHealth',
    summary:
      'Delivery health per destination of the live version and for the workspace: delivered, failed and dead-lettered by code and over time, retries, consent, offloads, latency, circuit and disabled state, last success and failure',
    tag: TAG,
    access: 'viewer',
    params: WorkspaceParams,
    query: z.object({ window: Window }),
    response: { status: 200, description: 'The health over the window', schema: WorkspaceHealthSchema },
    async handle({ params, query, services, change }) {
      const live = await services.registry(change).liveRecord(params.workspace);
      const health = await fromLogs(() =>
        services.deliveries.health(
          params.workspace,
          query.window ?? 'hour',
          live.destinations.map((d) => ({ id: d.id, type: d.type })),
        ),
      );
      return json(200, health);
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/destinations/{destination}/failures',
    operationId: 'listDeliveryFailures',
    summary:
      "A destination's recent failures: time, the event's distinctIdHash, code, reason, attempt; never event content",
    tag: TAG,
    access: 'viewer',
    params: DestinationParams,
    query: z.object({
      window: Window.meta({ description: 'How far back: the last hour, day (default) or week' }),
      limit: z.coerce.number().int().min(1).max(100).optional().meta({ description: 'At most (default 20)' }),
    }),
    response: { status: 200, description: 'The failures, newest first', schema: FailuresSchema },
    async handle({ params, query, services }) {
      const sample = await fromLogs(() =>
        services.deliveries.failures(params.workspace, params.destination, {
          window: query.window ?? 'day',
          limit: query.limit ?? 20,
        }),
      );
      return json(200, { workspace: params.workspace, destination: params.destination, ...sample });
    },
  }),
  route({
    method: 'GET',
    path: '/v1/workspaces/{workspace}/events/{distinctId}',
    operationId: 'getEventStory',
    summary:
      "An event's story in this workspace: received, each destination's attempts with outcome and code, retries, dead letters, redrives",
    tag: TAG,
    access: 'viewer',
    params: z.object({
      workspace: WorkspaceIdSchema,
      distinctId: z
        .string()
        .min(1)
        .max(400)
        .meta({ description: "The event's event.distinct_id (URL-encoded)" }),
    }),
    query: z.object({
      visitorId: z.string().min(1).max(400).optional().meta({
        description:
          "The event's visitor.visitor_id: the logs name an event by workspace and distinct_id alone, so it does not narrow the story; it gives the consumer's name for the event (consumerEventKeyHash)",
      }),
      window: Window.meta({ description: 'How far back: the last hour, day (default) or week' }),
    }),
    response: {
      status: 200,
      description: 'The story (found: false when the logs of the window do not name it)',
      schema: EventStorySchema,
    },
    async handle({ params, query, services }) {
      const story = await fromLogs(() =>
        services.deliveries.story(params.workspace, params.distinctId, {
          window: query.window ?? 'day',
          ...(query.visitorId !== undefined && { visitorId: query.visitorId }),
        }),
      );
      return json(200, story);
    },
  }),
];
