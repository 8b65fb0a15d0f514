import type { DeliveryPermissions } from '../../../shared/delivery-permissions';
import type { Destination, DestinationType } from '../../../shared/destination-config';
import type { DeliveredPayload } from '../../../shared/ingest-message';
import type { Delivery } from '../../delivery';
import type { DeliveryError, DeliveryResult } from '../../errors';
import type { DeliveryClients } from '../clients';

/** One event as a driver sends it: the payload (for attributes and ids) and the message body. */
export interface OutgoingEvent {
  readonly payload: DeliveredPayload;
  /** The payload's JSON, or the pointer envelope once the payload was offloaded. */
  readonly message: string;
  /** Events sharing an order key are sent one after another, in the order given. */
  readonly orderKey?: string;
}

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
 * Everything the dispatcher knows of one destination type. The flow of a batch (validate,
 * route, deliver in lanes, settle) asks the destination's driver, and never branches on type.
 * The type's config schema and its delivery role's IAM actions are in
 * `shared/destination-types/<type>.ts`, which the CDK constructs read too, without the SDK clients.
 */
export interface DestinationDriver<D extends Destination = Destination> {
  /**
   * Deliveries sharing a key reach the destination in queue order, one call after another:
   * a visitor's events on a FIFO topic or queue, or in a stream's shard. None: no order kept.
   */
  orderKey(destination: D, payload: DeliveredPayload): string | undefined;
  /** Bytes one event takes at the destination (with what the driver adds to it), and the most it accepts. */
  size(destination: D, event: OutgoingEvent): { bytes: number; limit: number };
  /**
   * Plans the API calls for deliveries to one destination: several events per call where the
   * service allows, a key's events in successive calls. Deliveries that can never be sent (too
   * large) get their result here and no call. Each call's `send` reads per-entry results.
   */
  planCalls(destination: D, deliveries: readonly Delivery[], clients: DeliveryClients): DeliveryCall[];
  /** What the destination's delivery role must be allowed (the same table the `DeliveryRole` construct reads). */
  readonly permissions: DeliveryPermissions;
  /**
   * A per-entry failure inside a successful answer, by the service's own error code: retryable
   * or not. The driver's result reading uses it.
   */
  entryFailure(code: string, message?: string, senderFault?: boolean): DeliveryError;
}

/** One driver per destination type: a type added to the config union without one does not compile. */
export type DriverRegistry = {
  readonly [T in DestinationType]: DestinationDriver<Extract<Destination, { type: T }>>;
};
