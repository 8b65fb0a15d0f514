import * as z from 'zod/mini';
import type { DeliveredPayload } from './ingest-message';
import {
  emailDomain,
  hmacSha256Hex,
  kindOf,
  looksLikeEmail,
  normaliseForHash,
  personalDataDefault,
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

/** Each rule's path must name a property the mapping may change: the problem names the path. */
function checkPaths(
  rules: Record<string, unknown> | undefined,
  where: (string | number)[],
  ctx: z.core.$RefinementCtx,
): void {
  for (const path of Object.keys(rules ?? {})) {
    const problem = !PROPERTY_PATH.test(path)
      ? `must start with ${ROOTS.join(', ')} and name a property`
      : FIXED_PATHS.has(path)
        ? 'always goes out unchanged: consumers deduplicate on it'
        : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [...where, path] });
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

/** A mapping compiled for one destination: applies it to a delivered payload. */
export interface CompiledMapping {
  apply(payload: DeliveredPayload): DeliveredPayload;
}

interface Node {
  rule?: { action: MappingAction; rename?: string };
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
  const defaultTree = buildTree(mapping?.properties ?? {});
  const trees = new Map<string, Tree>();
  for (const [eventName, rules] of Object.entries(mapping?.overrides ?? {})) {
    trees.set(eventName.toLowerCase(), buildTree({ ...mapping?.properties, ...rules }));
  }
  const renames = new Map(
    Object.entries(mapping?.events ?? {}).map(([from, to]) => [from.toLowerCase(), to]),
  );
  const modify = (act: MappingAction, key: string, value: unknown): unknown =>
    applyAction(act, key, value, hmacKey);

  const mapObject = (value: Record<string, unknown>, node: Node | undefined): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const child = node?.children.get(key);
      if (child?.rule) {
        if (child.rule.action === 'drop') continue;
        out[child.rule.rename ?? key] = modify(child.rule.action, key, inner);
        continue;
      }
      if (child && isPlainObject(inner)) {
        out[key] = mapObject(inner, child);
        continue;
      }
      if (mode === 'listed') continue;
      out[key] = defaults(key, inner);
    }
    return out;
  };
  // Unlisted values in `all` mode: personal data hashed or redacted wherever it appears.
  const defaults = (key: string, value: unknown): unknown => {
    const personal = personalDataDefault(key);
    if (personal) return modify(personal, key, value);
    if (typeof value === 'string' && looksLikeEmail(value)) return modify('hash', 'email', value);
    if (Array.isArray(value)) return value.map((item) => defaults(key, item));
    if (isPlainObject(value)) return mapObject(value, undefined);
    return value;
  };
  const mapRoot = (value: Record<string, unknown> | undefined, node: Node) =>
    value === undefined ? undefined : mapObject(value, node);

  return {
    apply(payload) {
      const name = payload.event.event.toLowerCase();
      const tree = trees.get(name) ?? defaultTree;
      const { event_properties, default_properties, ...event } = payload.event;
      const eventProperties = mapRoot(event_properties, tree['event.event_properties']);
      const defaultProperties = mapRoot(default_properties, tree['event.default_properties']);
      const visitor = mapObject(payload.visitor, tree.visitor);
      return {
        event: {
          ...event,
          event: renames.get(name) ?? event.event,
          ...(eventProperties && { event_properties: eventProperties }),
          ...(defaultProperties && { default_properties: defaultProperties }),
        },
        visitor: { ...visitor, visitor_id: payload.visitor.visitor_id },
        user: payload.user === null ? null : mapObject(payload.user, tree.user),
      };
    },
  };
}

function buildTree(rules: Record<string, PropertyRule>): Tree {
  const tree = Object.fromEntries(ROOTS.map((root) => [root, { children: new Map() }])) as Tree;
  for (const [path, rule] of Object.entries(rules)) {
    const root = ROOTS.find((r) => path.startsWith(`${r}.`)) as (typeof ROOTS)[number];
    let node = tree[root];
    for (const key of path.slice(root.length + 1).split('.')) {
      let child = node.children.get(key);
      if (!child) {
        child = { children: new Map() };
        node.children.set(key, child);
      }
      node = child;
    }
    node.rule = typeof rule === 'string' ? { action: rule } : rule;
  }
  return tree;
}

/**
 * One action on one value. Strings, numbers and booleans are modified as text; arrays element
 * by element; objects value by value; null stays null.
 */
function applyAction(act: MappingAction, key: string, value: unknown, hmacKey: Buffer | undefined): unknown {
  if (act === 'keep') return value;
  if (act === 'null') return null;
  if (act === 'redact') return value === null ? null : REDACTED;
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => applyAction(act, key, item, hmacKey));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, applyAction(act, k, v, hmacKey)]));
  }
  const text = String(value);
  switch (act) {
    case 'hash':
      return sha256Hex(normaliseForHash(kindOf(key, text), text));
    case 'hmac':
      return hmacSha256Hex(hmacKey as Buffer, normaliseForHash(kindOf(key, text), text));
    case 'domain_only':
      return emailDomain(text);
    default:
      return value;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
