import * as z from 'zod/mini';
import type { DeliveredPayload } from './ingest-message';
import {
  emailDomain,
  hashContactsInText,
  hmacSha256Hex,
  type KeyInfo,
  keyInfo,
  kindOf,
  looksLikeEmail,
  normaliseForHash,
  normaliseKey,
  REDACTED,
  sha256Hex,
} from './personal-data';
import './zod-messages';

/**
 * Data mapping: what one destination receives of an event. Part of the destination, so it is
 * published, versioned and rolled back with it; compiled once per loaded version.
 */

export const MAPPING_ACTIONS = ['keep', 'hash', 'hmac', 'redact', 'null', 'drop', 'domain_only'] as const;
export type MappingAction = (typeof MAPPING_ACTIONS)[number];

const ROOTS = ['event.event_properties', 'event.default_properties', 'visitor', 'user'] as const;
/** `visitor.email`, `event.event_properties.order.total`, …: a root and one or more keys. */
const PROPERTY_PATH = /^(event\.event_properties|event\.default_properties|visitor|user)(\.[^.\s]+)+$/;
/** Consumers deduplicate on these: they always go out unchanged. */
const FIXED_PATHS = new Set(['visitor.visitor_id']);

const action = z.enum(MAPPING_ACTIONS);
const PropertyRuleSchema = z.union([
  action,
  z.strictObject({
    action: z._default(action, 'keep'),
    rename: z.optional(z.string().check(z.regex(/^[^.\s]{1,256}$/, 'must be a property name (no dots)'))),
  }),
]);
const RulesSchema = z.record(z.string(), PropertyRuleSchema);

/**
 * A rule path as rules match properties: each key normalised (`normaliseKey`: case and `_`, `-`,
 * `.`, spaces ignored), so `visitor.Billing_Email` and `visitor.billingEmail` name one property.
 */
const normalisedPath = (path: string): string => path.split('.').map(normaliseKey).join('.');

/**
 * Each rule's path must name a property the mapping may change, and no other rule of the same
 * set may name the same property: the problem names the path.
 */
function checkPaths(
  rules: Record<string, unknown> | undefined,
  where: (string | number)[],
  ctx: z.core.$RefinementCtx,
): void {
  const seen = new Map<string, string>();
  for (const path of Object.keys(rules ?? {})) {
    const same = seen.get(normalisedPath(path));
    const problem = !PROPERTY_PATH.test(path)
      ? `must start with ${ROOTS.join(', ')} and name a property`
      : FIXED_PATHS.has(path)
        ? 'always goes out unchanged: consumers deduplicate on it'
        : same !== undefined
          ? `names the same property as "${same}" (names match ignoring case and _ - . spaces)`
          : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [...where, path] });
    if (same === undefined) seen.set(normalisedPath(path), path);
  }
}

export const DataMappingSchema = z
  .strictObject({
    /** `all`: everything not excluded (personal data still hashed or redacted); `listed`: only what `properties` names. */
    mode: z._default(z.enum(['all', 'listed']), 'all'),
    /** Event names renamed on the way out, by allowed name (matched ignoring case). */
    events: z.optional(
      z.record(z.string().check(z.minLength(1)), z.string().check(z.minLength(1), z.maxLength(1000))),
    ),
    /** Rules for every event, by property path. */
    properties: z.optional(RulesSchema),
    /** Rules for one event (by name, ignoring case), over `properties`. */
    overrides: z.optional(z.record(z.string().check(z.minLength(1)), RulesSchema)),
  })
  .check(
    z.superRefine((mapping, ctx) => {
      checkPaths(mapping.properties, ['properties'], ctx);
      for (const [event, rules] of Object.entries(mapping.overrides ?? {})) {
        checkPaths(rules, ['overrides', event], ctx);
      }
    }),
  );

export type DataMapping = z.infer<typeof DataMappingSchema>;
export type PropertyRule = z.infer<typeof PropertyRuleSchema>;

/** Whether a mapping needs the workspace's HMAC key. */
export const usesHmac = (mapping: DataMapping | undefined): boolean =>
  JSON.stringify(mapping ?? {}).includes('"hmac"');

