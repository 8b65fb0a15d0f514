import { route } from '../../lambda/dispatcher/prepare/route';
import { fifoTopicDestination, lambdaDestination, standardTopicDestination } from '../support/fixtures';

const destinations = [
  lambdaDestination,
  standardTopicDestination,
  { ...fifoTopicDestination, events: ['Page Viewed'] },
];

describe('route', () => {
  it('matches event names exactly, ignoring case, and "*" for all', () => {
    expect(route('order completed', undefined, destinations)).toEqual({
      ok: true,
      destinations: [lambdaDestination, standardTopicDestination],
    });
    expect(route('Order Completed!', undefined, destinations)).toEqual({
      ok: true,
      destinations: [standardTopicDestination],
    });
  });

  it('narrows to the destinations the message names, still applying their allow-lists', () => {
    expect(route('Order Completed', ['orders-fn', 'orders-fifo'], destinations)).toEqual({
      ok: true,
      destinations: [lambdaDestination],
    });
  });

  it('reports a named destination that is not configured', () => {
    expect(route('Order Completed', ['orders-fn', 'gone'], destinations)).toEqual({
      ok: false,
      errorCode: 'DestinationNotFound',
      reason: expect.any(String),
      destinationId: 'gone',
    });
  });

  it('routes an event no allow-list names nowhere', () => {
    expect(route('Signed Up', ['orders-fn'], destinations)).toEqual({ ok: true, destinations: [] });
  });
});

describe('route with target destinations (redrive, retry)', () => {
  it('delivers only to the targeted destinations that still accept the event', () => {
    expect(route('Order Completed', undefined, destinations, ['marketing'])).toEqual({
      ok: true,
      destinations: [standardTopicDestination],
    });
    expect(route('Order Completed', undefined, destinations, ['orders-fifo'])).toEqual({
      ok: true,
      destinations: [],
    });
  });

  it('reports a targeted destination that is no longer configured', () => {
    expect(route('Order Completed', undefined, destinations, ['gone'])).toMatchObject({
      ok: false,
      errorCode: 'DestinationNotFound',
      destinationId: 'gone',
    });
  });
});
