import {
  boundReason,
  MAX_VALUES,
  type ParsedMessage,
  parseIngestValue,
  readIngestJson,
  type ValueBudget,
} from './ingest-message';
import { WORKSPACE_ID_RULE, WorkspaceIdSchema } from './workspace-id';

/**
 * A batched ingest message (DESIGN.md "Ingest message"): several events of one workspace in one
 * SQS message, `{"workspace_id": "…", "events": [{ event, visitor, user?, consent?,
 * destinations? }, …]}`. SQS bills by request, so a producer sending 100 events a message pays
 * a hundredth of the ingest requests. Each event is an ingest message of its own once the
 * batch's `workspace_id` is put in front: it is validated, routed, retried and dead-lettered
 * alone, with that body, so a redrive or a retry never carries its neighbours.
 */

export const INGEST_BATCH_KEY = 'events';

/** Events in one batched message: a bound on what one record expands to. */
export const MAX_EVENTS_PER_MESSAGE = 1_000;

/** One event of a body: its own ingest message body, and what the schema made of it. */
export interface BodyEvent {
  readonly body: string;
  readonly message: ParsedMessage;
}

/** What a body carries: `batched` when it was a producer's batch, split into its events. */
export interface BodyEvents {
  readonly batched: boolean;
  readonly events: BodyEvent[];
}

/**
 * The events a body carries: one for an ingest message (valid or not, as `parseIngestMessage`
 * reads it), one per element of a batched message. A batch whose envelope is wrong (its
 * workspace, its `events` array) is one invalid event with the body as it came: nothing in it
 * can be trusted to route the rest. Never throws.
 */
export function eventsOfBody(body: string): BodyEvents {
  const one = (message: ParsedMessage): BodyEvents => ({ batched: false, events: [{ body, message }] });
  const json = readIngestJson(body);
  if (!json.ok) return one(json);
  const raw = json.value;
  if (!isBatch(raw)) return one(parseIngestValue(raw));
  const problem = envelopeProblem(raw);
  if (problem) return one({ ok: false, errorCode: 'InvalidEvent', reason: problem });
  const workspaceId = raw.workspace_id as string;
  // Shared by the batch's events: the message as a whole holds at most MAX_VALUES values.
  const budget: ValueBudget = { values: MAX_VALUES };
  const elements = raw[INGEST_BATCH_KEY] as unknown[];
  return {
    batched: true,
    events: elements.map((element, index) => batchedEvent(workspaceId, element, index, budget, body)),
  };
}

/** Whether a body's JSON is a batch: no single ingest message has an `events` key (its schema is strict). */
const isBatch = (raw: unknown): raw is Record<string, unknown> =>
  raw !== null && typeof raw === 'object' && !Array.isArray(raw) && Object.hasOwn(raw, INGEST_BATCH_KEY);

function envelopeProblem(raw: Record<string, unknown>): string | undefined {
  const unknownKeys = Object.keys(raw).filter((key) => key !== 'workspace_id' && key !== INGEST_BATCH_KEY);
  if (unknownKeys.length > 0) return 'batch: only workspace_id and events are allowed at the top';
  if (!WorkspaceIdSchema.safeParse(raw.workspace_id).success) {
    return `workspace_id: a batch's workspace_id is required and ${WORKSPACE_ID_RULE}`;
  }
  const events = raw[INGEST_BATCH_KEY];
  if (!Array.isArray(events) || events.length === 0) return 'events: must be a non-empty array of events';
  if (events.length > MAX_EVENTS_PER_MESSAGE) {
    return `events: at most ${MAX_EVENTS_PER_MESSAGE} events in one message`;
  }
  return undefined;
}

/**
 * One element of a batch as the ingest message it stands for: the batch's `workspace_id` first,
 * then the element's own keys. An element that names a workspace of its own, or nests a batch,
 * or is no object, is refused; its letter's body is a batch of that one element, as it came, so
 * that a redrive refuses it again rather than deliver it elsewhere. Never throws: a value nested
 * too deep to write back as JSON (the schema refuses it anyway) keeps the whole batch's body.
 */
function batchedEvent(
  workspaceId: string,
  element: unknown,
  index: number,
  budget: ValueBudget,
  batchBody: string,
): BodyEvent {
  const invalid = (reason: string): BodyEvent => ({
    body: jsonOr({ workspace_id: workspaceId, [INGEST_BATCH_KEY]: [element] }, batchBody),
    message: { ok: false, errorCode: 'InvalidEvent', reason: boundReason(`events[${index}]: ${reason}`) },
  });
  if (element === null || typeof element !== 'object' || Array.isArray(element)) {
    return invalid('must be an object (an event, its visitor and user)');
  }
  if (Object.hasOwn(element, 'workspace_id')) {
    return invalid('workspace_id belongs to the batch, not to its events');
  }
  if (Object.hasOwn(element, INGEST_BATCH_KEY)) return invalid('a batch holds events, not batches');
  const message = { workspace_id: workspaceId, ...element };
  // Checked before it is written back: the check stops at 32 levels, JSON.stringify does not.
  const parsed = parseIngestValue(message, budget);
  return { body: jsonOr(message, batchBody), message: parsed };
}

/** `value` as JSON, or `fallback` when it is nested too deep for JSON.stringify's stack. */
function jsonOr(value: unknown, fallback: string): string {
  try {
    return JSON.stringify(value);
  } catch {
    return fallback;
  }
}

/**
 * Producers' side: bodies of batched messages, one workspace each, at most `perMessage` events
 * and `maxBytes` each (an event too large to share a message goes alone, as a single message).
 * `messages` are single ingest messages (parsed); order is kept within each workspace.
 */
export function toBatchBodies(
  messages: readonly Record<string, unknown>[],
  perMessage: number,
  maxBytes: number,
): string[] {
  const bodies: string[] = [];
  const open = new Map<string, { events: string[]; bytes: number }>();
  const flush = (workspaceId: string) => {
    const batch = open.get(workspaceId);
    if (!batch) return;
    bodies.push(
      `{"workspace_id":${JSON.stringify(workspaceId)},"${INGEST_BATCH_KEY}":[${batch.events.join(',')}]}`,
    );
    open.delete(workspaceId);
  };
  for (const { workspace_id: workspaceId, ...event } of messages) {
    const key = String(workspaceId);
    const text = JSON.stringify(event);
    const bytes = Buffer.byteLength(text) + 1;
    const envelope = Buffer.byteLength(key) + 40;
    const batch = open.get(key);
    if (batch && (batch.events.length >= perMessage || batch.bytes + bytes > maxBytes)) flush(key);
    const current = open.get(key) ?? { events: [], bytes: envelope };
    current.events.push(text);
    current.bytes += bytes;
    open.set(key, current);
  }
  for (const workspaceId of [...open.keys()]) flush(workspaceId);
  return bodies;
}
