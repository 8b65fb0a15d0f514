import { route } from '../lambda/dispatcher/prepare/route';
import { consentAllows } from '../lambda/shared/consent';
import { type CompiledMapping, compileMapping, MappingLimitError } from '../lambda/shared/data-mapping';
import {
  type DestinationInput,
  type DestinationSpec,
  type DestinationType,
  parseDestinations,
} from '../lambda/shared/destination-config';
import { eventsOfBody } from '../lambda/shared/ingest-batch';
import type { DeliveredPayload, ParsedMessage } from '../lambda/shared/ingest-message';
import { type DeliveryLedger, eventKey, payloadDigest } from './ledger';

export interface DemoReport {
  /** Messages handed to the ingest queue, duplicates included. */
  sent: number;
  /** Events those messages carry (each event of a batched message), duplicates included. */
  events: number;
  unique: number;
  /** By `workspace/destination`: ids repeat across workspaces. */
  destinations: Record<
    string,
    {
      workspace: string;
      type: DestinationType;
      delivered: number;
      failed: number;
      duplicatesSkipped: number;
      /** Events too large for the destination, delivered as a pointer to the payload bucket. */
      offloaded: number;
      /** Sent to processed by this destination's consumer. */
      latencyMs: { p50: number; p99: number };
      /** Times the dispatcher's circuit breaker for this destination opened. */
      circuitOpenings: number;
      /** Events this destination did not get because the visitor had not consented to what it requires. */
      blockedByConsent: number;
    }
  >;
  consumer: { processed: number; duplicatesSkipped: number };
  deadLetters: { error_code: string; destination_id: string | null; count: number }[];
  /** Messages the ingest queue itself refused at send time: never inside the system. */
  rejectedAtSend: { code: string; count: number }[];
  unaccounted: number;
  /** Up to 10 events that are neither delivered nor dead-lettered, to investigate. */
  unaccountedSamples: string[];
  latencyMs: { p50: number; p99: number };
  fifoOrderViolations: number;
  /** On a FIFO ingest queue: records whose message group was not `workspace_id:…`. */
  fifoGroupsWithoutWorkspace?: number;
  /** Events a consumer scope processed more than once: the idempotency guarantee broken. */
  processedMoreThanOnce: number;
  /**
   * Events a destination's consumer processed whose content was not sent to that destination's
   * workspace: judged by content (ids repeat across workspaces). Must be 0.
   */
  crossWorkspaceDeliveries: number;
  /** Events a consumer processed whose content is not what its destination's mapping makes of any sent event. Must be 0. */
  unexpectedContent: number;
  faults?: { injected: number; byKind: Record<string, number>; retriesReceived: number };
  /** Destinations made slow or failing for a window (`--slow`, `--fail`), and the calls affected. */
  destinationFaults?: { destinationId: string; fault: string; seconds: number | null; calls: number }[];
  durationMs: number;
  verdict: string;
}

/** A dead letter as read back from a dead-letter queue. */
export interface DeadLetterRecord {
  readonly body: string;
  readonly errorCode: string;
  readonly destinationId?: string;
  readonly errorMessage?: string;
  /** The consumer scope of a consumer-side letter: `workspace/destination`. */
  readonly scope?: string;
  /** Where it was found: the platform's dead-letter queue, or a consumer-side one. */
  readonly source: 'platform' | 'consumer';
}

export interface ReportInput {
  /** Every body handed to the queue, in send order, duplicates included. */
  readonly sentBodies: readonly string[];
  readonly rejected: readonly { body: string; code: string }[];
  readonly firstSentAt: ReadonlyMap<string, number>;
  /** Each workspace with the destinations it published. */
  readonly workspaces: readonly { id: string; destinations: readonly DestinationInput[] }[];
  readonly ledger: DeliveryLedger;
  readonly deadLetters: readonly DeadLetterRecord[];
  readonly durationMs: number;
  /** Consumer scopes (`workspace/destination`) that should see each visitor's events in send order. */
  readonly orderedScopes: readonly string[];
  readonly faults?: DemoReport['faults'];
  /** On a FIFO ingest queue: records the dispatcher received with a group not scoped by workspace. */
  readonly fifoGroupsWithoutWorkspace?: number;
  /** Payloads in the payload bucket, by `workspace/destination`. */
  readonly offloaded: ReadonlyMap<string, number>;
  /** Workspaces' HMAC keys, for destinations whose mapping uses `hmac`. */
  readonly hmacKeys?: ReadonlyMap<string, Buffer>;
  /** Circuit breaker openings, by `workspace/destination`. */
  readonly circuitOpenings?: ReadonlyMap<string, number>;
  readonly destinationFaults?: DemoReport['destinationFaults'];
}

