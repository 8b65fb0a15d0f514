import { act, fireEvent, screen } from '@testing-library/react';
import { Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { describe, expect, it } from 'vitest';
import { RouterLink, workspacePaths } from '../../../src/components/router-link';
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

/** Shows where the page is: the URL's query, and the history entry's state. */
function LocationProbe() {
  const location = useLocation();
  const navigate = useNavigate();
  return (
    <>
      <output data-testid="search">{location.search}</output>
      <output data-testid="state">{JSON.stringify(location.state)}</output>
      <button type="button" onClick={() => navigate(-1)}>
        Back
      </button>
    </>
  );
}

/**
 * The event lookup page, and a page that links to it with `id` as another page does (the dead
 * letters' distinct id link), for the test to follow.
 */
const render = (api: ReturnType<typeof fakeApi>, linkTo?: { id: string; window?: string }) =>
  renderPage(
    <Routes>
      <Route
        path="/workspaces/:workspace/start"
        element={
          linkTo && (
            <RouterLink
              {...workspacePaths('ws-1').eventLookup(linkTo.id)}
              {...(linkTo.window && { state: linkTo })}
            >
              {linkTo.id}
            </RouterLink>
          )
        }
      />
      <Route
        path="/workspaces/:workspace/events"
        element={
          <>
            <EventLookupPage />
            <LocationProbe />
          </>
        }
      />
    </Routes>,
    { client: api.client, path: linkTo ? '/workspaces/ws-1/start' : '/workspaces/ws-1/events' },
  );

/** Follows the start page's link to the event lookup. */
const followLink = (wrapper: Page) => act(() => wrapper.findLink()?.click());

type Page = ReturnType<typeof render>['wrapper'];
const stepTexts = (wrapper: Page) =>
  (wrapper.findSteps()?.findItems() ?? []).map((step) => ({
    header: step.findHeader()?.getElement().textContent,
    details: step.findDetails()?.getElement().textContent ?? undefined,
  }));
const typedId = () => screen.getByRole('searchbox', { name: 'Distinct id' });
const lookUp = (id: string, window?: string, wrapper?: Page) => {
  fireEvent.change(typedId(), { target: { value: id } });
  if (window) {
    act(() => wrapper?.findSelect()?.openDropdown());
    act(() => wrapper?.findSelect()?.selectOptionByValue(window));
  }
  fireEvent.click(screen.getByRole('button', { name: 'Look up' }));
};

describe('EventLookupPage', () => {
  it('tells the story of the event a link names: each step in time order, with attempts and reasons', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api, { id: 'order-42' });
    expect(wrapper.findLink()?.getElement().getAttribute('href')).toBe('/workspaces/ws-1/events');

    followLink(wrapper);

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
    expect(typedId()).toHaveProperty('value', 'order-42');
    expect(screen.getByTestId('search').textContent).toBe('');
  });

  it('looks up what is typed, keeping the id and the window in the navigation state, not the URL', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    expect(api.calls).toHaveLength(0);

    lookUp(' user@example.com ', 'week', wrapper);

    await eventually(() =>
      expect(JSON.parse(screen.getByTestId('state').textContent ?? '')).toEqual({
        id: 'user@example.com',
        window: 'week',
      }),
    );
    expect(screen.getByTestId('search').textContent).toBe('');
    await eventually(() => expect(api.calls).toHaveLength(1));
    expect(api.calls[0].path).toBe('/v1/workspaces/ws-1/events/user%40example.com?window=week');
  });

  it('goes back to the previous lookup with the back button', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    lookUp('order-42');
    await eventually(() => expect(wrapper.findSteps()?.findItems()).toHaveLength(5));
    lookUp('unknown');
    await eventually(() => expect(wrapper.findAlert()).toBeTruthy());

    fireEvent.click(screen.getByRole('button', { name: 'Back' }));

    await eventually(() => expect(wrapper.findSteps()?.findItems()).toHaveLength(5));
    expect(typedId()).toHaveProperty('value', 'order-42');
    expect(api.calls.map((call) => call.path)).toEqual([
      '/v1/workspaces/ws-1/events/order-42?window=day',
      '/v1/workspaces/ws-1/events/unknown?window=day',
      '/v1/workspaces/ws-1/events/order-42?window=day',
    ]);

    fireEvent.click(screen.getByRole('button', { name: 'Back' }));

    await eventually(() => expect(typedId()).toHaveProperty('value', ''));
    expect(wrapper.findSteps()).toBeNull();
    expect(screen.getByText("Enter an event's distinct_id to see what happened to it.")).toBeTruthy();
  });

  it('reads the logs again when the same search is looked up again', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api);
    lookUp('order-42');
    await eventually(() => expect(wrapper.findSteps()?.findItems()).toHaveLength(5));

    lookUp('order-42');

    await eventually(() => expect(api.calls).toHaveLength(2));
    expect(api.calls[1].path).toBe('/v1/workspaces/ws-1/events/order-42?window=day');
  });

  it('says what not found means: not received in the window, or another workspace', async () => {
    const api = workspaceApi();
    const { wrapper } = render(api, { id: 'unknown', window: 'week' });

    followLink(wrapper);

    await eventually(() => expect(wrapper.findAlert()).toBeTruthy());
    const text = wrapper.findAlert()?.getElement().textContent;
    expect(text).toContain('No event unknown in the last week');
    expect(text).toContain('not received in that time');
    expect(text).toContain('a different workspace');
    expect(wrapper.findSteps()).toBeNull();
    expect(api.calls[0].path).toBe('/v1/workspaces/ws-1/events/unknown?window=week');
  });

  it('ignores an id in the URL, as an old link had it', async () => {
    const api = workspaceApi();
    renderPage(<EventLookupPage />, {
      client: api.client,
      path: '/workspaces/ws-1/events?id=order-42',
      pattern: '/workspaces/:workspace/events',
    });
    await act(async () => undefined);

    expect(typedId()).toHaveProperty('value', '');
    expect(screen.getByText("Enter an event's distinct_id to see what happened to it.")).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });
});
