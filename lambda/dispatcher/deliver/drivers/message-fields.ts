import { hash } from 'node:crypto';
import type { Destination } from '../../../shared/destination-config';
import { eventIdentityOf, hashEventIdentity } from '../../../shared/event-identity';
import type { DeliveredPayload } from '../../../shared/ingest-message';
import { utf8Bytes } from '../../batching';

/**
 * What SNS and SQS messages carry besides the body, shared by both drivers: the same message
 * attributes, and on FIFO topics and queues the same group and deduplication ids.
 */

/** FIFO message group ids (SNS and SQS): 1–128 printable ASCII characters. */
const VALID_GROUP_ID = /^[\x21-\x7e]{1,128}$/;

/** The message group for a visitor: the visitor id itself when the service accepts it, else a stable hash of it. */
export function messageGroupId(visitorId: string): string {
  return VALID_GROUP_ID.test(visitorId) ? visitorId : `sha256-${sha256(visitorId)}`;
}

/**
 * Same destination and event give the same id, so a FIFO topic or queue drops re-sends within
 * its 5-minute window; anything a consumer keeps apart gets another id (workspace, destination,
 * `visitor_id` and `distinct_id`, unambiguously encoded: see `EventIdentity`). Without the
 * visitor, two visitors' events sharing a `distinct_id` would be taken for one and one dropped.
 */
export function messageDeduplicationId(
  destination: Pick<Destination, 'workspaceId' | 'id'>,
  payload: Pick<DeliveredPayload, 'visitor' | 'event'>,
): string;
/**
 * @deprecated Not the id the dispatcher sends (it names no visitor): kept for the benchmark's
 * bare SDK loop, which only needs the hashing cost. Pass the destination and payload instead.
 */
export function messageDeduplicationId(destinationKey: string, distinctId: string): string;
export function messageDeduplicationId(
  destination: Pick<Destination, 'workspaceId' | 'id'> | string,
  payload: Pick<DeliveredPayload, 'visitor' | 'event'> | string,
): string {
  if (typeof destination === 'string' || typeof payload === 'string')
    return sha256(JSON.stringify([destination, payload]));
  return hashEventIdentity(eventIdentityOf(destination, payload));
}

/** A message attribute as SNS and SQS take it. */
export interface StringAttribute {
  DataType: string;
  StringValue: string;
}

/**
 * The attributes a subscriber or consumer filters on. Attributes are not covered by SNS or SQS
 * encryption: ids and the event name only, never personal data.
 */
export const eventAttributes = (payload: DeliveredPayload): Record<string, StringAttribute> => ({
  event_name: { DataType: 'String', StringValue: payload.event.event },
  distinct_id: { DataType: 'String', StringValue: payload.event.distinct_id },
});

/** SNS and SQS count the body and every attribute's name, type and value against the size limit. */
export function messageSize(
  body: string,
  attributes: Record<string, { DataType?: string; StringValue?: string }> = {},
): number {
  let bytes = utf8Bytes(body);
  for (const name in attributes) {
    const { DataType = '', StringValue = '' } = attributes[name];
    bytes += utf8Bytes(name) + utf8Bytes(DataType) + utf8Bytes(StringValue);
  }
  return bytes;
}

export function sha256(text: string): string {
  return hash('sha256', text);
}