/**
 * Accounts for every event: each (event, destination it routes to) pair must be processed by
 * that destination's consumer or dead-lettered for it; an invalid message must be dead-lettered.
 */
export function buildReport(input: ReportInput): DemoReport {
  const workspaces = parseWorkspaces(input.workspaces);
  const { lettersByBody, consumerLetters } = indexDeadLetters(input.deadLetters);
  const mappings = compileMappings(workspaces, input.hmacKeys);
  const expectations = expectEvents(input, workspaces, mappings);
  const { unaccounted, unaccountedSamples, failedByScope } = accountForEvents(
    expectations.expected,
    lettersByBody,
    consumerLetters,
    input.ledger,
  );
  const { destinationReport, latencies, processedKeys } = reportDestinations(
    input,
    workspaces,
    expectations,
    failedByScope,
  );
  const { crossWorkspaceDeliveries, unexpectedContent } = judgeContent(input.ledger, expectations);
  const fifoOrderViolations = countOrderViolations(input, expectations.firstSent);
  const processedMoreThanOnce = countProcessedMoreThanOnce(input.ledger);
  const duplicatesSkipped = [...input.ledger.duplicatesSkipped.values()].reduce((a, b) => a + b, 0);
  const unique = expectations.expected.size;

  return {
    sent: input.sentBodies.length,
    events: expectations.eventsSent,
    unique,
    destinations: destinationReport,
    consumer: { processed: processedKeys.size, duplicatesSkipped },
    deadLetters: groupDeadLetters(input.deadLetters),
    rejectedAtSend: countRejected(input.rejected),
    unaccounted,
    unaccountedSamples,
    latencyMs: percentiles(latencies),
    fifoOrderViolations,
    ...(input.fifoGroupsWithoutWorkspace !== undefined && {
      fifoGroupsWithoutWorkspace: input.fifoGroupsWithoutWorkspace,
    }),
    processedMoreThanOnce,
    crossWorkspaceDeliveries,
    unexpectedContent,
    ...(input.faults && { faults: input.faults }),
    ...(input.destinationFaults && { destinationFaults: input.destinationFaults }),
    durationMs: input.durationMs,
    verdict: verdict(unique, {
      unaccounted,
      fifoOrderViolations,
      fifoGroupsWithoutWorkspace: input.fifoGroupsWithoutWorkspace,
      processedMoreThanOnce,
      crossWorkspaceDeliveries,
      unexpectedContent,
    }),
  };
}

/** Each workspace's destinations, parsed as the dispatcher parses them. */
function parseWorkspaces(workspaces: ReportInput['workspaces']): Map<string, DestinationSpec[]> {
  return new Map<string, DestinationSpec[]>(workspaces.map((w) => [w.id, parseDestinations(w.destinations)]));
}

/**
 * Platform dead letters by the body they carry; consumer-side ones by their event's key in
 * their scope, since a consumer letter holds the delivered payload, not the sent body.
 */
function indexDeadLetters(deadLetters: readonly DeadLetterRecord[]): {
  lettersByBody: Map<string, DeadLetterRecord[]>;
  consumerLetters: Set<string>;
} {
  const lettersByBody = new Map<string, DeadLetterRecord[]>();
  const consumerLetters = new Set<string>();
  for (const letter of deadLetters) {
    if (letter.source === 'platform') {
      lettersByBody.set(letter.body, [...(lettersByBody.get(letter.body) ?? []), letter]);
    } else {
      const payload = tryParse(letter.body) as {
        event?: { distinct_id?: string };
        visitor?: { visitor_id?: string };
      };
      if (letter.scope)
        consumerLetters.add(
          eventKey(letter.scope, String(payload?.visitor?.visitor_id), String(payload?.event?.distinct_id)),
        );
    }
  }
  return { lettersByBody, consumerLetters };
}

