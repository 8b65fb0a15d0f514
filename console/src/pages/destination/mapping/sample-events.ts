/**
 * Sample ingest messages to preview a mapping with: the personal data the privacy-safe defaults
 * and common rules act on (emails, phone numbers, names, addresses, an IP), and consent.
 */
export interface SampleEvent {
  readonly id: string;
  readonly label: string;
  /** The event name it carries unless the destination takes other events only. */
  readonly event: string;
  build(workspace: string, event: string): Record<string, unknown>;
}

export const SAMPLE_EVENTS: readonly SampleEvent[] = [
  {
    id: 'order',
    label: 'Order completed, with contact details',
    event: 'Order Completed',
    build: (workspace, event) => ({
      workspace_id: workspace,
      event: {
        event,
        distinct_id: 'order-10042',
        time: 1767225600000,
        event_properties: {
          total: 129.9,
          currency: 'EUR',
          shipping_address: '12 Rue de la Paix, Paris',
          note: 'call +33 6 12 34 56 78 before delivery',
        },
        default_properties: { page_url: 'https://shop.example.com/checkout', client_ip: '203.0.113.7' },
      },
      visitor: { visitor_id: 'v-7f3a', email: 'Jane.Doe@example.com', first_name: 'Jane', city: 'Paris' },
      user: { user_id: 'u-881', phone: '+1 (555) 010-0200', plan: 'pro' },
      consent: ['analytics', 'marketing'],
    }),
  },
  {
    id: 'signup',
    label: 'Signed up, analytics consent only',
    event: 'Signed Up',
    build: (workspace, event) => ({
      workspace_id: workspace,
      event: {
        event,
        distinct_id: 'signup-2291',
        event_properties: { referrer: 'newsletter', work_email_address: 'sam@corp.example' },
      },
      visitor: { visitor_id: 'v-19cc', last_name: 'Rivera', birthday: '1990-04-01' },
      user: null,
      consent: ['analytics'],
    }),
  },
];

/** The sample's own event name if the destination takes it, else the first it does take. */
export function sampleEventName(sample: SampleEvent, destinationEvents: readonly string[]): string {
  if (destinationEvents.includes('*')) return sample.event;
  const taken = destinationEvents.find((name) => name.toLowerCase() === sample.event.toLowerCase());
  return taken ?? destinationEvents[0] ?? sample.event;
}

export const sampleText = (sample: SampleEvent, workspace: string, destinationEvents: readonly string[]) =>
  JSON.stringify(sample.build(workspace, sampleEventName(sample, destinationEvents)), null, 2);
