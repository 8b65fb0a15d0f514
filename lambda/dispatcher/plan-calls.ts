import type { Destination } from '../shared/destination-config';
import type { DeliveryClients } from './clients';
import { invokeFunction } from './deliver-lambda';
import { planTopicBatches, publishBatch } from './deliver-sns';
import type { Delivery } from './delivery';
import type { DeliveryResult } from './errors';

/** One API call to one destination, carrying one or more deliveries. */
export interface DeliveryCall {
  readonly destination: Destination;
  readonly deliveries: readonly Delivery[];
  /** Makes the call; a result per delivery, in order. */
  send(abortSignal: AbortSignal): Promise<DeliveryResult[]>;
}

/**
 * Plans the calls for deliveries to one destination: a PublishBatch of up to 10 events per
 * topic, an Invoke per event per function. Deliveries that can never be sent (too large) get
 * their result here and no call.
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
      send: async (signal) => [
        await invokeFunction(clients.lambda(destination), destination, delivery.message, signal),
      ],
    }));
  }
  const plan = planTopicBatches(
    destination,
    deliveries.map((d) => ({ payload: d.payload, message: d.message })),
  );
  for (const { index, result } of plan.rejected) deliveries[index].result = result;
  return plan.batches.map((batch) => ({
    destination,
    deliveries: batch.map(({ index }) => deliveries[index]),
    send: (signal) => publishBatch(clients.sns(destination), destination, batch, signal),
  }));
}

/** A call's outcome for the breaker: alive if any event got through, else its first error. */
export function callOutcome(results: readonly DeliveryResult[]): DeliveryResult {
  return results.find((r) => r.ok) ?? results[0] ?? { ok: true };
}