/** What each destination's consumer should see of each event: its mapping applied, by the same compiled code as the dispatcher. */
function compileMappings(
  workspaces: ReadonlyMap<string, DestinationSpec[]>,
  hmacKeys: ReportInput['hmacKeys'],
): Map<string, CompiledMapping> {
  return new Map<string, CompiledMapping>(
    [...workspaces].flatMap(([workspaceId, destinations]) =>
      destinations.map((d): [string, CompiledMapping] => [
        `${workspaceId}/${d.id}`,
        compileMapping(d.mapping, hmacKeys?.get(workspaceId)),
      ]),
    ),
  );
}

/**
 * Where a unique sent event must end up: its consumer scopes, or (`scopes` null) a dead letter
 * carrying `body` (an event's own body: a batched message's event is dead-lettered alone).
 */
interface ExpectedEvent {
  readonly body: string;
  readonly scopes: string[] | null;
  readonly sent?: SentEvent;
}

/** What the sent messages lead the report to expect of the consumers and dead-letter queues. */
interface Expectations {
  /**
   * By `sentKey`, or `invalid\n<body>` for a message that must be dead-lettered (an invalid event
   * of a batched message: `invalid\n<message body>\n<index>`).
   */
  readonly expected: Map<string, ExpectedEvent>;
  /** Events in the sent messages, duplicates included. */
  eventsSent: number;
  /** Keys are workspace-scoped (`sentKey`): the same visitor and event ids may be another workspace's event. */
  readonly firstSent: Map<string, SentEvent>;
  /** Digests of the content each consumer scope should see. */
  readonly contentByScope: Map<string, Set<string>>;
  /** Events each destination must not get, for want of consent (counted once per event). */
  readonly blockedByScope: Map<string, number>;
  /** The workspaces whose events any of their destinations' mappings would turn into a digest's content. */
  readonly workspacesByContent: Map<string, Set<string>>;
}

/**
 * Routes each event of each unique sent body as the dispatcher would (every event of a batched
 * message apart), recording what should come of it.
 */
function expectEvents(
  input: ReportInput,
  workspaces: ReadonlyMap<string, DestinationSpec[]>,
  mappings: ReadonlyMap<string, CompiledMapping>,
): Expectations {
  const rejectedBodies = new Set(input.rejected.map((r) => r.body));
  const expectations: Expectations = {
    expected: new Map(),
    eventsSent: 0,
    firstSent: new Map(),
    contentByScope: new Map(),
    blockedByScope: new Map(),
    workspacesByContent: new Map(),
  };
  const eventsOf = new Map<string, ReturnType<typeof eventsOfBody>>();
  for (const message of input.sentBodies) {
    const events = eventsOf.get(message) ?? eventsOfBody(message);
    eventsOf.set(message, events);
    expectations.eventsSent += events.events.length;
  }
  const { expected } = expectations;
  const previousKeys = new Set<string>();
  // Each event's place in the stream, for order: a batch's events share their message's send time.
  let sequence = 0;
  for (const [message, { batched, events }] of eventsOf) {
    if (rejectedBodies.has(message) && !input.firstSentAt.has(message)) continue;
    const sentAt = input.firstSentAt.get(message) ?? Date.now();
    for (const [index, { body, message: parsed }] of events.entries()) {
      sequence += 1;
      const destinations = parsed.ok ? workspaces.get(parsed.workspaceId) : undefined;
      if (!parsed.ok || !destinations) {
        // Invalid, or of a workspace that does not exist: must be dead-lettered, with its own body.
        expected.set(batched ? `invalid\n${message}\n${index}` : `invalid\n${body}`, { body, scopes: null });
        continue;
      }
      expectEvent(expectations, mappings, previousKeys, { body, parsed, destinations, sentAt, sequence });
    }
  }
  return expectations;
}

