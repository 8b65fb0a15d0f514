import { distinctIdHash } from '../../shared/log-ids';

/**
 * "Where did my event go?": an event's story told from the dispatcher's structured log lines and
 * the dead-letter queue. It is asked for by distinct id (and workspace). The lines carry ids,
 * destinations and error codes, never event content, and name an event by `distinctIdHash` (of
 * workspace and distinct id, `lambda/shared/log-ids.ts`), never by the id itself: the trace
 * hashes the id it is given for each workspace it meets.
 */

/** One structured log line of the dispatcher, as written (Powertools JSON). */
export type LogLine = Record<string, unknown> & { readonly message?: unknown; readonly timestamp?: unknown };

/** A letter in the dead-letter queue, as read back. */
export interface QueuedDeadLetter {
  readonly body: string;
  readonly attributes: Record<string, string | undefined>;
}

export type Step =
  | { kind: 'received'; at: string; attempt: number; redriven: boolean }
  | { kind: 'delivered'; at: string; destinationId: string; destinationType?: string }
  | { kind: 'deferred'; at: string; destinationId: string; errorCode: string }
  | {
      kind: 'failed';
      at: string;
      destinationId: string;
      errorCode: string;
      attempt: number;
      /** What happens next: a per-destination retry, or SQS redelivering the record. */
      next: 'retry scheduled' | 'redelivered by the queue';
    }
  | {
      kind: 'dead-lettered';
      at: string;
      destinationId?: string;
      errorCode: string;
      errorMessage?: string;
      attempt?: number;
    };

export interface EventTrace {
  readonly workspaceId: string;
  readonly distinctId: string;
  /** What the dispatcher's log lines call the event in this workspace. */
  readonly distinctIdHash: string;
  readonly steps: readonly Step[];
  /** Its letters in the dead-letter queue now. */
  readonly inDeadLetterQueue: readonly { destinationId?: string; errorCode?: string; attempts?: number }[];
}

/** The order of steps logged at the same millisecond: what a batch logs first comes first. */
const RANK: Record<Step['kind'], number> = {
  received: 0,
  failed: 1,
  'dead-lettered': 1,
  delivered: 2,
  deferred: 2,
};

/**
 * The story of each event with this distinct id (one per workspace that used it, or only the
 * given workspace's), in time order.
 */
export function traceEvent(
  query: { distinctId: string; workspaceId?: string },
  lines: Iterable<LogLine>,
  deadLetters: readonly QueuedDeadLetter[] = [],
): EventTrace[] {
  const byWorkspace = new Map<string, Step[]>();
  const hashes = new Map<string, string>();
  const hashIn = (workspaceId: string): string => {
    let hash = hashes.get(workspaceId);
    if (hash === undefined) {
      hash = distinctIdHash(workspaceId, query.distinctId);
      hashes.set(workspaceId, hash);
    }
    return hash;
  };
  /** Whether a line's (workspace, hash) pair names the event asked about. */
  const names = (workspaceId: unknown, hash: unknown): boolean =>
    typeof workspaceId === 'string' &&
    typeof hash === 'string' &&
    (!query.workspaceId || workspaceId === query.workspaceId) &&
    hash === hashIn(workspaceId);
  const add = (workspaceId: unknown, step: Step) => {
    if (typeof workspaceId !== 'string') return;
    if (query.workspaceId && workspaceId !== query.workspaceId) return;
    const steps = byWorkspace.get(workspaceId) ?? [];
    steps.push(step);
    byWorkspace.set(workspaceId, steps);
  };
  for (const line of lines) {
    const at = typeof line.timestamp === 'string' ? line.timestamp : '';
    for (const { workspaceId, step } of stepsOf(line, at, names)) add(workspaceId, step);
  }
  const letters = deadLetters.flatMap((letter) => {
    const ids = idsOf(letter.body);
    if (ids?.distinctId !== query.distinctId) return [];
    if (query.workspaceId && ids.workspaceId !== query.workspaceId) return [];
    const attempts = Number(letter.attributes.attempts);
    return [
      {
        workspaceId: ids.workspaceId,
        letter: {
          ...(letter.attributes.destination_id && { destinationId: letter.attributes.destination_id }),
          ...(letter.attributes.error_code && { errorCode: letter.attributes.error_code }),
          ...(Number.isFinite(attempts) && { attempts }),
        },
      },
    ];
  });
  for (const { workspaceId } of letters) if (!byWorkspace.has(workspaceId)) byWorkspace.set(workspaceId, []);

  return [...byWorkspace.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([workspaceId, steps]) => ({
      workspaceId,
      distinctId: query.distinctId,
      distinctIdHash: hashIn(workspaceId),
      steps: steps
        .map((step, index) => ({ step, index }))
        .sort(
          (a, b) =>
            a.step.at.localeCompare(b.step.at) || RANK[a.step.kind] - RANK[b.step.kind] || a.index - b.index,
        )
        .map(({ step }) => step),
      inDeadLetterQueue: letters.filter((l) => l.workspaceId === workspaceId).map((l) => l.letter),
    }));
}

