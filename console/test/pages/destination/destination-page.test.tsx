import { act, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { DestinationPage } from '../../../src/pages/destination/destination-page';
import { type fakeApi, ROLES, renderPage } from '../../support/render';
import { buttonByText, disabledReasonOf, inputByLabel, openModal } from '../dead-letters/find-by-label';
import { DELIVERED, destinationApi } from './fixtures';

const render = (api: ReturnType<typeof fakeApi>, access = ROLES.editor) =>
  renderPage(<DestinationPage />, {
    client: api.client,
    access,
    path: '/workspaces/ws-1/destinations/crm',
    pattern: '/workspaces/:workspace/destinations/:destination',
  });

async function openTab(wrapper: ReturnType<typeof render>['wrapper'], label: string) {
  await waitFor(() => expect(wrapper.findTabs()).toBeTruthy());
  const tabs = wrapper.findTabs();
  const index = tabs?.findTabLinks().findIndex((tab) => tab.getElement().textContent === label) ?? -1;
  expect(index).toBeGreaterThanOrEqual(0);
  act(() => tabs?.findTabLinkByIndex(index + 1)?.click());
}

describe('DestinationPage', () => {
  it('shows its name, type and status, and the draft and live configuration', async () => {
    const api = destinationApi();
    const { wrapper } = render(api);
    await waitFor(() => expect(wrapper.findTabs()).toBeTruthy());
    const header = wrapper.findHeader()?.getElement().textContent;
    expect(header).toContain('crm');
    expect(header).toContain('sns destination');
    expect(header).toContain('Live, with unpublished changes');
    expect(
      wrapper
        .findTabs()
        ?.findTabLinks()
        .map((tab) => tab.getElement().textContent),
    ).toEqual(['Configuration', 'Health', 'Failures', 'Dead letters', 'Mapping']);
    await waitFor(() => expect(wrapper.findAllKeyValuePairs()).toHaveLength(2));
    const [draft, live] = wrapper.findAllKeyValuePairs().map((pairs) => pairs.getElement().textContent ?? '');
    expect(draft).toContain('Topic ARN');
    expect(draft).toContain('Rate limit50');
    expect(live).toContain('Rate limit20');
    expect(wrapper.findLink(`[href="/workspaces/ws-1/publish"]`)?.getElement().textContent).toBe(
      'Draft and publish',
    );
  });

  it('saves only the changed fields of the draft, after checking nobody saved meanwhile', async () => {
    const api = destinationApi((method) => (method === 'PATCH' ? { body: {} } : undefined));
    const { wrapper } = render(api);
    await waitFor(() => expect(buttonByText(wrapper, 'Edit draft')?.isDisabled()).toBe(false));
    act(() => buttonByText(wrapper, 'Edit draft')?.click());
    act(() => inputByLabel(wrapper, 'Rate limit')?.setInputValue('75'));
    act(() => buttonByText(wrapper, 'Save to draft')?.click());
    await waitFor(() => expect(api.calls.some((call) => call.method === 'PATCH')).toBe(true));
    const patch = api.calls.find((call) => call.method === 'PATCH');
    expect(patch?.path).toBe('/v1/workspaces/ws-1/destinations/crm');
    expect(patch?.body).toEqual({ maxEventsPerSecond: 75 });
  });

  it("disables a viewer's every edit control, saying why", async () => {
    const api = destinationApi();
    const { wrapper } = render(api, ROLES.viewer);
    await waitFor(() => expect(buttonByText(wrapper, 'Edit draft')).toBeTruthy());
    await waitFor(() => expect(wrapper.findAllKeyValuePairs()).toHaveLength(2));
    expect(buttonByText(wrapper, 'Edit draft')?.isDisabled()).toBe(true);
    expect(disabledReasonOf(buttonByText(wrapper, 'Edit draft'))).toContain('Viewers cannot');
    expect(disabledReasonOf(buttonByText(wrapper, 'Delete'))).toContain('Only admins');

    await openTab(wrapper, 'Mapping');
    await waitFor(() => expect(buttonByText(wrapper, 'Save mapping')).toBeTruthy());
    expect(buttonByText(wrapper, 'Save mapping')?.isDisabled()).toBe(true);
    expect(disabledReasonOf(buttonByText(wrapper, 'Save mapping'))).toContain('Viewers cannot');
    expect(buttonByText(wrapper, 'Add rule')?.isDisabled()).toBe(true);
    expect(inputByLabel(wrapper, 'Property path of rule 1')?.isDisabled()).toBe(true);
    expect(inputByLabel(wrapper, 'Required consent')?.isDisabled()).toBe(true);
    // The API lets no viewer test mappings: the page does not try.
    expect(api.calls.some((call) => call.path.endsWith('/mapping/test'))).toBe(false);

    await openTab(wrapper, 'Dead letters');
    await waitFor(() => expect(buttonByText(wrapper, 'Redrive')).toBeTruthy());
    expect(buttonByText(wrapper, 'Redrive')?.isDisabled()).toBe(true);
  });

  it('reads health over the window chosen, and shows what the API returned', async () => {
    const api = destinationApi();
    const { wrapper } = render(api);
    await openTab(wrapper, 'Health');
    await waitFor(() => expect(wrapper.findSegmentedControl()).toBeTruthy());
    await waitFor(() =>
      expect(wrapper.findContentLayout()?.getElement().textContent).toContain(`Delivered${DELIVERED.day}`),
    );
    expect(api.calls.filter((call) => call.path.startsWith('/v1/workspaces/ws-1/health')).at(-1)?.path).toBe(
      '/v1/workspaces/ws-1/health?window=day',
    );

    act(() => wrapper.findSegmentedControl()?.findSegmentById('week')?.click());
    await waitFor(() =>
      expect(wrapper.findContentLayout()?.getElement().textContent).toContain(`Delivered${DELIVERED.week}`),
    );
    expect(api.calls.filter((call) => call.path.startsWith('/v1/workspaces/ws-1/health')).at(-1)?.path).toBe(
      '/v1/workspaces/ws-1/health?window=week',
    );
    const text = wrapper.findContentLayout()?.getElement().textContent;
    expect(text).toContain('Latency p50100 ms to 250 ms');
    expect(text).toContain('Closed: delivering');
    expect(text).toContain('Blocked by consent7');
  });

  it('lists recent failures with their reason code and attempt', async () => {
    const api = destinationApi();
    const { wrapper } = render(api);
    await openTab(wrapper, 'Failures');
    await waitFor(() => expect(wrapper.findTable()?.findRows()).toHaveLength(1));
    expect(wrapper.findTable()?.findBodyCell(1, 2)?.getElement().textContent).toBe('AccessDenied');
    expect(wrapper.findTable()?.findBodyCell(1, 4)?.getElement().textContent).toBe('2');
    expect(
      api.calls.some(
        (call) => call.path === '/v1/workspaces/ws-1/destinations/crm/failures?window=day&limit=100',
      ),
    ).toBe(true);
  });

  it("redrives this destination's selected dead letters", async () => {
    const letter = {
      id: '1717236000000-a',
      at: '2025-06-01T10:00:00.000Z',
      errorCode: 'AccessDenied',
      reason: 'denied',
      attempts: 5,
      destinationId: 'crm',
      expiresAt: '2025-06-15T10:00:00.000Z',
    };
    const api = destinationApi((method, path) => {
      if (method === 'GET' && path.startsWith('/v1/workspaces/ws-1/dead-letters'))
        return { body: { letters: [letter] } };
      if (method === 'POST' && path.endsWith('/dead-letters/redrive'))
        return {
          body: {
            matched: 1,
            notFound: [],
            remaining: 0,
            remainingExact: true,
            left: [],
            failed: 0,
            redriven: 1,
            notRemoved: 0,
          },
        };
      return undefined;
    });
    const { wrapper } = render(api);
    await openTab(wrapper, 'Dead letters');
    await waitFor(() => expect(wrapper.findTable()?.findRows()).toHaveLength(1));
    expect(
      api.calls.some((call) => call.path === '/v1/workspaces/ws-1/dead-letters?limit=50&destination=crm'),
    ).toBe(true);
    act(() => wrapper.findTable()?.findRowSelectionArea(1)?.click());
    act(() => buttonByText(wrapper, 'Redrive')?.click());
    act(() => buttonByText(openModal() ?? wrapper, 'Confirm')?.click());
    const alerts = () => wrapper.findAllAlerts().map((alert) => alert.getElement().textContent);
    await waitFor(() => expect(alerts().join('|')).toContain('Sent 1 letter back'));
    expect(api.calls.find((call) => call.path.endsWith('/dead-letters/redrive'))?.body).toEqual({
      letters: ['1717236000000-a'],
    });
  });
});
