import type { DestinationType } from './destination-config';
import { DESTINATION_TYPES } from './destination-types';
import type { DeliveryPermissions } from './destination-types/common';

export type { DeliveryPermissions } from './destination-types/common';

/**
 * A delivery role's permissions per destination type (each type's own in
 * `destination-types/<type>.ts`), read by the `DeliveryRole` construct and by each destination
 * driver: complete as `DESTINATION_TYPES` is, with no SDK client in it.
 */
export const DELIVERY_PERMISSIONS = Object.fromEntries(
  Object.entries(DESTINATION_TYPES).map(([type, { permissions }]) => [type, permissions]),
) as { readonly [T in DestinationType]: DeliveryPermissions };

/** The IAM path of every delivery role: the dispatcher may assume roles on it only. */
export const DELIVERY_ROLE_PATH = '/event-delivery/';