/** What should come of one valid event of an existing workspace: its scopes, its content, its consent. */
function expectEvent(
  expectations: Expectations,
  mappings: ReadonlyMap<string, CompiledMapping>,
  previousKeys: Set<string>,
  event: {
    body: string;
    parsed: Extract<ParsedMessage, { ok: true }>;
    destinations: DestinationSpec[];
    sentAt: number;
    sequence: number;
  },
): void {
  const { expected, firstSent } = expectations;
  const { body, parsed, destinations, sentAt, sequence } = event;
  const { workspaceId } = parsed;
  const { visitor_id: visitorId } = parsed.payload.visitor;
  const { distinct_id: distinctId } = parsed.payload.event;
  const key = sentKey(workspaceId, visitorId, distinctId);
  const previousSent = firstSent.get(key);
  const sent = {
    workspaceId,
    visitorId,
    distinctId,
    at: Math.min(previousSent?.at ?? sentAt, sentAt),
    sequence: previousSent?.sequence ?? sequence,
  };
  firstSent.set(key, sent);
  const resolved = destinations.map((d) => ({ ...d, workspaceId }));
  const routed = route(parsed.payload.event.event, parsed.destinations, resolved);
  const consented = routed.ok
    ? routed.destinations.filter((d) => consentAllows(parsed.consent, d.requiredConsent))
    : [];
  if (routed.ok && !previousKeys.has(key))
    countBlockedByConsent(expectations.blockedByScope, workspaceId, routed.destinations, consented);
  previousKeys.add(key);
  const scopes = routed.ok ? consented.map((d) => `${workspaceId}/${d.id}`) : null;
  recordExpectedContent(expectations, mappings, workspaceId, destinations, parsed.payload, scopes);
  const previous = expected.get(key);
  expected.set(key, { body: previous?.body ?? body, scopes, sent });
}

/** Counts, per scope, the routed destinations the visitor's consent keeps the event from. */
function countBlockedByConsent(
  blockedByScope: Map<string, number>,
  workspaceId: string,
  routed: readonly { id: string }[],
  consented: readonly { id: string }[],
): void {
  for (const d of routed) {
    if (consented.includes(d)) continue;
    const scope = `${workspaceId}/${d.id}`;
    blockedByScope.set(scope, (blockedByScope.get(scope) ?? 0) + 1);
  }
}

/** What each destination it goes to should receive; what any destination of its workspace would. */
function recordExpectedContent(
  { contentByScope, workspacesByContent }: Expectations,
  mappings: ReadonlyMap<string, CompiledMapping>,
  workspaceId: string,
  destinations: readonly DestinationSpec[],
  payload: DeliveredPayload,
  scopes: readonly string[] | null,
): void {
  for (const destination of destinations) {
    const scope = `${workspaceId}/${destination.id}`;
    const mapped = mappedOrLimited(mappings.get(scope) as CompiledMapping, payload);
    // Past the mapping's limits: dead-lettered for this destination, so there is no content to expect.
    if (!mapped) continue;
    const digest = payloadDigest(mapped);
    if (scopes?.includes(scope))
      contentByScope.set(scope, (contentByScope.get(scope) ?? new Set<string>()).add(digest));
    workspacesByContent.set(digest, (workspacesByContent.get(digest) ?? new Set<string>()).add(workspaceId));
  }
}

/**
 * Each expected event must be processed in, or dead-lettered for, every scope it goes to; an
 * invalid one must be dead-lettered. Also counts, per scope, the events that failed there.
 */
