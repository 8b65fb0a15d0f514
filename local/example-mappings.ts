import type { DestinationInput } from '../lambda/shared/destination-config';
import { DESTINATION_IDS } from './provision';

/**
 * The demo's data mappings, one style per destination, so a run shows each:
 * - the function: no mapping, so the privacy-safe defaults (personal data hashed or redacted);
 * - the standard topic: a marketing destination: needs the visitor's `marketing` consent, renames
 *   `Order Completed`, pseudonymises the visitor's email with the workspace's key, and sends only
 *   the user's email domain;
 * - the FIFO topic: an orders feed that gets only the properties it lists.
 */
export function withExampleMappings(destinations: DestinationInput[]): DestinationInput[] {
  return destinations.map((destination) => {
    if (destination.id === DESTINATION_IDS.topic) {
      return {
        ...destination,
        requiredConsent: ['marketing'],
        mapping: {
          events: { 'Order Completed': 'order_completed' },
          properties: { 'visitor.email': 'hmac', 'user.email': 'domain_only' },
        },
      };
    }
    if (destination.id === DESTINATION_IDS.fifoTopic) {
      return {
        ...destination,
        mapping: {
          mode: 'listed',
          properties: {
            'event.event_properties.order_id': 'keep',
            'event.event_properties.total': 'keep',
            'event.event_properties.path': 'keep',
            'visitor.city': 'keep',
          },
        },
      };
    }
    return destination;
  });
}
