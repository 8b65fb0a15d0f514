/** Destinations as the API stores them, for the publish and versions tests. */
const ROLE = 'arn:aws:iam::111122223333:role/event-delivery';

export const ORDERS_LIVE = {
  id: 'orders',
  type: 'sqs' as const,
  queueArn: 'arn:aws:sqs:eu-west-1:111122223333:orders',
  roleArn: ROLE,
  events: ['purchase'],
};

/** `orders` as the draft changes it: one more event, and a mapping rule. */
export const ORDERS_DRAFT = {
  ...ORDERS_LIVE,
  events: ['purchase', 'refund'],
  mapping: { mode: 'all' as const, properties: { email: 'hash' as const } },
};

export const AUDIT = {
  id: 'audit',
  type: 'kinesis' as const,
  streamArn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/audit',
  roleArn: ROLE,
  events: ['*'],
};

export const LEGACY = {
  id: 'legacy',
  type: 'sns' as const,
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:legacy',
  roleArn: ROLE,
  events: ['signup'],
};
