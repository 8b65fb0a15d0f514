import { randomUUID } from 'node:crypto';

const EVENT_NAMES = ['Page Viewed', 'Product Viewed', 'Added To Cart', 'Order Completed', 'Signed Up'];
const CITIES = ['Lisbon', 'Austin', 'Osaka', 'Nairobi', 'Oslo', 'Lima'];

/** A small deterministic random source, so a seed reproduces a run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/**
 * Realistic ingest messages: several visitors with a few events each, in time order per
 * visitor, distinct ids, and the personal data a real profile carries (which must never reach
 * a log line). Spread round-robin over `workspaces`, and deliberately with the same visitor and
 * event ids in every workspace (different content): ids repeat across customers, and nothing
 * may mistake one workspace's event for another's.
 */
export function generateEvents(
  count: number,
  options: {
    random?: () => number;
    visitors?: number;
    workspaces?: readonly string[];
    /** Add the consent each visitor granted: `analytics` always, `marketing` for about two in three. */
    consent?: boolean;
  } = {},
): string[] {
  const workspaces = options.workspaces?.length ? options.workspaces : ['workspace-1'];
  const random = options.random ?? Math.random;
  const visitorCount = Math.max(1, options.visitors ?? Math.ceil(count / 4));
  const run = randomUUID().slice(0, 8);
  const visitors = Array.from({ length: visitorCount }, (_, i) => ({
    visitor_id: `visitor_${run}_${i}`,
    first_seen_at: new Date(Date.UTC(2024, 0, 1 + (i % 28))).toISOString(),
    email: `visitor${i}@example.com`,
    city: CITIES[i % CITIES.length],
  }));
  const start = Date.now();
  const visitorOf: (typeof visitors)[number][] = [];
  const consentOf = visitors.map(() => (random() < 0.67 ? ['analytics', 'marketing'] : ['analytics']));
  return Array.from({ length: count }, (_, i) => {
    // The k-th event of every workspace has the same ids: the same visitor, the same distinct id.
    const workspace = workspaces[i % workspaces.length];
    const sequence = Math.floor(i / workspaces.length);
    const visitor = visitorOf[sequence] ?? visitors[Math.floor(random() * visitors.length)];
    visitorOf[sequence] = visitor;
    const name = EVENT_NAMES[Math.floor(random() * EVENT_NAMES.length)];
    return JSON.stringify({
      workspace_id: workspace,
      event: {
        event: name,
        distinct_id: `evt_${run}_${sequence}`,
        time: start + i,
        event_properties:
          name === 'Order Completed'
            ? { order_id: `o-${i}`, total: Math.round(random() * 20_000) / 100 }
            : { path: `/p/${i % 50}` },
      },
      visitor,
      user: random() < 0.5 ? { external_id: `user_${visitor.visitor_id}`, email: visitor.email } : null,
      ...(options.consent && { consent: consentOf[visitors.indexOf(visitor)] }),
    });
  });
}

/**
 * Adds duplicates: `rate` of the messages are sent a second time, later in the stream, as an
 * at-least-once producer would. Returns the messages in send order.
 */
export function withDuplicates(
  bodies: readonly string[],
  rate: number,
  random: () => number = Math.random,
): string[] {
  const result = [...bodies];
  for (const index of pickIndices(Math.round(bodies.length * rate), bodies.length, random)) {
    const position = index + 1 + Math.floor(random() * (result.length - index));
    result.splice(Math.min(position, result.length), 0, bodies[index]);
  }
  return result;
}

/** Bytes added to an oversize event: above SNS's 256 KiB, within Lambda's 1 MB and SQS's 1 MiB. */
export const OVERSIZE_PADDING_BYTES = 300_000;

/**
 * Makes `count` of the events oversize, chosen at random: each gets a large `attachment`
 * property, as an event carrying a document or a long cart would.
 */
export function withOversize(
  bodies: readonly string[],
  count: number,
  random: () => number = Math.random,
): string[] {
  const result = [...bodies];
  for (const index of pickIndices(count, result.length, random)) {
    const message = JSON.parse(result[index]) as { event: { event_properties?: Record<string, unknown> } };
    message.event.event_properties = {
      ...message.event.event_properties,
      attachment: 'x'.repeat(OVERSIZE_PADDING_BYTES),
    };
    result[index] = JSON.stringify(message);
  }
  return result;
}

/** `count` distinct indices below `length`, drawn at random (all of them when `count` is larger). */
function pickIndices(count: number, length: number, random: () => number): Set<number> {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, length)) chosen.add(Math.floor(random() * length));
  return chosen;
}
