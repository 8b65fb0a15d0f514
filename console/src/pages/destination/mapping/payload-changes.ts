import type { Mapping } from './mapping-form';

export type ChangeKind = 'hashed' | 'redacted' | 'dropped' | 'renamed' | 'set to null' | 'changed';

export interface FieldChange {
  /** Where the property is in the sample: `visitor.email`. */
  readonly path: string;
  readonly kind: ChangeKind;
  /** Its name on the way out, when renamed. */
  readonly renamedTo?: string;
  readonly after?: unknown;
}

/** The roots a mapping acts on, and the event name, which `events` may rename. */
const ROOTS = ['event.event_properties', 'event.default_properties', 'visitor', 'user'] as const;
const REDACTED = '[redacted]';
const HASH = /^[0-9a-f]{64}$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const at = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((inner, key) => (isObject(inner) ? inner[key] : undefined), value);
/** Rules name keys ignoring case and `_`, `-`, `.`, spaces. */
const normalise = (key: string) => key.toLowerCase().replace(/[_\-.\s]/g, '');

/** Renames by the normalised path of the property they rename, for this event. */
function renamesFor(mapping: Mapping | null, eventName: string): Map<string, string> {
  const renames = new Map<string, string>();
  const override = Object.entries(mapping?.overrides ?? {}).find(
    ([name]) => name.toLowerCase() === eventName.toLowerCase(),
  );
  for (const rules of [mapping?.properties ?? {}, override?.[1] ?? {}])
    for (const [path, rule] of Object.entries(rules))
      if (typeof rule === 'object' && rule.rename)
        renames.set(path.split('.').map(normalise).join('.'), rule.rename);
  return renames;
}

function kindOf(before: unknown, after: unknown): ChangeKind {
  if (after === REDACTED) return 'redacted';
  if (after === null && before !== null) return 'set to null';
  const values = Array.isArray(after) ? after : [after];
  if (values.length > 0 && values.every((value) => typeof value === 'string' && HASH.test(value)))
    return 'hashed';
  return 'changed';
}

/**
 * What the mapping did to each property of the sample, read off the payload the API returned:
 * which went out hashed, redacted, set to null, renamed or not at all. Renames are told apart
 * from drops by the mapping that produced the payload (a renamed key keeps no trace of its name).
 */
export function payloadChanges(sample: unknown, payload: unknown, mapping: Mapping | null): FieldChange[] {
  const eventName = String(at(sample, 'event.event') ?? '');
  const renames = renamesFor(mapping, eventName);
  const changes: FieldChange[] = [];
  const outName = at(payload, 'event.event');
  if (outName !== undefined && outName !== eventName)
    changes.push({ path: 'event.event', kind: 'renamed', renamedTo: String(outName), after: outName });

  const walk = (before: Json, after: Json, path: string) => {
    for (const [key, value] of Object.entries(before)) {
      const here = `${path}.${key}`;
      const renamedTo = renames.get(here.split('.').map(normalise).join('.'));
      if (renamedTo !== undefined && !Object.hasOwn(after, key) && Object.hasOwn(after, renamedTo)) {
        changes.push({ path: here, kind: 'renamed', renamedTo, after: after[renamedTo] });
        const changed = kindOf(value, after[renamedTo]);
        if (JSON.stringify(value) !== JSON.stringify(after[renamedTo]))
          changes.push({ path: here, kind: changed, after: after[renamedTo] });
        continue;
      }
      if (!Object.hasOwn(after, key)) {
        changes.push({ path: here, kind: 'dropped' });
        continue;
      }
      const out = after[key];
      if (JSON.stringify(value) === JSON.stringify(out)) continue;
      if (isObject(value) && isObject(out)) walk(value, out, here);
      else changes.push({ path: here, kind: kindOf(value, out), after: out });
    }
  };
  for (const root of ROOTS) {
    const before = at(sample, root);
    const after = at(payload, root);
    if (isObject(before)) walk(before, isObject(after) ? after : {}, root);
  }
  return changes;
}
