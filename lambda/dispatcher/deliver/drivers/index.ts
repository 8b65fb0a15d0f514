import type { Destination } from '../../../shared/destination-config';
import type { DestinationDriver, DriverRegistry } from './driver';
import { eventBridgeDriver } from './eventbridge';
import { kinesisDriver } from './kinesis';
import { lambdaDriver } from './lambda';
import { snsDriver } from './sns';
import { sqsDriver } from './sqs';

/** The driver of every destination type, checked complete by the compiler. */
export const DRIVERS: DriverRegistry = {
  lambda: lambdaDriver,
  sns: snsDriver,
  kinesis: kinesisDriver,
  eventbridge: eventBridgeDriver,
  sqs: sqsDriver,
};

/** The driver for a destination's type. */
export function driverOf<D extends Destination>(destination: D): DestinationDriver<D> {
  // TypeScript cannot correlate a union member with its registry entry; the registry's type does.
  return DRIVERS[destination.type] as unknown as DestinationDriver<D>;
}
