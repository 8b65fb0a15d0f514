import type { Destination } from '../shared/destination-config';
import type { DeliveredPayload } from '../shared/ingest-message';
import type { DeliveryResult } from './errors';

/** An ingest record that passed validation and routing. */
export interface AcceptedRecord {
  /** The SQS message it came in: what a batch item failure names. */
  readonly messageId: string;
  /** This event within its message: the message id, or `id:n` for the n-th event of a retry bundle. */
  readonly eventId: string;
  /** The event's original ingest message body. */
  readonly body: string;
  /** This delivery attempt's number, counting earlier retries. */
  readonly attempts: number;
  readonly firstAttemptAt: number;
  /** The workspace the event belongs to: it reaches only this workspace's destinations. */
  readonly workspaceId: string;
  /** Its `distinct_id` as logs name it, computed once (see `distinctIdHash`). */
  readonly distinctIdHash: string;
  /** Its message group on a FIFO ingest queue: the group keeps its order across destinations. */
  readonly messageGroupId?: string;
  /** One of a producer's batched events: within its message group, ordered with its visitor's only. */
  readonly batched?: boolean;
  /** The event as it came in, before any destination's mapping. */
  readonly payload: DeliveredPayload;
}

/** One event to one destination. */
export interface Delivery {
  readonly record: AcceptedRecord;
  readonly destination: Destination;
  /** Deliveries sharing an order key go out one after another, in queue order. */
  readonly orderKey?: string;
  /** On a FIFO ingest queue, the position of its record in its message group; else 0. */
  wave: number;
  /** The event as this destination's mapping shapes it. */
  readonly payload: DeliveredPayload;
  /** What is sent: the mapped payload's JSON, or the pointer envelope once the payload is offloaded. */
  message: string;
  /** Set when `message` became the pointer envelope: the payload went to the payload bucket. */
  offloaded?: boolean;
  /** The workspace version whose mapping shaped it: its retries keep it. */
  readonly mappingVersion: number;
  /** Set once, by whatever decides the delivery's outcome first. */
  result?: DeliveryResult;
}
