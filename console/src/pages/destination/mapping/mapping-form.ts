import type { Schemas } from '../../../api/client';

/** What a rule may do to a property (docs/data-mapping-and-consent.md). */
export const MAPPING_ACTIONS = ['keep', 'hash', 'hmac', 'redact', 'null', 'drop', 'domain_only'] as const;
export type MappingAction = (typeof MAPPING_ACTIONS)[number];

export const ACTION_TEXT: Record<MappingAction, string> = {
  keep: 'Keep as is',
  hash: 'Hash (SHA-256)',
  hmac: "Hash with the workspace's key (HMAC)",
  redact: 'Redact',
  null: 'Set to null',
  drop: 'Drop',
  domain_only: 'Email domain only',
};

/** One property rule as a row: `event` empty for every event, else an override for that event. */
export interface RuleRow {
  readonly path: string;
  readonly action: MappingAction;
  readonly rename: string;
  readonly event: string;
}

export interface EventRenameRow {
  readonly from: string;
  readonly to: string;
}

/** A mapping and required consent as the editor holds them: rows to add and remove. */
export interface MappingForm {
  readonly mode: 'all' | 'listed';
  readonly rules: readonly RuleRow[];
  readonly eventRenames: readonly EventRenameRow[];
  /** Consent categories, comma-separated as typed. */
  readonly consent: string;
}

export type Mapping = NonNullable<Schemas['Destination']['mapping']>;
type Rule = NonNullable<Mapping['properties']>[string];
type View = NonNullable<Schemas['MappingView']['draft']>;

const rowsOf = (rules: Record<string, Rule> | undefined, event: string): RuleRow[] =>
  Object.entries(rules ?? {}).map(([path, rule]) =>
    typeof rule === 'string'
      ? { path, action: rule, rename: '', event }
      : { path, action: rule.action ?? 'keep', rename: rule.rename ?? '', event },
  );

/** The editor's rows for a stored mapping (null: the privacy-safe defaults). */
export function mappingFormOf(view: View | null): MappingForm {
  const mapping = (view?.mapping ?? null) as Mapping | null;
  return {
    mode: mapping?.mode ?? 'all',
    rules: [
      ...rowsOf(mapping?.properties, ''),
      ...Object.entries(mapping?.overrides ?? {}).flatMap(([event, rules]) => rowsOf(rules, event)),
    ],
    eventRenames: Object.entries(mapping?.events ?? {}).map(([from, to]) => ({ from, to })),
    consent: (view?.requiredConsent ?? []).join(', '),
  };
}

export interface RowProblem {
  /** `rules.3`, `eventRenames.0` or `consent`. */
  readonly at: string;
  readonly message: string;
}

const PROPERTY_PATH = /^(event\.event_properties|event\.default_properties|visitor|user)(\.[^.\s]+)+$/;
const RENAME = /^[^.\s]{1,256}$/;
const CONSENT_CATEGORY = /^[a-z0-9_-]{1,64}$/;
/** Rules name properties ignoring case and `_`, `-`, `.`, spaces: two such names are one property. */
const normalisedPath = (path: string) =>
  path
    .split('.')
    .map((key) => key.toLowerCase().replace(/[_\-\s]/g, ''))
    .join('.');

export const consentOf = (text: string): string[] =>
  text
    .split(',')
    .map((category) => category.trim())
    .filter(Boolean);

/** What the rows say wrong, as the API would refuse it, to show beside each row before saving. */
export function problemsOf(form: MappingForm): RowProblem[] {
  const problems: RowProblem[] = [];
  const seen = new Set<string>();
  form.rules.forEach((row, index) => {
    const at = `rules.${index}`;
    const key = `${row.event.toLowerCase()}\u0000${normalisedPath(row.path)}`;
    if (!PROPERTY_PATH.test(row.path))
      problems.push({
        at,
        message:
          'Start with visitor., user., event.event_properties. or event.default_properties. and name a property',
      });
    else if (row.path === 'visitor.visitor_id')
      problems.push({
        at,
        message: 'visitor.visitor_id always goes out unchanged: consumers deduplicate on it',
      });
    else if (seen.has(key))
      problems.push({
        at,
        message: 'Another rule names the same property (case, _ - . and spaces are ignored)',
      });
    else if (row.rename && !RENAME.test(row.rename))
      problems.push({ at, message: 'A new name has no dots or spaces' });
    seen.add(key);
  });
  form.eventRenames.forEach((row, index) => {
    if (!row.from.trim() || !row.to.trim())
      problems.push({ at: `eventRenames.${index}`, message: 'Give the event name and its new name' });
  });
  const consent = consentOf(form.consent);
  if (consent.some((category) => !CONSENT_CATEGORY.test(category)))
    problems.push({ at: 'consent', message: 'Categories are 1-64 lower-case letters, digits, "-" or "_"' });
  if (consent.length > 10) problems.push({ at: 'consent', message: 'At most 10 categories' });
  return problems;
}

const ruleOf = (row: RuleRow): Rule => (row.rename ? { action: row.action, rename: row.rename } : row.action);

/** The `PUT …/mapping` body: no rules at all is the privacy-safe defaults (null). */
export function mappingRequestOf(form: MappingForm): Schemas['MappingRequest'] {
  const properties: Record<string, Rule> = {};
  const overrides: Record<string, Record<string, Rule>> = {};
  for (const row of form.rules) {
    if (row.event) overrides[row.event] = { ...overrides[row.event], [row.path]: ruleOf(row) };
    else properties[row.path] = ruleOf(row);
  }
  const events = Object.fromEntries(form.eventRenames.map((row) => [row.from.trim(), row.to.trim()]));
  const empty = form.mode === 'all' && form.rules.length === 0 && form.eventRenames.length === 0;
  const consent = consentOf(form.consent);
  return {
    mapping: empty
      ? null
      : {
          mode: form.mode,
          ...(Object.keys(properties).length > 0 && { properties }),
          ...(Object.keys(overrides).length > 0 && { overrides }),
          ...(form.eventRenames.length > 0 && { events }),
        },
    requiredConsent: consent.length > 0 ? consent : null,
  };
}