function accountForEvents(
  expected: ReadonlyMap<string, ExpectedEvent>,
  lettersByBody: ReadonlyMap<string, DeadLetterRecord[]>,
  consumerLetters: ReadonlySet<string>,
  ledger: DeliveryLedger,
): { unaccounted: number; unaccountedSamples: string[]; failedByScope: Map<string, number> } {
  const unaccountedSamples: string[] = [];
  const failedByScope = new Map<string, number>();
  let unaccounted = 0;
  for (const [key, { body, scopes, sent }] of expected) {
    const letters = lettersByBody.get(body) ?? [];
    let accounted: boolean;
    if (scopes === null || !sent) {
      accounted = letters.length > 0;
    } else {
      accounted = scopes.every((scope) => {
        const keyInScope = eventKey(scope, sent.visitorId, sent.distinctId);
        if (ledger.processedIn(scope).has(keyInScope)) return true;
        const destinationId = scope.slice(scope.indexOf('/') + 1);
        const failed =
          letters.some((l) => l.destinationId === destinationId) || consumerLetters.has(keyInScope);
        if (failed) failedByScope.set(scope, (failedByScope.get(scope) ?? 0) + 1);
        return failed;
      });
    }
    if (!accounted) {
      unaccounted += 1;
      if (unaccountedSamples.length < 10) unaccountedSamples.push(key.replaceAll('\n', ' / ').slice(0, 200));
    }
  }
  return { unaccounted, unaccountedSamples, failedByScope };
}

/** Per destination, what its consumer processed of its workspace's events and how fast; also all latencies and the events processed anywhere. */
function reportDestinations(
  input: ReportInput,
  workspaces: ReadonlyMap<string, DestinationSpec[]>,
  { firstSent, blockedByScope }: Expectations,
  failedByScope: ReadonlyMap<string, number>,
): { destinationReport: DemoReport['destinations']; latencies: number[]; processedKeys: Set<string> } {
  const latencies: number[] = [];
  const processedKeys = new Set<string>();
  const destinationReport: DemoReport['destinations'] = {};
  const sentByWorkspace = groupByWorkspace(firstSent);
  for (const [workspaceId, destinations] of workspaces) {
    for (const destination of destinations) {
      const scope = `${workspaceId}/${destination.id}`;
      const destinationLatencies: number[] = [];
      const processed = input.ledger.processedIn(scope);
      for (const [key, sent] of sentByWorkspace.get(workspaceId) ?? []) {
        const at = processed.get(eventKey(scope, sent.visitorId, sent.distinctId));
        if (at === undefined) continue;
        processedKeys.add(key);
        destinationLatencies.push(at - sent.at);
      }
      latencies.push(...destinationLatencies);
      destinationReport[scope] = {
        workspace: workspaceId,
        type: destination.type,
        delivered: destinationLatencies.length,
        failed: failedByScope.get(scope) ?? 0,
        duplicatesSkipped: input.ledger.duplicatesSkipped.get(scope) ?? 0,
        offloaded: input.offloaded.get(scope) ?? 0,
        latencyMs: percentiles(destinationLatencies),
        circuitOpenings: input.circuitOpenings?.get(scope) ?? 0,
        blockedByConsent: blockedByScope.get(scope) ?? 0,
      };
    }
  }
  return { destinationReport, latencies, processedKeys };
}

/** Sent events by workspace, so each destination looks only at its own workspace's events. */
function groupByWorkspace(firstSent: ReadonlyMap<string, SentEvent>): Map<string, [string, SentEvent][]> {
  const sentByWorkspace = new Map<string, [string, SentEvent][]>();
  for (const entry of firstSent) {
    const events = sentByWorkspace.get(entry[1].workspaceId) ?? [];
    events.push(entry);
    sentByWorkspace.set(entry[1].workspaceId, events);
  }
  return sentByWorkspace;
}

/**
 * Judged by content: whatever a consumer processed must be an event of its own workspace, as
 * its destination's mapping shapes it.
 */
function judgeContent(
  ledger: DeliveryLedger,
  { contentByScope, workspacesByContent }: Expectations,
): { crossWorkspaceDeliveries: number; unexpectedContent: number } {
  let crossWorkspaceDeliveries = 0;
  let unexpectedContent = 0;
  for (const [scope, digests] of ledger.digests) {
    const workspaceId = scope.slice(0, scope.indexOf('/'));
    const own = contentByScope.get(scope) ?? new Set<string>();
    for (const digest of digests.values()) {
      if (own.has(digest)) continue;
      const others = [...(workspacesByContent.get(digest) ?? [])].filter((w) => w !== workspaceId);
      if (others.length > 0) crossWorkspaceDeliveries += 1;
      else unexpectedContent += 1;
    }
  }
  return { crossWorkspaceDeliveries, unexpectedContent };
}

