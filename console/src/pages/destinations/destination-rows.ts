import type { Schemas } from '../../api/client';
import { typeLabel } from './destination-types';

type Destination = Schemas['Destination'];
type DestinationHealth = Schemas['DestinationHealth'];

/**
 * Where a destination stands against the live version (the listing's `status`, plus the live
 * destinations the draft removes), or disabled by the platform after failing for long.
 */
export type PublishState = 'draft-only' | 'live' | 'changed' | 'removed' | 'disabled';

/** One row of the destinations table: flat strings, so the text filter and sorting read them as shown. */
export interface DestinationRow {
  readonly id: string;
  readonly type: string;
  readonly typeLabel: string;
  /** The resource it delivers to: a function's name, a topic's or stream's ARN… */
  readonly target: string;
  readonly events: string;
  readonly state: PublishState;
  /** Why the platform disabled it, when it did. */
  readonly disabledReason?: string;
  /** Its delivery health in the window; undefined when not live or not known. */
  readonly health?: DestinationHealth;
}

const LISTING_STATE: Record<Schemas['DraftListing']['destinations'][number]['status'], PublishState> = {
  added: 'draft-only',
  unchanged: 'live',
  changed: 'changed',
};

/** The draft's destinations and the live ones it removes, each with its health when `health` has it. */
export function destinationRows(
  listing: Schemas['DraftListing'],
  health: Schemas['WorkspaceHealth'] | undefined,
): DestinationRow[] {
  const healthById = new Map(health?.destinations.map((entry) => [entry.destinationId, entry]));
  const drafted = listing.destinations.map(({ destination, status }): DestinationRow => {
    const destinationHealth = healthById.get(destination.id);
    const disabled = destinationHealth?.disabled;
    return {
      id: destination.id,
      type: destination.type,
      typeLabel: typeLabel(destination.type),
      target: targetOf(destination),
      events: destination.events.join(', '),
      state: disabled ? 'disabled' : LISTING_STATE[status],
      ...(disabled && { disabledReason: disabled.reason }),
      ...(destinationHealth && { health: destinationHealth }),
    };
  });
  // Removed only in the draft: still live, still receiving events until the draft is published.
  const removed = listing.removed.map((id): DestinationRow => {
    const destinationHealth = healthById.get(id);
    const type = destinationHealth?.type ?? '';
    return {
      id,
      type,
      typeLabel: type ? typeLabel(type) : '',
      target: '',
      events: '',
      state: 'removed',
      ...(destinationHealth && { health: destinationHealth }),
    };
  });
  return [...drafted, ...removed];
}

/** Whether publishing would change anything: the draft adds, changes or removes a destination. */
export function draftDiffersFromLive(listing: Schemas['DraftListing']): boolean {
  return listing.removed.length > 0 || listing.destinations.some(({ status }) => status !== 'unchanged');
}

/** What changed, counted, for the draft's notice: "1 added, 2 changed". */
export function draftChanges(listing: Schemas['DraftListing']): string {
  const count = (status: string) => listing.destinations.filter((entry) => entry.status === status).length;
  return [
    [count('added'), 'added'],
    [count('changed'), 'changed'],
    [listing.removed.length, 'removed'],
  ]
    .filter(([n]) => Number(n) > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ');
}

/** The resource a destination delivers to; a Lambda function by its name (and qualifier), as people call it. */
export function targetOf(destination: Destination): string {
  switch (destination.type) {
    case 'lambda':
      return /:function:(.+)$/.exec(destination.functionArn)?.[1] ?? destination.functionArn;
    case 'sns':
      return destination.topicArn;
    case 'sqs':
      return destination.queueArn;
    case 'kinesis':
      return destination.streamArn;
    case 'eventbridge':
      return destination.eventBusArn;
  }
}
