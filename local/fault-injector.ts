import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import { seededRandom } from './test-events';

export type FaultKind =
  | 'throttle'
  | 'server-error'
  | 'timeout'
  | 'connection-reset'
  /** The service refuses the caller (403): permanent, dead-lettered at once. */
  | 'access-denied'
  | 'partial-batch';

export interface FaultOptions {
  /**
   * Share of delivery calls (SNS PublishBatch, Lambda Invoke, Kinesis PutRecords, EventBridge
   * PutEvents, SQS SendMessageBatch, S3 PutObject of oversize payloads) that fail.
   */
  readonly rate: number;
  /** Reproduces the same faults for the same sequence of calls. */
  readonly seed: number;
  /** How long a `timeout` fault holds the request before dropping it. @default 4000 ms */
  readonly timeoutMs?: number;
}

/**
 * A destination's calls all misbehave for a window of time from the start of the run: `slow`
 * answers after `delayMs`, any other kind fails each call that way.
 */
export type DestinationFault = { readonly destinationId: string; readonly seconds?: number } & (
  | { readonly kind: 'slow'; readonly delayMs: number }
  | { readonly kind: Exclude<FaultKind, 'partial-batch'> }
);

const WINDOW_FAULT_KINDS: readonly string[] = [
  'throttle',
  'server-error',
  'timeout',
  'connection-reset',
  'access-denied',
];

/**
 * Reads `--slow DEST=MS[:SECONDS]` or `--fail DEST=KIND[:SECONDS]`; SECONDS defaults to the
 * whole run. Throws a message naming the bad part.
 */
export function parseDestinationFault(option: 'slow' | 'fail', spec: string): DestinationFault {
  const match = /^((?:[A-Za-z0-9_-]{1,64}\/)?[A-Za-z0-9_-]{1,64})=([^:]+)(?::(\d+(?:\.\d+)?))?$/.exec(spec);
  if (!match)
    throw new Error(`--${option} takes DEST=${option === 'slow' ? 'MS' : 'KIND'}[:SECONDS], got "${spec}"`);
  const [, destinationId, value, seconds] = match;
  const window = seconds === undefined ? {} : { seconds: Number(seconds) };
  if (option === 'slow') {
    const delayMs = Number(value);
    if (!Number.isInteger(delayMs) || delayMs < 0)
      throw new Error(`--slow ${spec}: MS must be a whole number`);
    return { destinationId, kind: 'slow', delayMs, ...window };
  }
  if (!WINDOW_FAULT_KINDS.includes(value))
    throw new Error(`--fail ${spec}: KIND must be one of ${WINDOW_FAULT_KINDS.join(', ')}`);
  return { destinationId, kind: value as Exclude<FaultKind, 'partial-batch'>, ...window };
}

/** The window faults in force for a destination right now. */
export class DestinationFaults {
  /** When the windows began (epoch ms): a fault of `seconds` is over `seconds` after this. */
  readonly startedAt = Date.now();
  /** Calls each window fault affected, by destination. */
  readonly counts = new Map<string, number>();

  constructor(readonly faults: readonly DestinationFault[]) {}

  /** The fault for this destination's call now, counted; undefined when it behaves. */
  current(destinationId: string | undefined): DestinationFault | undefined {
    if (!destinationId) return undefined;
    const elapsedSeconds = (Date.now() - this.startedAt) / 1000;
    const fault = this.faults.find(
      (f) =>
        // A fault names `workspace/destination`, or a destination id in every workspace.
        (f.destinationId === destinationId || destinationId.endsWith(`/${f.destinationId}`)) &&
        (f.seconds === undefined || elapsedSeconds < f.seconds),
    );
    // Counted under the fault's own name, as `--slow`/`--fail` gave it.
    if (fault) this.counts.set(fault.destinationId, (this.counts.get(fault.destinationId) ?? 0) + 1);
    return fault;
  }
}

/** A fault to apply to one call, or nothing. */
export type Fault =
  | { kind: Exclude<FaultKind, 'partial-batch'> }
  | { kind: 'partial-batch'; failed: Set<string> };

/**
 * Decides, from a seeded random source, which delivery calls fail and how: throttling, 5xx,
 * timeouts, connection resets and partial PublishBatch failures, as AWS would answer them.
 */
export class FaultInjector {
  private readonly random: () => number;
  readonly counts: Record<FaultKind, number> = {
    throttle: 0,
    'server-error': 0,
    timeout: 0,
    'connection-reset': 0,
    // Only ever a window fault (--fail): the random faults are all retryable.
    'access-denied': 0,
    'partial-batch': 0,
  };