/** Dead letters counted by error code and destination, most frequent first. */
function groupDeadLetters(deadLetters: readonly DeadLetterRecord[]): DemoReport['deadLetters'] {
  const groups = new Map<string, { error_code: string; destination_id: string | null; count: number }>();
  for (const letter of deadLetters) {
    const id = `${letter.errorCode}\n${letter.destinationId ?? ''}`;
    const group = groups.get(id) ?? {
      error_code: letter.errorCode,
      destination_id: letter.destinationId ?? null,
      count: 0,
    };
    group.count += 1;
    groups.set(id, group);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

/** Messages refused at send time, counted by code in the order codes first appeared. */
function countRejected(rejected: ReportInput['rejected']): DemoReport['rejectedAtSend'] {
  const rejectedCounts = new Map<string, number>();
  for (const { code } of rejected) rejectedCounts.set(code, (rejectedCounts.get(code) ?? 0) + 1);
  return [...rejectedCounts].map(([code, count]) => ({ code, count }));
}

/** Repeats in a consumer scope's processing order: each is an event processed again. */
function countProcessedMoreThanOnce(ledger: DeliveryLedger): number {
  let processedMoreThanOnce = 0;
  for (const byVisitor of ledger.orderByVisitor.values()) {
    for (const distinctIds of byVisitor.values()) {
      processedMoreThanOnce += distinctIds.length - new Set(distinctIds).size;
    }
  }
  return processedMoreThanOnce;
}

/** PASS only when every check is clean; otherwise FAIL with each count. */
function verdict(
  unique: number,
  checks: Pick<
    DemoReport,
    | 'unaccounted'
    | 'fifoOrderViolations'
    | 'fifoGroupsWithoutWorkspace'
    | 'processedMoreThanOnce'
    | 'crossWorkspaceDeliveries'
    | 'unexpectedContent'
  >,
): string {
  const {
    unaccounted,
    fifoOrderViolations,
    fifoGroupsWithoutWorkspace,
    processedMoreThanOnce,
    crossWorkspaceDeliveries,
    unexpectedContent,
  } = checks;
  return unaccounted === 0 &&
    fifoOrderViolations === 0 &&
    !fifoGroupsWithoutWorkspace &&
    processedMoreThanOnce === 0 &&
    crossWorkspaceDeliveries === 0 &&
    unexpectedContent === 0
    ? `PASS: all ${unique} unique events delivered or dead-lettered with a reason, each processed once, none outside its workspace`
    : `FAIL: ${unaccounted} events unaccounted for, ${fifoOrderViolations} FIFO order violations, ${fifoGroupsWithoutWorkspace ?? 0} FIFO message groups without their workspace, ${processedMoreThanOnce} processed more than once, ${crossWorkspaceDeliveries} delivered to another workspace, ${unexpectedContent} not as their destination's mapping shapes them`;
}

/** An event as first sent to its workspace, whichever destinations it routes to. */
interface SentEvent {
  readonly workspaceId: string;
  readonly visitorId: string;
  readonly distinctId: string;
  /** When it was first sent (ms). */
  readonly at: number;
  /** Its place in the stream as first sent: within a batched message, events share `at`. */
  readonly sequence: number;
}

/**
 * An event as sent, before routing: ids repeat across workspaces. A JSON array, like the
 * consumers' keys (`eventKey`), so no id can shift the border between parts.
 */
const sentKey = (workspaceId: string, visitorId: string, distinctId: string): string =>
  JSON.stringify([workspaceId, visitorId, distinctId]);

/** p50 and p99 of a list of latencies, in ms; 0 when there are none. */
function percentiles(values: readonly number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { p50: at(50), p99: at(99) };
}

/** On ordered destinations, each visitor's events must reach the consumer in the order they were sent. */
function countOrderViolations(input: ReportInput, firstSent: ReadonlyMap<string, SentEvent>): number {
  let violations = 0;
  for (const scope of input.orderedScopes) {
    const workspaceId = scope.slice(0, scope.indexOf('/'));
    for (const [visitor, distinctIds] of input.ledger.orderByVisitor.get(scope) ?? []) {
      let last = -1;
      for (const distinctId of distinctIds) {
        const sequence = firstSent.get(sentKey(workspaceId, visitor, distinctId))?.sequence ?? -1;
        if (sequence < last) violations += 1;
        last = Math.max(last, sequence);
      }
    }
  }
  return violations;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Columns wide enough for `workspace-NN/customer-queue-fifo` and `eventbridge`. */
const ID_WIDTH = 34;
const TYPE_WIDTH = 11;

/** The report for people: a table per destination, the dead letters, and the verdict. */
export function formatReport(report: DemoReport): string {
  const lines = [
    '',
    `Sent ${report.sent} messages carrying ${report.events} events (${report.unique} unique events) in ${(report.durationMs / 1000).toFixed(1)} s`,
    '',
    `${'destination'.padEnd(ID_WIDTH)} ${'type'.padEnd(TYPE_WIDTH)} delivered  failed  duplicates skipped  offloaded  p50 ms  p99 ms  circuit opened  no consent`,
    ...Object.entries(report.destinations).map(
      ([id, d]) =>
        `${id.padEnd(ID_WIDTH)} ${d.type.padEnd(TYPE_WIDTH)} ${String(d.delivered).padStart(9)} ${String(d.failed).padStart(7)} ${String(d.duplicatesSkipped).padStart(19)} ${String(d.offloaded).padStart(10)} ${String(d.latencyMs.p50).padStart(7)} ${String(d.latencyMs.p99).padStart(7)} ${String(d.circuitOpenings).padStart(15)} ${String(d.blockedByConsent).padStart(11)}`,
    ),
    '',
    `consumer: ${report.consumer.processed} unique events processed, ${report.consumer.duplicatesSkipped} duplicate deliveries skipped`,
    `latency (sent → processed): p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms`,
    `FIFO order violations: ${report.fifoOrderViolations}${report.fifoGroupsWithoutWorkspace === undefined ? '' : ` (message groups without their workspace: ${report.fifoGroupsWithoutWorkspace})`}; processed more than once: ${report.processedMoreThanOnce}; delivered to another workspace: ${report.crossWorkspaceDeliveries}; not as mapped: ${report.unexpectedContent}`,
  ];
  if (report.faults) {
    const kinds = Object.entries(report.faults.byKind)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');
    lines.push(
      `faults injected: ${report.faults.injected} (${kinds}); retry messages: ${report.faults.retriesReceived}`,
    );
  }
  for (const f of report.destinationFaults ?? []) {
    lines.push(
      `window fault: ${f.destinationId} ${f.fault} ${f.seconds === null ? 'for the whole run' : `for the first ${f.seconds} s`} (${f.calls} calls affected)`,
    );
  }
  if (report.deadLetters.length > 0) {
    lines.push('', 'dead letters:');
    for (const d of report.deadLetters)
      lines.push(
        `  ${String(d.count).padStart(5)}  ${d.error_code}${d.destination_id ? ` (${d.destination_id})` : ''}`,
      );
  }
  if (report.rejectedAtSend.length > 0) {
    lines.push('', 'refused by the ingest queue at send time:');
    for (const r of report.rejectedAtSend) lines.push(`  ${String(r.count).padStart(5)}  ${r.code}`);
  }
  lines.push('', `unaccounted: ${report.unaccounted}`);
  if (report.unaccountedSamples.length > 0) lines.push(...report.unaccountedSamples.map((s) => `  - ${s}`));
  lines.push('', report.verdict, '');
  return lines.join('\n');
}

/** The payload as a mapping shapes it, or undefined when the event passes the mapping's limits. */
function mappedOrLimited(mapping: CompiledMapping, payload: DeliveredPayload): DeliveredPayload | undefined {
  try {
    return mapping.apply(payload);
  } catch (error) {
    if (error instanceof MappingLimitError) return undefined;
    throw error;
  }
}
