import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../../src/api/client';
import { DestinationsPage } from '../../../src/pages/destinations/destinations-page';
import { buttonNamed, eventually, tableRows } from '../../support/cloudscape';
import { fakeApi, notFound, ROLES, workspacePage } from '../../support/render';
import { health, listing } from './fixtures';

const render = workspacePage(<DestinationsPage />, 'destinations', { access: ROLES.admin });

const ORDERS: Schemas['Destination'] = {
  id: 'orders',
  type: 'lambda',
  functionArn: 'arn:aws:lambda:us-east-1:111122223333:function:orders-fn',
  invocationType: 'Event',
  events: ['*'],
};
const ALERTS: Schemas['Destination'] = {
  id: 'alerts',
  type: 'sns',
  topicArn: 'arn:aws:sns:us-east-1:111122223333:alerts',
  roleArn: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery',
  events: ['signup', 'purchase'],
};
const QUEUE: Schemas['Destination'] = {
  id: 'queue',
  type: 'sqs',
  queueArn: 'arn:aws:sqs:us-east-1:111122223333:events',
  roleArn: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery',
  events: ['*'],
};

/** Answers the listing and the health; records every call. */
function api(answers: {
  listing: Schemas['DraftListing'];
  health?: Schemas['WorkspaceHealth'] | 'unavailable';
}) {
  return fakeApi((method, path) => {
    if (method === 'GET' && path === '/v1/workspaces/ws-1/destinations') return { body: answers.listing };
    if (method === 'GET' && path === '/v1/workspaces/ws-1/health?window=hour')
      return answers.health === 'unavailable' || !answers.health
        ? { status: 503, body: { code: 'DeliveryLogsBusy', message: 'the logs are busy', requestId: 'r-9' } }
        : { body: answers.health };
    return notFound(method, path);
  });
}

describe('DestinationsPage', () => {
  it('lists each destination with its type, target, events, status against live and health', async () => {
    // Prepare
    const { client } = api({
      listing: listing(
        [
          { destination: ORDERS, status: 'unchanged' },
          { destination: ALERTS, status: 'added' },
          { destination: QUEUE, status: 'changed' },
        ],
        ['old-stream'],
      ),
      health: health([
        { destinationId: 'orders', type: 'lambda', delivered: 12 },
        { destinationId: 'queue', type: 'sqs', delivered: 5, failed: { total: 2, byCode: { Throttled: 2 } } },
        { destinationId: 'old-stream', type: 'kinesis', delivered: 1 },
      ]),
    });

    // Act
    const { wrapper } = render({ client });

    // Assess: sorted by id; the removed one still shows, as it is live until published.
    await eventually(() => expect(tableRows(wrapper)).toHaveLength(4));
    await eventually(() => expect(tableRows(wrapper)[2]).toContain('12 delivered'));
    expect(tableRows(wrapper)).toEqual([
      [
        'alerts',
        'Amazon SNS',
        ALERTS.type === 'sns' ? ALERTS.topicArn : '',
        'signup, purchase',
        'Draft only',
        'Not live',
      ],
      ['old-stream', 'Amazon Kinesis Data Streams', '-', '-', 'Removed in draft', '1 delivered'],
      ['orders', 'AWS Lambda', 'orders-fn', '*', 'Live', '12 delivered'],
      [
        'queue',
        'Amazon SQS',
        QUEUE.type === 'sqs' ? QUEUE.queueArn : '',
        '*',
        'Changed in draft',
        '5 delivered, 2 failed',
      ],
    ]);
    const link = wrapper.findTable()?.findBodyCell(3, 1)?.findLink();
    expect(link?.getElement().getAttribute('href')).toBe('/workspaces/ws-1/destinations/orders');
    expect(
      wrapper.findTable()?.findHeaderSlot()?.findHeader()?.findCounter()?.getElement().textContent?.trim(),
    ).toBe('(4)');
  });

  it('offers Draft and publish only when the draft differs from the live version', async () => {
    // Prepare
    const differs = api({
      listing: listing([{ destination: ORDERS, status: 'changed' }]),
      health: health([]),
    });
    const same = api({
      listing: listing([{ destination: ORDERS, status: 'unchanged' }]),
      health: health([]),
    });

    // Act
    const changed = render(differs);
    await eventually(() => expect(tableRows(changed.wrapper)).toHaveLength(1));
    const alert = changed.wrapper.findAlert();
    changed.unmount();
    const unchanged = render(same);
    await eventually(() => expect(tableRows(unchanged.wrapper)).toHaveLength(1));

    // Assess
    expect(alert?.getElement().textContent).toContain('1 changed since version 3');
    expect(alert?.findContent().findLink()?.getElement().getAttribute('href')).toBe(
      '/workspaces/ws-1/publish',
    );
    expect(unchanged.wrapper.findAlert()).toBeNull();
  });

  it('filters the rows by the text they show', async () => {
    // Prepare
    const { client } = api({
      listing: listing([
        { destination: ORDERS, status: 'unchanged' },
        { destination: ALERTS, status: 'added' },
      ]),
      health: health([]),
    });
    const { wrapper } = render({ client });
    await eventually(() => expect(tableRows(wrapper)).toHaveLength(2));

    // Act
    wrapper.findTable()?.findTextFilter()?.findInput().setInputValue('draft only');

    // Assess
    expect(tableRows(wrapper).map((row) => row[0])).toEqual(['alerts']);
  });

  it('says how to start when there are no destinations', async () => {
    // Prepare
    const { client } = api({ listing: listing([]), health: health([]) });

    // Act
    const { wrapper } = render({ client });

    // Assess
    await eventually(() => expect(wrapper.findTable()?.findEmptySlot()).toBeTruthy());
    const empty = wrapper.findTable()?.findEmptySlot()?.getElement().textContent;
    expect(empty).toContain('No destinations yet');
    expect(empty).toContain('Add destination');
    expect(empty).toContain('then publish a version');
    expect(buttonNamed('Add destination', wrapper).getElement().getAttribute('href')).toBe(
      '/workspaces/ws-1/destinations/new',
    );
  });

  it('still lists the destinations when the delivery logs cannot be read', async () => {
    // Prepare
    const { client } = api({
      listing: listing([{ destination: ORDERS, status: 'unchanged' }]),
      health: 'unavailable',
    });

    // Act
    const { wrapper } = render({ client });

    // Assess
    await eventually(() =>
      expect(wrapper.findAlert()?.getElement().textContent).toContain('the logs are busy'),
    );
    expect(tableRows(wrapper)).toEqual([['orders', 'AWS Lambda', 'orders-fn', '*', 'Live', 'Unavailable']]);
  });

  it.each([
    ['viewer', true],
    ['editor', false],
  ] as const)('a %s: Add destination disabled is %s', async (role, disabled) => {
    // Prepare
    const { client } = api({ listing: listing([]), health: health([]) });

    // Act
    const { wrapper } = render({ client }, ROLES[role]);

    // Assess
    await eventually(() => expect(wrapper.findTable()?.findEmptySlot()).toBeTruthy());
    expect(buttonNamed('Add destination', wrapper).isDisabled()).toBe(disabled);
  });
});
