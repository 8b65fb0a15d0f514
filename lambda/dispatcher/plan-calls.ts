import type { Destination } from '../shared/destination-config';
import type { DeliveryClients } from './clients';
import { invokeFunction } from './deliver-lambda';
import { type PlannedEntry, planTopicBatches, publishBatch } from './deliver-sns';
import type { Delivery } from './delivery';
import type { DeliveryResult } from './errors';

/** One API call to one destination, carrying one or more deliveries. */
export interface DeliveryCall {
  readonly destination: Destination;
  readonly deliveries: readonly Delivery[];
  /** The calls (by index in the plan) that must have answered before this one starts. */
  readonly after: readonly number[];
  /** Makes the call for those of its deliveries still to send; a result per one sent, in order. */
  send(abortSignal: AbortSignal, deliveries: readonly Delivery[]): Promise<DeliveryResult[]>;
}

/**
 * Plans the calls for deliveries to one destination: PublishBatch calls of up to 10 events per
 * topic (a visitor's events on a FIFO topic in successive calls), an Invoke per event per
 * function. Deliveries that can never be sent (too large) get their result here and no call.
 */
export function planCalls(
  destination: Destination,
  deliveries: readonly Delivery[],
  clients: DeliveryClients,
): DeliveryCall[] {
  if (destination.type === 'lambda') {
    return deliveries.map((delivery) => ({
      destination,
      deliveries: [delivery],
      after: [],
      send: async (signal) => [
        await invokeFunction(clients.lambda(destination), destination, delivery.message, signal),
      ],
    }));
  }
  const plan = planTopicBatches(
    destination,
    deliveries.map((d) => ({ payload: d.payload, message: d.message, orderKey: d.orderKey })),
  );
  for (const { index, result } of plan.rejected) deliveries[index].result = result;
  return plan.batches.map((batch, position) => {
    const entryOf = new Map(batch.map((planned) => [deliveries[planned.index], planned]));
    return {
      destination,
      deliveries: [...entryOf.keys()],
      after: plan.after[position],
      send: (signal, toSend) =>
        publishBatch(
          clients.sns(destination),
          destination,
          toSend.map((delivery) => entryOf.get(delivery) as PlannedEntry),
          signal,
        ),
    };
  });
}

/** A call's outcome for the breaker: alive if any event got through, else its first error. */
export function callOutcome(results: readonly DeliveryResult[]): DeliveryResult {
  return results.find((r) => r.ok) ?? results[0] ?? { ok: true };
}