export class MappingKeyMissingError extends Error {
  constructor() {
    super("the mapping uses hmac but the workspace's HMAC key is not available");
    this.name = 'MappingKeyMissingError';
  }
}

/**
 * What mapping one event may cost, checked during the walk so that nothing large is built before
 * a limit fires: an event past one is dead-lettered alone (`MappingLimitExceeded`). An ingest
 * body is at most 1 MiB (SQS), which bounds the input; these bound what the mapping makes of it.
 */
export const MAPPING_LIMITS = Object.freeze({
  // Twice the largest ingest body: hashing grows only personal values (to 64 characters), a small part of a real event.
  maxMappedBytes: 2 * 1_048_576,
  // Array elements and object entries, all roots together: real events have hundreds; ingest refuses more than 100,000.
  maxValues: 100_000,
  // Ingest validation already rejects bodies nested deeper than 32 levels, so no valid event gets near it.
  maxDepth: 32,
});
export type MappingLimit = keyof typeof MAPPING_LIMITS;

const LIMIT_DESCRIPTIONS: Readonly<Record<MappingLimit, (max: number) => string>> = {
  maxMappedBytes: (max) => `the mapped event would be larger than ${max} bytes`,
  maxValues: (max) => `the event has more than ${max} values to map`,
  maxDepth: (max) => `the event is nested deeper than ${max} levels`,
};

/**
 * An event whose mapping would pass one of `MAPPING_LIMITS`. The message names the limit and its
 * value only, never a property name or value (they can be personal data): safe on a dead letter.
 */
export class MappingLimitError extends Error {
  readonly max: number;
  constructor(readonly limit: MappingLimit) {
    super(`mapping limit ${limit} exceeded: ${LIMIT_DESCRIPTIONS[limit](MAPPING_LIMITS[limit])}`);
    this.name = 'MappingLimitError';
    this.max = MAPPING_LIMITS[limit];
  }
}

/** Roughly what JSON spends per value besides its strings: a separator, quotes or brackets, a number's digits. */
const VALUE_BYTES = 8;

/** What the walk of one event has spent so far: one per `apply`. */
class MappingBudget {
  private values = 0;
  private bytes = 0;

  /** One array element or object entry reached, with the length of its key (0 for an element). */
  visit(keyLength: number): void {
    this.values += 1;
    if (this.values > MAPPING_LIMITS.maxValues) throw new MappingLimitError('maxValues');
    this.spend(keyLength + VALUE_BYTES);
  }

  /** How much output text may still be produced. */
  remaining(): number {
    return MAPPING_LIMITS.maxMappedBytes - this.bytes;
  }

  /** Output text produced: a string's length (a UTF-16 count: close enough to bound memory). */
  spend(length: number): void {
    this.bytes += length;
    if (this.bytes > MAPPING_LIMITS.maxMappedBytes) throw new MappingLimitError('maxMappedBytes');
  }

  /** A string passed on as it came: its length counts towards the output. */
  passed<T>(value: T): T {
    if (typeof value === 'string') this.spend(value.length);
    return value;
  }

  /** Entering an object or array at `depth` (a root is at 1). */
  static enter(depth: number): void {
    if (depth > MAPPING_LIMITS.maxDepth) throw new MappingLimitError('maxDepth');
  }
}

/** A mapping compiled for one destination: applies it to a delivered payload. */
export interface CompiledMapping {
  /** @throws MappingLimitError when the event would cost more than `MAPPING_LIMITS` allow. */
  apply(payload: DeliveredPayload): DeliveredPayload;
}

interface Node {
  rule?: { action: MappingAction; rename?: string };
  /** The last key of the rule's path as written: of two keys naming this property, the one a rename goes to. */
  name?: string;
  /** By normalised key (`normaliseKey`). */
  children: Map<string, Node>;
}

type Tree = Record<(typeof ROOTS)[number], Node>;

/**
 * Compiles a mapping (none: the privacy-safe defaults) into a function over payloads. Rules are
 * resolved into a tree per event name once; an event is then walked once.
 */
