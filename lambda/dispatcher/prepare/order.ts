import type { Destination } from '../../shared/destination-config';
import { driverOf } from '../deliver/drivers';
import type { AcceptedRecord, Delivery } from '../delivery';

/**
 * Which deliveries must keep queue order. On a FIFO ingest queue, a message group's records
 * keep their order across all destinations (SQS requires it of partial batch responses); on a
 * standard queue, only what the destination's driver orders (a FIFO topic's visitor, say).
 * A producer's batched events share their message's group whatever their visitor, so they keep
 * order with their visitor's events of the group: one visitor's chain, not the whole group's,
 * is what a batch waits for. (When one fails, its record is redelivered whole; a visitor that was
 * delivered gets earlier events again, which consumers deduplicate, never out of order.)
 */
export function orderKeyOf(record: AcceptedRecord, destination: Destination): string | undefined {
  if (record.messageGroupId) {
    const group = groupKey(record.workspaceId, record.messageGroupId);
    return record.batched ? `${group}\u0000visitor:${record.payload.visitor.visitor_id}` : group;
  }
  return driverOf(destination).orderKey(destination, record.payload);
}

/**
 * A FIFO ingest queue's message group, within its workspace: a producer's group ids (or another
 * workspace's using the same ones) never tie two workspaces' events together. Workspace ids hold
 * no `:`, so the key is unambiguous.
 */
export const groupKey = (workspaceId: string, messageGroupId: string): string =>
  `group:${workspaceId}:${messageGroupId}`;

/**
 * On a FIFO ingest queue, the n-th record of a message group goes in wave n, across all
 * destinations. Other deliveries all go in wave 0: a FIFO topic orders its visitors' events
 * within its own calls.
 */
export function assignWaves(deliveries: Delivery[]): void {
  const recordsByKey = new Map<string, string[]>();
  for (const delivery of deliveries) {
    if (!delivery.orderKey || !delivery.record.messageGroupId) continue;
    const ids = recordsByKey.get(delivery.orderKey) ?? [];
    if (ids.at(-1) !== delivery.record.eventId) ids.push(delivery.record.eventId);
    recordsByKey.set(delivery.orderKey, ids);
    delivery.wave = ids.length - 1;
  }
}
