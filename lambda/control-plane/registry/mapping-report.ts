import { route } from '../../dispatcher/prepare/route';
import { consentAllows } from '../../shared/consent';
import {
  compileMapping,
  type DataMapping,
  MappingLimitError,
  type PropertyRule,
} from '../../shared/data-mapping';
import { type DestinationSpec, destinationArn } from '../../shared/destination-config';
import { type DeliveredPayload, parseIngestMessage } from '../../shared/ingest-message';
import { NAME_QUALIFIERS, PERSONAL_DATA_DEFAULTS } from '../../shared/personal-data';

/** What one destination would receive of one event, or why it would not. */
export interface MappingTestResult {
  readonly line: number;
  readonly destination: string;
  readonly outcome: 'delivered' | 'not routed' | 'blocked by consent' | 'invalid';
  readonly payload?: DeliveredPayload;
  readonly reason?: string;
}

/**
 * Runs ingest messages through a workspace's destinations exactly as the dispatcher does:
 * validation, routing, consent, then each destination's compiled mapping. With `only`, messages
 * are routed among all the destinations (a message may name any of them) but only that one's
 * results are given, and only its mapping compiled.
 */
export function testMappings(
  workspaceId: string,
  all: readonly DestinationSpec[],
  bodies: readonly string[],
  hmacKey?: Buffer,
  only?: string,
): MappingTestResult[] {
  const destinations = only === undefined ? all : all.filter((d) => d.id === only);
  const compiled = new Map(destinations.map((d) => [d.id, compileMapping(d.mapping, hmacKey)]));
  const resolved = all.map((d) => ({ ...d, workspaceId }));
  return bodies.flatMap((body, index): MappingTestResult[] => {
    const line = index + 1;
    const parsed = parseIngestMessage(body);
    if (!parsed.ok)
      return [
        { line, destination: '*', outcome: 'invalid', reason: `${parsed.errorCode}: ${parsed.reason}` },
      ];
    if (parsed.workspaceId !== workspaceId)
      return [
        {
          line,
          destination: '*',
          outcome: 'invalid',
          reason: `names workspace ${parsed.workspaceId}, not ${workspaceId}`,
        },
      ];
    const routed = route(parsed.payload.event.event, parsed.destinations, resolved);
    if (!routed.ok)
      return [
        {
          line,
          destination: only === undefined ? routed.destinationId : '*',
          outcome: 'invalid',
          reason: routed.reason,
        },
      ];
    const accepted = new Set(routed.destinations.map((d) => d.id));
    return destinations.map((d): MappingTestResult => {
      if (!accepted.has(d.id)) return { line, destination: d.id, outcome: 'not routed' };
      if (!consentAllows(parsed.consent, d.requiredConsent))
        return {
          line,
          destination: d.id,
          outcome: 'blocked by consent',
          reason: `requires ${d.requiredConsent?.join(', ')}`,
        };
      try {
        return {
          line,
          destination: d.id,
          outcome: 'delivered',
          payload: compiled.get(d.id)?.apply(parsed.payload),
        };
      } catch (error) {
        // The dispatcher dead-letters it for this destination alone.
        if (!(error instanceof MappingLimitError)) throw error;
        return {
          line,
          destination: d.id,
          outcome: 'invalid',
          reason: `MappingLimitExceeded: ${error.message}`,
        };
      }
    });
  });
}

/** One row of the compliance report: a property rule of a destination, or a default. */
export interface MappingReportRow {
  readonly destination: string;
  readonly type: string;
  readonly arn: string;
  readonly events: string;
  readonly consent: string;
  readonly mode: string;
  readonly scope: string;
  readonly property: string;
  readonly treatment: string;
}

/**
 * What a compliance review asks for, per destination: which events (and their outgoing names),
 * which consent, and how each property is treated: the mapping's rules, then the defaults that
 * apply to whatever the rules do not name.
 */
export function mappingReport(destinations: readonly DestinationSpec[]): MappingReportRow[] {
  return destinations.flatMap((d) => {
    const mapping: DataMapping = d.mapping ?? { mode: 'all' };
    const renames = Object.entries(mapping.events ?? {});
    const base = {
      destination: d.id,
      type: d.type,
      arn: destinationArn(d),
      events: d.events
        .map((name) => {
          const renamed = renames.find(([from]) => from.toLowerCase() === name.toLowerCase())?.[1];
          return renamed ? `${name} → ${renamed}` : name;
        })
        .join('; '),
      consent: d.requiredConsent?.join('; ') ?? 'none required',
      mode: mapping.mode === 'listed' ? 'only listed properties' : 'all properties not excluded',
    };
    const rows: MappingReportRow[] = [];
    // A rule covers its property's case and separator variants too (`visitor.Email`, `visitor.e-mail`).
    const ruleRows = (scope: string, rules: Record<string, PropertyRule>) => {
      for (const [property, rule] of Object.entries(rules))
        rows.push({ ...base, scope, property, treatment: describeRule(rule) });
    };
    ruleRows('every event', mapping.properties ?? {});
    for (const [event, rules] of Object.entries(mapping.overrides ?? {})) ruleRows(`event "${event}"`, rules);
    rows.push({
      ...base,
      scope: 'every event',
      property: 'visitor.visitor_id, event.distinct_id',
      treatment: 'sent unchanged (deduplication key)',
    });
    if (mapping.mode !== 'listed') {
      for (const [key, treatment] of Object.entries(PERSONAL_DATA_DEFAULTS)) {
        rows.push({
          ...base,
          scope: 'default, not named above',
          property: `any property named like "${key}"`,
          treatment: describeRule(treatment),
        });
      }
      rows.push(
        {
          ...base,
          scope: 'default, not named above',
          property: `any property whose last words are one of those names, maybe followed by a number or by ${[...NAME_QUALIFIERS].join(', ')} (billing_phone, shippingAddress, email_2)`,
          treatment: 'as that name',
        },
        {
          ...base,
          scope: 'default, not named above',
          property: 'any value shaped like an email address',
          treatment: describeRule('hash'),
        },
        {
          ...base,
          scope: 'default, not named above',
          property: 'email addresses and phone numbers inside any other string',
          treatment: 'each replaced in place by the SHA-256 of its normalised value',
        },
      );
      rows.push({
        ...base,
        scope: 'default, not named above',
        property: 'everything else',
        treatment: 'sent as is',
      });
    } else {
      rows.push({ ...base, scope: 'default', property: 'everything not listed', treatment: 'not sent' });
    }
    return rows;
  });
}

function describeRule(rule: PropertyRule): string {
  const { action, rename } = typeof rule === 'string' ? { action: rule, rename: undefined } : rule;
  const what = {
    keep: 'sent as is',
    hash: 'SHA-256 of the normalised value',
    hmac: "HMAC-SHA-256 with the workspace's key",
    redact: 'replaced by [redacted]',
    null: 'sent as null',
    drop: 'not sent',
    domain_only: 'email domain only',
  }[action];
  return rename ? `${what}, renamed ${rename}` : what;
}

/** CSV with every field quoted. */
export function toCsv(rows: readonly MappingReportRow[]): string {
  const header: (keyof MappingReportRow)[] = [
    'destination',
    'type',
    'arn',
    'events',
    'consent',
    'mode',
    'scope',
    'property',
    'treatment',
  ];
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  return [header.join(','), ...rows.map((row) => header.map((h) => quote(row[h])).join(','))].join('\n');
}
