import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { ConsentCategorySchema } from './consent';
import { DestinationIdSchema } from './destination-id';
import { MAX_INGEST_BODY_BYTES } from './queue-limits';
import { WorkspaceIdSchema } from './workspace-id';
import { inputSafeMessages } from './zod-messages';

/**
 * The ingest message contract (DESIGN.md "Ingest message") and the payload delivered to
 * destinations. Shared by the dispatcher, the consumer and the local tools.
 */

const properties = z.record(z.string(), z.unknown());

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

export const EventSchema = z.strictObject({
  event: text(1000),
  distinct_id: z.optional(text(400)),
  time: z.optional(z.int().check(z.nonnegative())),
  event_properties: z.optional(properties),
  default_properties: z.optional(properties),
});

// Visitor and user profiles carry many optional properties (email, city, …): open objects.
export const VisitorSchema = z.looseObject({ visitor_id: text(1000) });
export const UserSchema = z.nullable(z.looseObject({}));

export const IngestMessageSchema = z.strictObject({
  /** The workspace (platform customer) the event belongs to: routing stays inside it. Never delivered. */
  workspace_id: WorkspaceIdSchema,
  event: EventSchema,
  visitor: VisitorSchema,
  user: z.optional(UserSchema),
  // Ids only: a name that is not one (an email, say) is refused, never echoed in a reason or attribute.
  destinations: z.optional(z.array(DestinationIdSchema).check(z.minLength(1), z.maxLength(100))),
  /** The consent categories the visitor granted (`marketing`, `analytics`, …). Never delivered. */
  consent: z.optional(z.array(ConsentCategorySchema).check(z.maxLength(50))),
});

export type IngestMessage = z.infer<typeof IngestMessageSchema>;

/**
 * The same schema, compiled by zod into one generated function: every event of every batch is
 * checked before its first delivery call, and the runtime parser walks the schema a node at a
 * time (several times slower). An input the generated code does not accept is handed to the
 * runtime parser, so the issues, and the reasons made of them, are the runtime's. Compiled on
 * first use (about 3 ms, once per execution environment), so modules importing only the types or
 * other schemas never pay it.
 */
let compiledIngestMessage: typeof IngestMessageSchema | undefined;
const ingestMessageParser = () => (compiledIngestMessage ??= z.compile(IngestMessageSchema));

/** What every destination receives: the seed format, `event.distinct_id` always set. */
export interface DeliveredPayload {
  event: z.infer<typeof EventSchema> & { distinct_id: string };
  visitor: z.infer<typeof VisitorSchema>;
  user: Record<string, unknown> | null;
}

export type ParsedMessage =
  | {
      ok: true;
      workspaceId: string;
      payload: DeliveredPayload;
      destinations?: string[];
      consent?: string[];
    }
  | { ok: false; errorCode: 'InvalidJson' | 'InvalidEvent'; reason: string };

const MAX_DEPTH = 32;
/**
 * Values in one message (array elements and object entries, at any depth). Real events have
 * hundreds; a 1 MiB body of `[{},{},…]` has 300,000, and each parsed event is held until its
 * batch is prepared, so a bound here bounds a batch's heap (about 24 MB per such message).
 */
export const MAX_VALUES = 100_000;
/** Values still allowed: what one message (all its events, when batched) may hold. */
export interface ValueBudget {
  values: number;
}
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_REPORTED_ISSUES = 5;

/**
 * Parses an SQS body into the payload to deliver. Never throws; the reason names schema
 * positions and rules only, never visitor-supplied keys or values, so it is safe to log and to
 * put on a dead letter (an SQS message attribute, which queue encryption does not cover).
 */
export function parseIngestMessage(body: string): ParsedMessage {
  const json = readIngestJson(body);
  return json.ok ? parseIngestValue(json.value) : json;
}

export type IngestJson = { ok: true; value: unknown } | Extract<ParsedMessage, { ok: false }>;

