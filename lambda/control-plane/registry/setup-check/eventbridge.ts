import {
  DescribeEventBusCommand,
  type DescribeEventBusResponse,
  EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import type { EventBridgeDestination } from '../../../shared/destination-config';
import { encryptionStep, probeFailed, type TargetCheck } from './common';

/** An event bus: it exists, and its key (which EventBridge uses itself). */
export const checkBus: TargetCheck<EventBridgeDestination> = async (destination, clients) => {
  let bus: DescribeEventBusResponse;
  try {
    bus = await clients
      .client(EventBridgeClient, destination)
      .send(new DescribeEventBusCommand({ Name: destination.eventBusArn }));
  } catch (error) {
    return probeFailed('event bus', error, 'event bus', 'events:DescribeEventBus and events:PutEvents');
  }
  return [
    {
      step: 'event bus',
      verdict: 'ok',
      detail: `the bus exists; events arrive with Source "${destination.source}" and DetailType the event name`,
    },
    encryptionStep(
      'event bus',
      bus.KmsKeyIdentifier,
      "EventBridge uses it itself, as the key's policy must let it for this bus; the role needs no grant on it",
    ),
  ];
};