/** The steps one log line tells of the event its (workspace, distinct id hash) pairs `name`. */
function stepsOf(
  line: LogLine,
  at: string,
  names: (workspaceId: unknown, hash: unknown) => boolean,
): { workspaceId: unknown; step: Step }[] {
  switch (line.message) {
    case 'events received':
      return arrayOf(line.events)
        .filter((e) => names(e.workspaceId, e.distinctIdHash))
        .map((e) => ({
          workspaceId: e.workspaceId,
          step: { kind: 'received', at, attempt: Number(e.attempt) || 1, redriven: e.redriven === true },
        }));
    case 'deliveries': {
      const destinationId = String(line.destinationId);
      const steps: { workspaceId: unknown; step: Step }[] = [];
      const named = (ids: unknown) => Array.isArray(ids) && ids.some((id) => names(line.workspaceId, id));
      if (named(line.delivered)) {
        steps.push({
          workspaceId: line.workspaceId,
          step: {
            kind: 'delivered',
            at,
            destinationId,
            ...(typeof line.destinationType === 'string' && { destinationType: line.destinationType }),
          },
        });
      }
      const deferred = (line.deferred ?? {}) as Record<string, unknown>;
      for (const [errorCode, ids] of Object.entries(deferred)) {
        if (named(ids)) {
          steps.push({
            workspaceId: line.workspaceId,
            step: { kind: 'deferred', at, destinationId, errorCode },
          });
        }
      }
      return steps;
    }
    case 'delivery failed, retry scheduled':
    case 'delivery failed, will retry':
      if (!names(line.workspaceId, line.distinctIdHash)) return [];
      return [
        {
          workspaceId: line.workspaceId,
          step: {
            kind: 'failed',
            at,
            destinationId: String(line.destinationId),
            errorCode: String(line.errorCode),
            attempt: Number(line.attempts) || 1,
            next:
              line.message === 'delivery failed, retry scheduled'
                ? 'retry scheduled'
                : 'redelivered by the queue',
          },
        },
      ];
    case 'dead-lettered':
      if (!names(line.workspaceId, line.distinctIdHash)) return [];
      return [
        {
          workspaceId: line.workspaceId,
          step: {
            kind: 'dead-lettered',
            at,
            errorCode: String(line.errorCode),
            ...(typeof line.destinationId === 'string' && { destinationId: line.destinationId }),
            ...(typeof line.errorMessage === 'string' && { errorMessage: line.errorMessage }),
            ...(Number.isFinite(Number(line.attempts)) && { attempt: Number(line.attempts) }),
          },
        },
      ];
    default:
      return [];
  }
}

const arrayOf = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value)
    ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object')
    : [];

/** The workspace and distinct id an ingest body names, if it is readable. */
function idsOf(body: string): { workspaceId: string; distinctId: string } | undefined {
  try {
    const parsed = JSON.parse(body) as { workspace_id?: unknown; event?: { distinct_id?: unknown } };
    const workspaceId = parsed.workspace_id;
    const distinctId = parsed.event?.distinct_id;
    return typeof workspaceId === 'string' && typeof distinctId === 'string'
      ? { workspaceId, distinctId }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The story as text: one line per step, ids and codes only. */
export function renderTrace(traces: readonly EventTrace[]): string {
  if (traces.length === 0)
    return 'no trace of this event: not received in the time searched, or its body named no distinct id\n';
  return traces
    .map((trace) => {
      const lines = trace.steps.map((step) => `  ${step.at || '(no time)'}  ${describe(step)}`);
      const queued =
        trace.inDeadLetterQueue.length === 0
          ? '  dead-letter queue now: none of its letters'
          : `  dead-letter queue now: ${trace.inDeadLetterQueue
              .map(
                (l) =>
                  `${l.destinationId ?? 'all destinations'} (${l.errorCode ?? 'no error code'}${l.attempts ? `, ${l.attempts} attempt${l.attempts === 1 ? '' : 's'}` : ''})`,
              )
              .join(', ')}`;
      return [`event ${trace.distinctId} in workspace ${trace.workspaceId}`, ...lines, queued].join('\n');
    })
    .join('\n\n')
    .concat('\n');
}

function describe(step: Step): string {
  switch (step.kind) {
    case 'received':
      return `received, attempt ${step.attempt}${step.redriven ? ' (redriven from the dead-letter queue)' : ''}`;
    case 'delivered':
      return `${step.destinationId}${step.destinationType ? ` (${step.destinationType})` : ''}: delivered`;
    case 'deferred':
      return `${step.destinationId}: deferred, ${step.errorCode}; retry scheduled`;
    case 'failed':
      return `${step.destinationId}: failed on attempt ${step.attempt}, ${step.errorCode}; ${step.next}`;
    case 'dead-lettered':
      return `${step.destinationId ?? 'all destinations'}: dead-lettered, ${step.errorCode}${step.errorMessage ? ` (${step.errorMessage})` : ''}`;
  }
}
