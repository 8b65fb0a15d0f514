import { act } from '@testing-library/react';
import { createElement } from 'react';
import { expect } from 'vitest';
import { DestinationPage } from '../../../src/pages/destination/destination-page';
import { eventually } from '../../support/cloudscape';
import { fakeApi, notFound, workspacePage } from '../../support/render';

/** A draft SNS destination with a live version that differs (one changed field). */
export const DRAFT = {
  id: 'crm',
  type: 'sns',
  topicArn: 'arn:aws:sns:us-east-1:111122223333:crm',
  roleArn: 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery',
  events: ['*'],
  maxEventsPerSecond: 50,
  mapping: { mode: 'all', properties: { 'visitor.email': 'hash' } },
};
export const LIVE = { ...DRAFT, maxEventsPerSecond: 20 };

export const TYPES = {
  types: [
    {
      type: 'sns',
      fields: [
        { name: 'region', label: 'Region', description: 'r', required: false, kind: 'text' },
        {
          name: 'topicArn',
          label: 'Topic ARN',
          description: 'The topic',
          required: true,
          kind: 'text',
          pattern: '^arn:aws:sns:.+$',
          patternMessage: 'must be an SNS topic ARN',
        },
        {
          name: 'roleArn',
          label: 'Delivery role ARN',
          description: 'The role',
          required: true,
          kind: 'text',
        },
        { name: 'id', label: 'Destination id', description: 'id', required: true, kind: 'text' },
        { name: 'events', label: 'Events', description: 'Event names', required: false, kind: 'list' },
        {
          name: 'maxEventsPerSecond',
          label: 'Rate limit',
          description: 'per second',
          required: false,
          kind: 'number',
        },
        { name: 'mapping', label: 'Data mapping', description: 'm', required: false, kind: 'json' },
      ],
    },
  ],
};

/**
 * Twelve buckets of the window from 2025-06-01T00:00Z, 2 h apart: the failures in the fourth, the
 * deliveries in the last.
 */
export const series = (delivered: number) =>
  Array.from({ length: 12 }, (_, i) => ({
    at: new Date(Date.UTC(2025, 5, 1, 2 * i)).toISOString(),
    delivered: i === 11 ? delivered : 0,
    failed: i === 3 ? 4 : 0,
    deadLettered: i === 3 ? 1 : 0,
  }));

export const figures = (delivered: number) => ({
  destinationId: 'crm',
  type: 'sns',
  live: true,
  delivered,
  failed: { total: 4, byCode: { AccessDenied: 3, Throttled: 1 } },
  retriesScheduled: 2,
  deadLettered: { total: 1, byCode: { AccessDenied: 1 } },
  blockedByConsent: 7,
  offloaded: 0,
  latencyMs: { delivered, p50: { fromMs: 100, toMs: 250 }, p99: { fromMs: 1000, toMs: 2500 } },
  lastSuccessAt: '2025-06-01T10:00:00.000Z',
  lastFailure: { at: '2025-06-01T09:00:00.000Z', code: 'AccessDenied', reason: 'not authorized', attempt: 2 },
  circuit: { state: 'closed', changedAt: null, reason: null, openedInWindow: 0, failingSince: null },
  disabled: null,
  series: series(delivered),
});

/** Delivered counts per window, so a test can tell which window is shown. */
export const DELIVERED = { hour: 12, day: 340, week: 2100 } as const;

export const MAPPED = {
  event: { event: 'Order Completed', distinct_id: 'order-10042' },
  visitor: { visitor_id: 'v-7f3a', email: 'a'.repeat(64), first_name: '[redacted]' },
  user: { user_id: 'u-881', plan: 'pro' },
};

type Answer = { status?: number; body?: unknown; headers?: Record<string, string> };

/** The API as the destination page sees it; `override` answers first (`undefined`: fall through). */
export function destinationApi(
  override: (method: string, path: string, body: unknown) => Answer | undefined = () => undefined,
) {
  return fakeApi((method, path, body) => {
    const answer = override(method, path, body);
    if (answer) return answer;
    const base = '/v1/workspaces/ws-1';
    if (method === 'GET' && path === `${base}/destinations/crm`)
      return { body: { draft: DRAFT, live: LIVE, liveVersion: 3 } };
    if (method === 'GET' && path === `${base}/destination-types`) return { body: TYPES };
    if (method === 'GET' && path.startsWith(`${base}/health`)) {
      const window = (new URLSearchParams(path.split('?')[1]).get('window') ??
        'hour') as keyof typeof DELIVERED;
      return {
        body: {
          workspace: 'ws-1',
          window,
          from: '2025-06-01T00:00:00Z',
          to: '2025-06-02T00:00:00Z',
          generatedAt: '2025-06-02T00:00:00Z',
          totals: {},
          destinations: [figures(DELIVERED[window])],
        },
      };
    }
    if (method === 'GET' && path.startsWith(`${base}/destinations/crm/failures`))
      return {
        body: {
          workspace: 'ws-1',
          destination: 'crm',
          window: 'day',
          from: 'a',
          to: 'b',
          failures: [
            {
              at: '2025-06-01T09:00:00.000Z',
              distinctIdHash: '0123456789abcdef0123',
              code: 'AccessDenied',
              reason: 'not authorized',
              attempt: 2,
              outcome: 'retry scheduled',
            },
          ],
        },
      };
    if (method === 'GET' && path === `${base}/destinations/crm/mapping`)
      return {
        body: {
          draft: { mapping: DRAFT.mapping, requiredConsent: null },
          live: { mapping: LIVE.mapping, requiredConsent: null },
        },
      };
    if (method === 'POST' && path === `${base}/mapping/test`)
      return {
        body: {
          results: [
            { line: 1, destination: 'crm', outcome: 'delivered', payload: MAPPED },
            { line: 1, destination: 'other', outcome: 'not routed' },
          ],
        },
      };
    if (method === 'GET' && path.startsWith(`${base}/dead-letters`)) return { body: { letters: [] } };
    return notFound(method, path);
  });
}

/** The page of destination crm, as an editor by default. */
export const renderDestinationPage = workspacePage(createElement(DestinationPage), 'destinations/crm', {
  pattern: 'destinations/:destination',
});

/** Opens the page's tab labelled `label`, once the page has loaded. */
export async function openTab(wrapper: ReturnType<typeof renderDestinationPage>['wrapper'], label: string) {
  await eventually(() => expect(wrapper.findTabs()).toBeTruthy());
  const tabs = wrapper.findTabs();
  const index = tabs?.findTabLinks().findIndex((tab) => tab.getElement().textContent === label) ?? -1;
  expect(index).toBeGreaterThanOrEqual(0);
  act(() => tabs?.findTabLinkByIndex(index + 1)?.click());
}