/** An SQS body's JSON, once it is known to fit the dispatcher's size limit. Never throws. */
export function readIngestJson(body: string): IngestJson {
  // Checked first, by length (UTF-16 units, at most 3 UTF-8 bytes each) before counting bytes.
  if (body.length * 3 > MAX_INGEST_BODY_BYTES && Buffer.byteLength(body) > MAX_INGEST_BODY_BYTES) {
    return {
      ok: false,
      errorCode: 'InvalidEvent',
      reason: `body is larger than ${MAX_INGEST_BODY_BYTES} bytes: the platform keeps the rest of SQS's limit for its retry and dead-letter attributes`,
    };
  }
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, errorCode: 'InvalidJson', reason: 'body is not valid JSON' };
  }
}

/**
 * What `parseIngestMessage` makes of a body's parsed JSON. `budget` counts the values checked,
 * shared by the events of one batched message so that the message as a whole is bounded.
 */
export function parseIngestValue(raw: unknown, budget: ValueBudget = { values: MAX_VALUES }): ParsedMessage {
  const unsafe = findUnsafeValue(raw, budget);
  if (unsafe) return { ok: false, errorCode: 'InvalidEvent', reason: boundReason(unsafe) };

  const result = ingestMessageParser().safeParse(raw, { error: inputSafeMessages });
  if (!result.success) {
    const issues = result.error.issues
      .slice(0, MAX_REPORTED_ISSUES)
      .map((issue) => `${schemaPosition(issue.path)}: ${issue.message}`);
    const more = result.error.issues.length - issues.length;
    return {
      ok: false,
      errorCode: 'InvalidEvent',
      reason: boundReason(issues.join('; ') + (more > 0 ? `; and ${more} more` : '')),
    };
  }

  const { workspace_id: workspaceId, event, visitor, user, destinations, consent } = result.data;
  const payload: DeliveredPayload = {
    event: { ...event, distinct_id: event.distinct_id ?? deriveDistinctId(result.data) },
    visitor,
    user: user ?? null,
  };
  return {
    ok: true,
    workspaceId,
    payload,
    ...(destinations && { destinations }),
    ...(consent && { consent }),
  };
}

/** What SQS accepts as a `MessageGroupId`: 1-128 printable ASCII characters, no spaces. */
const SQS_GROUP_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The `MessageGroupId` producers give an event on a FIFO ingest queue: `workspace_id:visitor_id`,
 * so order holds per visitor within a workspace and no two workspaces share a group (which would
 * tie their events together in SQS). A visitor id SQS would refuse there is hashed.
 */
export function fifoMessageGroupId(workspaceId: string, visitorId: string): string {
  const group = `${workspaceId}:${visitorId}`;
  if (SQS_GROUP_ID.test(group)) return group;
  return `${workspaceId}:sha256-${createHash('sha256').update(visitorId).digest('base64url')}`;
}

/** Whether a FIFO message group is one workspace's own, as `fifoMessageGroupId` makes them. */
export const isWorkspaceGroup = (workspaceId: string, messageGroupId: string): boolean =>
  messageGroupId.startsWith(`${workspaceId}:`);

/**
 * A stable id for an event whose producer sent none: a hash of the message content,
 * so every redelivery and every redrive of the same message carries the same id.
 */
export function deriveDistinctId(message: Pick<IngestMessage, 'event' | 'visitor' | 'user'>): string {
  const content = stableStringify({
    event: message.event,
    visitor: message.visitor,
    user: message.user ?? null,
  });
  return `derived_${createHash('sha256').update(content).digest('hex').slice(0, 40)}`;
}

/** JSON with object keys sorted: equal content, equal text, whatever the key order. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The keys the schema itself names, by position; any other key is the visitor's (or unknown). */
interface SchemaKeys {
  readonly [key: string]: SchemaKeys;
}
const NO_KEYS: SchemaKeys = {};
const SCHEMA_KEYS: SchemaKeys = {
  workspace_id: NO_KEYS,
  event: {
    event: NO_KEYS,
    distinct_id: NO_KEYS,
    time: NO_KEYS,
    event_properties: NO_KEYS,
    default_properties: NO_KEYS,
  },
  visitor: { visitor_id: NO_KEYS },
  user: NO_KEYS,
  destinations: NO_KEYS,
  consent: NO_KEYS,
};
/** Steps of a path named in a reason: deeper ones are left out, marked `…`. */
const MAX_PATH_STEPS = 8;
/** Characters of a reason (several issues joined): enough for five, bounded whatever the input. */
export const MAX_REASON_LENGTH = 500;
const TRUNCATED = '… (truncated)';

