import { type Destination, parseDestinations } from '../shared/destination-config';

/**
 * Where the dispatcher looks destinations up. Async and behind an interface so a runtime
 * registry (versioned publish and rollback) can replace the static one without touching routing.
 */
export interface DestinationRegistry {
  destinations(): Promise<readonly Destination[]>;
}

/** Destinations fixed at deploy time, from the `DESTINATIONS` environment variable (validated at synth). */
export class StaticDestinationRegistry implements DestinationRegistry {
  readonly list: readonly Destination[];

  constructor(destinations: unknown) {
    this.list = Object.freeze(parseDestinations(destinations));
  }

  static fromJson(json: string): StaticDestinationRegistry {
    return new StaticDestinationRegistry(JSON.parse(json));
  }

  async destinations(): Promise<readonly Destination[]> {
    return this.list;
  }
}
