import { describe, expect, it } from 'vitest';
import { expiryAt, isExpiryDayAllowed } from '../../../src/pages/access/key-expiry';

describe('expiryAt', () => {
  it('is the last millisecond of the day in the local time zone', () => {
    // Act
    const at = new Date(expiryAt('2030-01-31'));

    // Assess
    expect([at.getFullYear(), at.getMonth(), at.getDate()]).toEqual([2030, 0, 31]);
    expect([at.getHours(), at.getMinutes(), at.getSeconds(), at.getMilliseconds()]).toEqual([
      23, 59, 59, 999,
    ]);
  });
});

describe('isExpiryDayAllowed', () => {
  const now = new Date(2030, 0, 10, 12, 0);
  const day = (offset: number) => new Date(2030, 0, 10 + offset);

  it('allows today (it ends after now) up to the last day the API accepts', () => {
    expect(isExpiryDayAllowed(day(0), now)).toBe(true);
    expect(isExpiryDayAllowed(day(365), now)).toBe(true);
  });

  it('refuses days already over and days more than 366 days ahead', () => {
    expect(isExpiryDayAllowed(day(-1), now)).toBe(false);
    // Its end is 366 days and almost 12 hours from now: past the API's limit.
    expect(isExpiryDayAllowed(day(366), now)).toBe(false);
  });
});