/**
 * A path as the schema names it: `event.event_properties.<key>[2]`. The schema's own keys are
 * named; any other key (inside the free-form `event_properties`, `default_properties`, `visitor`
 * and `user`, or unknown to a strict object) is `<key>`, for it may be an email address or a
 * phone number; array positions are indexes. Bounded in depth, so in length.
 */
export function schemaPosition(path: readonly PropertyKey[]): string {
  let text = '';
  let keys: SchemaKeys | undefined = SCHEMA_KEYS;
  for (const [index, step] of path.entries()) {
    if (index === MAX_PATH_STEPS) return `${text}…`;
    if (typeof step === 'number' && Number.isSafeInteger(step) && step >= 0) {
      text += `[${step}]`;
      keys = NO_KEYS;
      continue;
    }
    const known: SchemaKeys | undefined =
      typeof step === 'string' && keys && Object.hasOwn(keys, step) ? keys[step] : undefined;
    text += `${text ? '.' : ''}${known ? String(step) : '<key>'}`;
    keys = known;
  }
  return text || '(body)';
}

/**
 * A reason cut to `MAX_REASON_LENGTH`, marked when it was cut: a backstop, for positions and rule
 * messages are bounded already, whatever the schema grows into.
 */
export const boundReason = (reason: string): string =>
  reason.length <= MAX_REASON_LENGTH
    ? reason
    : `${reason.slice(0, MAX_REASON_LENGTH - TRUNCATED.length)}${TRUNCATED}`;

/**
 * Rejects what JSON allows but delivery must not pass on: prototype keys, lone surrogates,
 * infinities, deep nesting. The path is only built for the value that fails, and names schema
 * positions only (`schemaPosition`).
 */
function findUnsafeValue(value: unknown, budget: ValueBudget): string | undefined {
  const found = unsafeAt(value, 0, budget);
  if (!found) return undefined;
  if (budget.values < 0) return `(body): more than ${MAX_VALUES} values`;
  return `${schemaPosition(found.path.reverse())}: ${found.problem}`;
}

/** The first unsafe value's problem, and its path from the value up (reversed: built on the way out). */
function unsafeAt(
  value: unknown,
  depth: number,
  budget: ValueBudget,
): { problem: string; path: (string | number)[] } | undefined {
  if (--budget.values < 0) return { problem: 'too many values', path: [] };
  if (depth > MAX_DEPTH) return { problem: `nested deeper than ${MAX_DEPTH} levels`, path: [] };
  if (typeof value === 'string') {
    return value.isWellFormed() ? undefined : { problem: 'string is not well-formed Unicode', path: [] };
  }
  if (typeof value === 'number') {
    return Number.isFinite(value) ? undefined : { problem: 'number is out of range', path: [] };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unsafeAt(value[i], depth + 1, budget);
      if (found) {
        found.path.push(i);
        return found;
      }
    }
    return undefined;
  }
  for (const key in value) {
    if (FORBIDDEN_KEYS.has(key)) return { problem: `key "${key}" is not allowed`, path: [] };
    if (!key.isWellFormed()) return { problem: 'key is not well-formed Unicode', path: [] };
    const found = unsafeAt((value as Record<string, unknown>)[key], depth + 1, budget);
    if (found) {
      found.path.push(key);
      return found;
    }
  }
  return undefined;
}

/**
 * What a consumer accepts: the delivered payload. Open objects, so a consumer keeps working
 * when the platform adds fields; `event.distinct_id` and `visitor.visitor_id` are required
 * because they are the deduplication key.
 */
export const DeliveredPayloadSchema = z.looseObject({
  event: z.looseObject({ event: text(1000), distinct_id: text(400) }),
  visitor: VisitorSchema,
  user: z.optional(UserSchema),
});