export function compileMapping(mapping: DataMapping | undefined, hmacKey?: Buffer): CompiledMapping {
  if (usesHmac(mapping) && !hmacKey) throw new MappingKeyMissingError();
  const mode = mapping?.mode ?? 'all';
  const defaultTree = buildTree([mapping?.properties ?? {}]);
  const trees = new Map<string, Tree>();
  for (const [eventName, rules] of Object.entries(mapping?.overrides ?? {})) {
    trees.set(eventName.toLowerCase(), buildTree([mapping?.properties ?? {}, rules]));
  }
  const renames = new Map(
    Object.entries(mapping?.events ?? {}).map(([from, to]) => [from.toLowerCase(), to]),
  );
  // The walk of the event in progress: `apply` is synchronous, so one budget at a time.
  let budget = new MappingBudget();
  const modify = (
    act: MappingAction,
    key: string,
    value: unknown,
    depth: number,
    byDefault = false,
  ): unknown => applyAction(act, key, value, hmacKey, budget, depth, byDefault);

  /**
   * Rules match keys by normalised name: every key naming a ruled property gets the rule's action
   * (`Email` and `email` both). A rename goes to one of them: the key spelt as the rule's path
   * spells it, else the first; the others keep their names.
   */
  const mapObject = (
    value: Record<string, unknown>,
    node: Node | undefined,
    depth: number,
    fixedKey?: string,
  ): Record<string, unknown> => {
    MappingBudget.enter(depth);
    const out: Record<string, unknown> = {};
    let renamed: Set<Node> | undefined;
    for (const key of Object.keys(value)) {
      const inner = value[key];
      const info = keyInfo(key);
      // Only the exact fixed key is the deduplication id: its variants (`Visitor_ID`) are ordinary properties.
      const child =
        node && node.children.size > 0 && key !== fixedKey ? node.children.get(info.normalised) : undefined;
      if (child?.rule) {
        if (child.rule.action === 'drop') {
          budget.visit(0);
          continue;
        }
        let name = key;
        const { rename } = child.rule;
        if (rename !== undefined && child.name !== undefined) {
          const exact = key === child.name;
          if (exact || (!renamed?.has(child) && !Object.hasOwn(value, child.name))) {
            name = rename;
            if (!exact) {
              renamed ??= new Set();
              renamed.add(child);
            }
          }
        }
        budget.visit(name.length);
        out[name] = modify(child.rule.action, key, inner, depth + 1);
        continue;
      }
      if (child && isPlainObject(inner)) {
        budget.visit(key.length);
        out[key] = mapObject(inner, child, depth + 1);
        continue;
      }
      if (mode === 'listed') {
        budget.visit(0);
        continue;
      }
      budget.visit(key.length);
      out[key] = defaults(key, info, inner, depth + 1);
    }
    return out;
  };
  // Unlisted values in `all` mode: personal data hashed or redacted wherever it appears.
  const defaults = (key: string, info: KeyInfo, value: unknown, depth: number): unknown => {
    if (info.action) return modify(info.action, key, value, depth, true);
    if (typeof value === 'string') {
      if (looksLikeEmail(value)) return modify('hash', 'email', value, depth);
      const masked = hashContactsInText(value, budget.remaining());
      if (masked === undefined) throw new MappingLimitError('maxMappedBytes');
      return budget.passed(masked);
    }
    if (Array.isArray(value)) {
      MappingBudget.enter(depth);
      const out: unknown[] = [];
      for (const item of value) {
        budget.visit(0);
        out.push(defaults(key, info, item, depth + 1));
      }
      return out;
    }
    if (isPlainObject(value)) return mapObject(value, undefined, depth);
    return value;
  };
  const mapRoot = (value: Record<string, unknown> | undefined, node: Node) =>
    value === undefined ? undefined : mapObject(value, node, 1);

  return {
    apply(payload) {
      budget = new MappingBudget();
      const name = payload.event.event.toLowerCase();
      const tree = trees.get(name) ?? defaultTree;
      const { event_properties, default_properties, ...event } = payload.event;
      const eventProperties = mapRoot(event_properties, tree['event.event_properties']);
      const defaultProperties = mapRoot(default_properties, tree['event.default_properties']);
      const visitor = mapObject(payload.visitor, tree.visitor, 1, 'visitor_id');
      return {
        event: {
          ...event,
          event: renames.get(name) ?? event.event,
          ...(eventProperties && { event_properties: eventProperties }),
          ...(defaultProperties && { default_properties: defaultProperties }),
        },
        visitor: { ...visitor, visitor_id: payload.visitor.visitor_id },
        user: payload.user === null ? null : mapObject(payload.user, tree.user, 1),
      };
    },
  };
}