  constructor(readonly options: FaultOptions) {
    this.random = seededRandom(options.seed);
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /** For a call carrying `entryIds` (PublishBatch entries), or none (Invoke). */
  decide(entryIds: readonly string[] = []): Fault | undefined {
    if (this.random() >= this.options.rate) return undefined;
    const kinds: FaultKind[] = ['throttle', 'server-error', 'timeout', 'connection-reset'];
    if (entryIds.length > 1) kinds.push('partial-batch');
    const kind = kinds[Math.floor(this.random() * kinds.length)];
    this.counts[kind] += 1;
    if (kind !== 'partial-batch') return { kind };
    const failed = new Set(entryIds.filter(() => this.random() < 0.5));
    if (failed.size === 0) failed.add(entryIds[0]);
    return { kind, failed };
  }

  /** Answers a faulted call the way the service would; `partial-batch` is answered by the caller. */
  respond(
    fault: Fault,
    service: FaultedService,
    request: http.IncomingMessage,
    response: http.ServerResponse,
  ): Promise<void> {
    return answerWithFault(fault.kind, service, request, response, this.options.timeoutMs);
  }
}

/** Answers a call with a fault, the way the service would; `timeout` holds the call, then drops it. */
/** The services whose delivery calls faults are injected into. */
export type FaultedService = 'sns' | 'lambda' | 's3' | 'kinesis' | 'events' | 'sqs';

/** How the JSON-protocol services name throttling and their own failures. */
const JSON_ERRORS: Record<'kinesis' | 'events' | 'sqs', { throttle: string; server: string }> = {
  kinesis: { throttle: 'ProvisionedThroughputExceededException', server: 'InternalFailure' },
  events: { throttle: 'ThrottlingException', server: 'InternalException' },
  sqs: { throttle: 'ThrottlingException', server: 'InternalFailure' },
};

export async function answerWithFault(
  kind: Exclude<FaultKind, 'partial-batch'> | 'partial-batch',
  service: FaultedService,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  timeoutMs = 4000,
): Promise<void> {
  if (kind === 'connection-reset') return void request.socket.destroy();
  if (kind === 'timeout') {
    await new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
    return void request.socket.destroy();
  }
  if (kind === 'access-denied') return deny(service, response);
  const throttle = kind === 'throttle';
  if (service === 'kinesis' || service === 'events' || service === 'sqs') {
    const { throttle: throttled, server } = JSON_ERRORS[service];
    response.writeHead(throttle ? 400 : 500, { 'content-type': 'application/x-amz-json-1.1' });
    return void response.end(
      JSON.stringify({ __type: throttle ? throttled : server, message: `injected ${kind}` }),
    );
  }
  if (service === 'lambda') {
    const type = throttle ? 'TooManyRequestsException' : 'ServiceException';
    response.writeHead(throttle ? 429 : 500, {
      'content-type': 'application/json',
      'x-amzn-errortype': type,
    });
    return void response.end(
      JSON.stringify({ Type: throttle ? 'User' : 'Service', message: `injected ${kind}` }),
    );
  }
  if (service === 's3') {
    // S3 answers throttling with 503 SlowDown.
    response.writeHead(throttle ? 503 : 500, { 'content-type': 'application/xml' });
    return void response.end(
      `<Error><Code>${throttle ? 'SlowDown' : 'InternalError'}</Code><Message>injected ${kind}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
    );
  }
  const code = throttle ? 'Throttling' : 'InternalError';
  response.writeHead(throttle ? 400 : 500, { 'content-type': 'text/xml' });
  response.end(
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${throttle ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>injected ${kind}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

/** A 403 as each service words it: the dispatcher takes it for a permanent failure. */
function deny(service: FaultedService, response: http.ServerResponse): void {
  const message = 'injected access-denied';
  if (service === 'kinesis' || service === 'events' || service === 'sqs' || service === 'lambda') {
    response.writeHead(403, {
      'content-type': service === 'lambda' ? 'application/json' : 'application/x-amz-json-1.1',
      'x-amzn-errortype': 'AccessDeniedException',
    });
    return void response.end(JSON.stringify({ __type: 'AccessDeniedException', message }));
  }
  response.writeHead(403, { 'content-type': 'text/xml' });
  response.end(
    service === 's3'
      ? `<Error><Code>AccessDenied</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`
      : `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
  );
}

/** The entries of a PublishBatch form body, by member number. */
export function publishBatchEntries(form: URLSearchParams): Map<string, Map<string, string>> {
  const entries = new Map<string, Map<string, string>>();
  for (const [key, value] of form) {
    const match = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/.exec(key);
    if (!match) continue;
    const fields = entries.get(match[1]) ?? new Map<string, string>();
    fields.set(match[2], value);
    entries.set(match[1], fields);
  }
  return entries;
}

/** The same PublishBatch without the given entries (by their Id), members renumbered. */
export function withoutEntries(form: URLSearchParams, failedIds: ReadonlySet<string>): URLSearchParams {
  const kept = [...publishBatchEntries(form).values()].filter(
    (fields) => !failedIds.has(fields.get('Id') ?? ''),
  );
  const result = new URLSearchParams();
  for (const [key, value] of form)
    if (!key.startsWith('PublishBatchRequestEntries.')) result.append(key, value);
  kept.forEach((fields, i) => {
    for (const [field, value] of fields)
      result.append(`PublishBatchRequestEntries.member.${i + 1}.${field}`, value);
  });
  return result;
}

/** Adds failed entries to a PublishBatch response from the emulator. */
export function addFailedEntries(xml: string, failedIds: ReadonlySet<string>): string {
  const members = [...failedIds]
    .map(
      (id) =>
        `<member><Id>${id}</Id><Code>InternalError</Code><Message>injected partial failure</Message><SenderFault>false</SenderFault></member>`,
    )
    .join('');
  if (xml.includes('<Failed/>')) return xml.replace('<Failed/>', `<Failed>${members}</Failed>`);
  if (xml.includes('<Failed>')) return xml.replace('<Failed>', `<Failed>${members}`);
  return xml.replace('</PublishBatchResult>', `<Failed>${members}</Failed></PublishBatchResult>`);
}
