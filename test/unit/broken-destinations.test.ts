import { BrokenDestinations } from '../../lambda/dispatcher/deliver/failure-memory/broken-destinations';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../lambda/dispatcher/errors';

describe('BrokenDestinations', () => {
  it.each(['AccessDenied', 'DestinationNotFound', 'KmsError'] as const)(
    'marks a destination unhealthy after %s',
    (code) => {
      const health = new BrokenDestinations(1000, () => 0);

      health.record('d', new PermanentDeliveryError(code, `${code}: no`));

      expect(health.check('d')).toMatchObject({ code, retryable: false });
      expect(health.check('other')).toBeUndefined();
    },
  );

  it.each([
    ['an event-level error', new PermanentDeliveryError('PayloadTooLarge', 'too big')],
    ['a parameter error', new PermanentDeliveryError('InvalidParameter', 'bad')],
    ['a retryable error', new RetryableDeliveryError('Throttled', 'slow down')],
  ])('does not mark it after %s', (_case, error) => {
    const health = new BrokenDestinations(1000, () => 0);

    health.record('d', error);

    expect(health.check('d')).toBeUndefined();
  });

  it('tries the destination again after the cool-down', () => {
    let now = 0;
    const health = new BrokenDestinations(1000, () => now);
    health.record('d', new PermanentDeliveryError('AccessDenied', 'no'));

    now = 999;
    const during = health.check('d');
    now = 1000;
    const after = health.check('d');

    expect(during).toMatchObject({ code: 'AccessDenied', retryable: false });
    expect(after).toBeUndefined();
  });
});
