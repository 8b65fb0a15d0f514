import { act, fireEvent, screen } from '@testing-library/react';
import { useLocation } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { EventLookupPage } from '../../../src/pages/events/event-lookup-page';
import { eventually } from '../../support/cloudscape';
import { fakeApi, notFound, renderPage } from '../../support/render';

const WINDOW = { from: '2025-06-01T10:00:00.000Z', to: '2025-06-02T10:00:00.000Z' };

const STORY = {
  workspace: 'ws-1',
  distinctIdHash: '0123456789abcdef0123',
  window: 'day',
  ...WINDOW,
  found: true,
  steps: [
    { kind: 'received', at: '2025-06-01T12:00:00.000Z', attempt: 1 },
    {
      kind: 'failed',
      at: '2025-06-01T12:00:01.000Z',
      attempt: 1,
      destinationId: 'crm',
      destinationType: 'lambda',
      errorCode: 'Throttled',
      errorMessage: 'Rate exceeded',
      next: 'retry scheduled',
    },
    { kind: 'received', at: '2025-06-01T12:00:31.000Z', attempt: 2 },
    {
      kind: 'delivered',
      at: '2025-06-01T12:00:32.000Z',
      attempt: 2,
      destinationId: 'crm',
      destinationType: 'lambda',
    },
    {
      kind: 'dead-lettered',
      at: '2025-06-01T12:00:33.000Z',
      destinationId: 'warehouse',
      destinationType: 'sqs',
      errorCode: 'AccessDenied',
      errorMessage: 'the role may not send',
    },
  ],
};

const NOT_FOUND = {
  workspace: 'ws-1',
  distinctIdHash: 'ffff',
  window: 'week',
  ...WINDOW,
  found: false,
  steps: [],
};

/** Knows one event, `order-42`; any other id is not in the logs. */
const workspaceApi = () =>
  fakeApi((method, path) => {
    if (method === 'GET' && path.startsWith('/v1/workspaces/ws-1/events/order-42?')) return { body: STORY };
    if (method === 'GET' && path.startsWith('/v1/workspaces/ws-1/events/')) return { body: NOT_FOUND };
    return notFound(method, path);
  });

/** Shows the page's URL query, to check the search is kept in it. */
function SearchProbe() {
  return <output data-testid="search">{useLocation().search}</output>;
}

const render = (api: ReturnType<typeof fakeApi>, search = '') =>
  renderPage(
    <>
      <EventLookupPage />
      <SearchProbe />
    </>,
    {
      client: api.client,
      path: `/workspaces/ws-1/events${search}`,
      pattern: '/workspaces/:workspace/events',
    },
  );

type Page = ReturnType<typeof render>['wrapper'];
const stepTexts = (wrapper: Page) =>
  (wrapper.findSteps()?.findItems() ?? []).map((step) => ({
    header: step.findHeader()?.getElement().textContent,
    details: step.findDetails()?.getElement().textContent ?? undefined,
  }));

describe('EventLookupPage', () => {
  it('tells the story of the event ?id= names: each step in time order, with attempts and reasons', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api, '?id=order-42');

    await eventually(() => expect(wrapper.findSteps()?.findItems()).toHaveLength(5));

    expect(stepTexts(wrapper)).toEqual([
      { header: 'Received', details: 'Attempt 1' },
      {
        header: 'Failed at crm (lambda): Throttled',
        details: 'Attempt 1 · Rate exceeded · Next: retry scheduled',
      },
      { header: 'Received', details: 'Attempt 2' },
      { header: 'Delivered to crm (lambda)', details: 'Attempt 2' },
      { header: 'Dead-lettered for warehouse (sqs): AccessDenied', details: 'the role may not send' },
    ]);
    expect(wrapper.findSteps()?.findItems()[3].findAnnotation()?.getElement().textContent).toBe(
      new Date('2025-06-01T12:00:32.000Z').toLocaleString(),
    );
    expect(api.calls.map((call) => call.path)).toEqual(['/v1/workspaces/ws-1/events/order-42?window=day']);
    expect(screen.getByRole('searchbox', { name: 'Distinct id' })).toHaveProperty('value', 'order-42');
  });

  it('looks up what is typed, keeping the id and the window in the URL', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    expect(api.calls).toHaveLength(0);

    fireEvent.change(screen.getByRole('searchbox', { name: 'Distinct id' }), { target: { value: ' a/b ' } });
    act(() => wrapper.findSelect()?.openDropdown());
    act(() => wrapper.findSelect()?.selectOptionByValue('week'));
    fireEvent.click(screen.getByRole('button', { name: 'Look up' }));

    await eventually(() => expect(screen.getByTestId('search').textContent).toBe('?id=a%2Fb&window=week'));
    await eventually(() => expect(api.calls).toHaveLength(1));
    expect(api.calls[0].path).toBe('/v1/workspaces/ws-1/events/a%2Fb?window=week');
  });

  it('says what not found means: not received in the window, or another workspace', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api, '?id=unknown&window=week');

    await eventually(() => expect(wrapper.findAlert()).toBeTruthy());
    const text = wrapper.findAlert()?.getElement().textContent;
    expect(text).toContain('No event unknown in the last week');
    expect(text).toContain('not received in that time');
    expect(text).toContain('a different workspace');
    expect(wrapper.findSteps()).toBeNull();
    expect(api.calls[0].path).toBe('/v1/workspaces/ws-1/events/unknown?window=week');
  });
});
