/** A dead letter of `destinationId`, dead-lettered on 1 June 2025 after five attempts. */
export const deadLetter = (id: string, destinationId: string, errorCode = 'AccessDenied') => ({
  id,
  at: '2025-06-01T10:00:00.000Z',
  errorCode,
  reason: `${errorCode}: the role may not publish`,
  attempts: 5,
  destinationId,
  distinctId: `user-${id}`,
  expiresAt: '2025-06-15T10:00:00.000Z',
});

/** The API's answer to a redrive of one letter, sent and removed from the list unless told otherwise. */
export const redriven = (overrides: { notRemoved?: number } = {}) => ({
  matched: 1,
  notFound: [],
  remaining: 0,
  remainingExact: true,
  left: [],
  failed: 0,
  redriven: 1,
  notRemoved: 0,
  ...overrides,
});
