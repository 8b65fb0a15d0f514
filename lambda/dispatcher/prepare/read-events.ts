import type { SQSRecord } from 'aws-lambda';
import { eventsOfBody } from '../../shared/ingest-batch';
import { type ParsedMessage, parseIngestMessage } from '../../shared/ingest-message';
import {
  REDRIVEN_AT_ATTRIBUTE,
  RETRY_ATTEMPT_ATTRIBUTE,
  readAttempt,
  readMappingVersion,
} from '../settle/retry';
import { readRetryBundle } from '../settle/retry-bundle';
import type { MappingPins } from './mapping-pins';
import { readTargetDestinations } from './route';

/** One event of the batch as it came in (a record, or one event of a retry bundle), its message parsed. */
export interface IncomingEvent {
  readonly record: SQSRecord;
  readonly eventId: string;
  readonly body: string;
  readonly message: ParsedMessage;
  readonly attempts: number;
  readonly firstAttemptAt: number;
  /** The mapping version a retry keeps: only one the dispatcher pinned (see `MappingPins`). */
  readonly mappingVersion: number | undefined;
  readonly mappingPin: string | undefined;
  readonly redriven: boolean;
  /** Only a FIFO ingest queue's group orders its messages. */
  readonly messageGroupId: string | undefined;
  /** The destinations a retry or redrive is still going to. */
  readonly targets: string[] | undefined;
  /**
   * One of several events a producer batched in one message: on a FIFO ingest queue it keeps
   * order with its visitor's events in the message group, not with every event of the group.
   */
  readonly batched: boolean;
}

/**
 * Stage 1: the batch's events, in queue order, each parsed against the ingest schema. A record
 * is one event, or several: a producer's batched message (each event with the batch's
 * workspace) or a retry bundle (each event with its own attempt count).
 */
export function readEvents(records: readonly SQSRecord[], pins: MappingPins | undefined): IncomingEvent[] {
  return readEventsWithin(records, pins, Number.POSITIVE_INFINITY).events;
}

/**
 * `readEvents` up to `maxEvents` events (producers' batched messages carry up to 1,000 each): the
 * records that would take the batch past them are left unread, `deferred`, for the batch to send
 * back. Records are read a workspace's turn at a time (their message group on a standard queue,
 * the workspace by convention, for SQS fair queues), so one workspace's large batches defer its
 * own records, not its neighbours'; a workspace's records keep their order. The first record read
 * is always kept, so a batch always makes progress.
 */
export function readEventsWithin(
  records: readonly SQSRecord[],
  pins: MappingPins | undefined,
  maxEvents: number,
): { events: IncomingEvent[]; deferred: SQSRecord[] } {
  // Plain loops, and objects of one shape: this runs for every event, so it stays cheap.
  const events: IncomingEvent[] = [];
  if (maxEvents === Number.POSITIVE_INFINITY) {
    for (const record of records) eventsOf(record, events, pins);
    return { events, deferred: [] };
  }
  const deferred: SQSRecord[] = [];
  for (const record of inTurnsByGroup(records)) {
    const before = events.length;
    if (before >= maxEvents) {
      deferred.push(record);
      continue;
    }
    eventsOf(record, events, pins);
    if (events.length > maxEvents && before > 0) {
      events.length = before;
      deferred.push(record);
    }
  }
  return { events, deferred };
}

/** Records in turns: each message group's first record, then each one's second, and so on. */
function inTurnsByGroup(records: readonly SQSRecord[]): SQSRecord[] {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const group = record.attributes.MessageGroupId ?? `record:${record.messageId}`;
    const list = groups.get(group);
    if (list) list.push(record);
    else groups.set(group, [record]);
  }
  const ordered: SQSRecord[] = [];
  for (let turn = 0; ordered.length < records.length; turn++) {
    for (const list of groups.values()) if (turn < list.length) ordered.push(list[turn]);
  }
  return ordered;
}

function eventsOf(record: SQSRecord, events: IncomingEvent[], pins: MappingPins | undefined): void {
  const attributes = record.messageAttributes ?? {};
  const { attempt, firstAttemptAt } = readAttempt(record);
  const redriven = Boolean(attributes[REDRIVEN_AT_ATTRIBUTE]);
  // On a standard queue a group id is there for SQS fair queues (tenants), and orders nothing.
  const messageGroupId = record.eventSourceARN.endsWith('.fifo')
    ? record.attributes.MessageGroupId
    : undefined;
  const targets = readTargetDestinations(attributes);
  // A pin names one destination: only a retry or redrive to it alone keeps a mapping version.
  const trusted = (version: number | undefined, pin: string | undefined, body: string) =>
    version !== undefined && targets?.length === 1 && pins?.verify(pin, targets[0], version, body)
      ? { mappingVersion: version, mappingPin: pin }
      : { mappingVersion: undefined, mappingPin: undefined };
  const bundled = readRetryBundle(record.body);
  if (!bundled) {
    const carried = readMappingVersion(attributes);
    const { batched, events: bodyEvents } = eventsOfBody(record.body);
    bodyEvents.forEach(({ body, message }, index) => {
      events.push({
        record,
        eventId: batched ? `${record.messageId}:${index}` : record.messageId,
        body,
        message,
        attempts: attempt,
        firstAttemptAt,
        // A pin is for one event's body: a batch's events, retried, carry their own.
        ...trusted(carried?.version, carried?.pin, body),
        redriven,
        messageGroupId,
        targets,
        batched,
      });
    });
    return;
  }
  // `attempt` counts this message's own receives on top of the retry attempt it carries.
  const redeliveries = attempt - (Number(attributes[RETRY_ATTEMPT_ATTRIBUTE]?.stringValue) || 1);
  bundled.forEach((event, index) => {
    events.push({
      record,
      eventId: `${record.messageId}:${index}`,
      body: event.body,
      message: parseIngestMessage(event.body),
      attempts: event.attempt + Math.max(0, redeliveries),
      firstAttemptAt: event.first_attempt_at,
      ...trusted(event.mapping_version, event.mapping_pin, event.body),
      redriven,
      messageGroupId,
      targets,
      batched: false,
    });
  });
}
