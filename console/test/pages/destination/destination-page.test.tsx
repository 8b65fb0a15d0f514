import { act } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { buttonNamed, disabledReasonOf, eventually, inputByLabel, openModal } from '../../support/cloudscape';
import { ROLES } from '../../support/render';
import { deadLetter, redriven } from '../dead-letters/fixtures';
import { DELIVERED, destinationApi, openTab, renderDestinationPage } from './fixtures';

describe('DestinationPage', () => {
  it('shows its name, type and status, and the draft and live configuration', async () => {
    const api = destinationApi();
    const { wrapper } = renderDestinationPage(api);
    await eventually(() => expect(wrapper.findTabs()).toBeTruthy());
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
    await eventually(() => expect(wrapper.findAllKeyValuePairs()).toHaveLength(2));
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
    const { wrapper } = renderDestinationPage(api);
    await eventually(() => expect(buttonNamed('Edit draft', wrapper).isDisabled()).toBe(false));
    act(() => buttonNamed('Edit draft', wrapper).click());
    act(() => inputByLabel('Rate limit', wrapper).setInputValue('75'));
    act(() => buttonNamed('Save to draft', wrapper).click());
    await eventually(() => expect(api.calls.some((call) => call.method === 'PATCH')).toBe(true));
    const patch = api.calls.find((call) => call.method === 'PATCH');
    expect(patch?.path).toBe('/v1/workspaces/ws-1/destinations/crm');
    expect(patch?.body).toEqual({ maxEventsPerSecond: 75 });
  });

  it("disables a viewer's every edit control, saying why", async () => {
    const api = destinationApi();
    const { wrapper } = renderDestinationPage(api, ROLES.viewer);
    await eventually(() => expect(buttonNamed('Edit draft', wrapper)).toBeTruthy());
    await eventually(() => expect(wrapper.findAllKeyValuePairs()).toHaveLength(2));
    expect(buttonNamed('Edit draft', wrapper).isDisabled()).toBe(true);
    expect(disabledReasonOf(buttonNamed('Edit draft', wrapper))).toContain('Viewers cannot');
    expect(disabledReasonOf(buttonNamed('Delete', wrapper))).toContain('Only admins');

    await openTab(wrapper, 'Mapping');
    await eventually(() => expect(buttonNamed('Save mapping', wrapper)).toBeTruthy());
    expect(buttonNamed('Save mapping', wrapper).isDisabled()).toBe(true);
    expect(disabledReasonOf(buttonNamed('Save mapping', wrapper))).toContain('Viewers cannot');
    expect(buttonNamed('Add rule', wrapper).isDisabled()).toBe(true);
    expect(inputByLabel('Property path of rule 1', wrapper).isDisabled()).toBe(true);
    expect(inputByLabel('Required consent', wrapper).isDisabled()).toBe(true);
    // The API lets no viewer test mappings: the page does not try.
    expect(api.calls.some((call) => call.path.endsWith('/mapping/test'))).toBe(false);

    await openTab(wrapper, 'Dead letters');
    await eventually(() => expect(buttonNamed('Redrive', wrapper)).toBeTruthy());
    expect(buttonNamed('Redrive', wrapper).isDisabled()).toBe(true);
  });

  it('reads health over the window chosen, and shows what the API returned', async () => {
    const api = destinationApi();
    const { wrapper } = renderDestinationPage(api);
    await openTab(wrapper, 'Health');
    await eventually(() => expect(wrapper.findSegmentedControl()).toBeTruthy());
    await eventually(() =>
      expect(wrapper.findContentLayout()?.getElement().textContent).toContain(`Delivered${DELIVERED.day}`),
    );
    expect(api.calls.filter((call) => call.path.startsWith('/v1/workspaces/ws-1/health')).at(-1)?.path).toBe(
      '/v1/workspaces/ws-1/health?window=day',
    );

    act(() => wrapper.findSegmentedControl()?.findSegmentById('week')?.click());
    await eventually(() =>
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
    const { wrapper } = renderDestinationPage(api);
    await openTab(wrapper, 'Failures');
    await eventually(() => expect(wrapper.findTable()?.findRows()).toHaveLength(1));
    expect(wrapper.findTable()?.findBodyCell(1, 2)?.getElement().textContent).toBe('AccessDenied');
    expect(wrapper.findTable()?.findBodyCell(1, 4)?.getElement().textContent).toBe('2');
    expect(
      api.calls.some(
        (call) => call.path === '/v1/workspaces/ws-1/destinations/crm/failures?window=day&limit=100',
      ),
    ).toBe(true);
  });

  it("redrives this destination's selected dead letters", async () => {
    const api = destinationApi((method, path) => {
      if (method === 'GET' && path.startsWith('/v1/workspaces/ws-1/dead-letters'))
        return { body: { letters: [deadLetter('1717236000000-a', 'crm')] } };
      if (method === 'POST' && path.endsWith('/dead-letters/redrive')) return { body: redriven() };
      return undefined;
    });
    const { wrapper } = renderDestinationPage(api);
    await openTab(wrapper, 'Dead letters');
    await eventually(() => expect(wrapper.findTable()?.findRows()).toHaveLength(1));
    expect(
      api.calls.some((call) => call.path === '/v1/workspaces/ws-1/dead-letters?limit=50&destination=crm'),
    ).toBe(true);
    act(() => wrapper.findTable()?.findRowSelectionArea(1)?.click());
    act(() => buttonNamed('Redrive', wrapper).click());
    act(() => buttonNamed('Confirm', openModal()).click());
    const alerts = () => wrapper.findAllAlerts().map((alert) => alert.getElement().textContent);
    await eventually(() => expect(alerts().join('|')).toContain('Sent 1 letter back'));
    expect(api.calls.find((call) => call.path.endsWith('/dead-letters/redrive'))?.body).toEqual({
      letters: ['1717236000000-a'],
    });
  });
});