/**
 * How much a rule withholds, for the rules of a mapping stored before two rules of one set could
 * not name the same property: the one withholding more applies. Hashes keep a stable identifier
 * of the person; a domain only a coarse attribute; redact, null and drop nothing.
 */
const WITHHOLDS: Readonly<Record<MappingAction, number>> = {
  keep: 0,
  hash: 1,
  hmac: 2,
  domain_only: 3,
  redact: 4,
  null: 5,
  drop: 6,
};

/** Rules by property path, later sets over earlier ones (an event's overrides over the common rules). */
function buildTree(ruleSets: Record<string, PropertyRule>[]): Tree {
  const rules = new Map<string, { path: string; rule: { action: MappingAction; rename?: string } }>();
  for (const set of ruleSets) {
    const own = new Map<string, { path: string; rule: { action: MappingAction; rename?: string } }>();
    for (const [path, written] of Object.entries(set)) {
      const rule = typeof written === 'string' ? { action: written } : written;
      const same = own.get(normalisedPath(path));
      if (!same || WITHHOLDS[rule.action] > WITHHOLDS[same.rule.action])
        own.set(normalisedPath(path), { path, rule });
    }
    for (const [normalised, entry] of own) rules.set(normalised, entry);
  }
  const tree = Object.fromEntries(ROOTS.map((root) => [root, { children: new Map() }])) as Tree;
  for (const { path, rule } of rules.values()) {
    const root = ROOTS.find((r) => path.startsWith(`${r}.`)) as (typeof ROOTS)[number];
    let node = tree[root];
    const keys = path.slice(root.length + 1).split('.');
    for (const key of keys) {
      const normalised = normaliseKey(key);
      let child = node.children.get(normalised);
      if (!child) {
        child = { children: new Map() };
        node.children.set(normalised, child);
      }
      node = child;
    }
    node.rule = rule;
    node.name = keys[keys.length - 1];
  }
  return tree;
}

/**
 * One action on one value. Strings, numbers and booleans are modified as text; arrays element
 * by element; objects value by value; null stays null. What it produces is counted in `budget`;
 * a value kept whole is passed on, not copied, and is no larger than the event that carried it.
 * A default (`byDefault`) leaves a boolean as it is: `has_email: true` is no personal data, and
 * its hash would hide nothing (there are two).
 */
function applyAction(
  act: MappingAction,
  key: string,
  value: unknown,
  hmacKey: Buffer | undefined,
  budget: MappingBudget,
  depth: number,
  byDefault: boolean,
): unknown {
  if (act === 'keep') return budget.passed(value);
  if (act === 'null') return null;
  if (byDefault && typeof value === 'boolean') return value;
  if (act === 'redact') return value === null ? null : budget.passed(REDACTED);
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) {
    MappingBudget.enter(depth);
    const out: unknown[] = [];
    for (const item of value) {
      budget.visit(0);
      out.push(applyAction(act, key, item, hmacKey, budget, depth + 1, byDefault));
    }
    return out;
  }
  if (isPlainObject(value)) {
    MappingBudget.enter(depth);
    const entries: [string, unknown][] = [];
    for (const k of Object.keys(value)) {
      budget.visit(k.length);
      entries.push([k, applyAction(act, k, value[k], hmacKey, budget, depth + 1, byDefault)]);
    }
    return Object.fromEntries(entries);
  }
  const text = String(value);
  switch (act) {
    case 'hash':
      return budget.passed(sha256Hex(normaliseForHash(kindOf(key, text), text)));
    case 'hmac':
      return budget.passed(hmacSha256Hex(hmacKey as Buffer, normaliseForHash(kindOf(key, text), text)));
    case 'domain_only':
      return budget.passed(emailDomain(text));
    default:
      return value;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
