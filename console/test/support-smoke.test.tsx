import Header from '@cloudscape-design/components/header';
import { waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useApi } from '../src/api/api-context';
import { ApiError, call } from '../src/api/client';
import { ApiErrorAlert } from '../src/components/api-error-alert';
import { fakeApi, renderPage } from './support/render';

function Probe() {
  const destinations = useApi(
    (api) =>
      call(api.GET('/v1/workspaces/{workspace}/destinations', { params: { path: { workspace: 'ws-1' } } })),
    [],
  );
  return (
    <>
      <Header variant="h1">probe</Header>
      <ApiErrorAlert error={destinations.error} />
    </>
  );
}

describe('the fake API', () => {
  it('records calls with the bearer token and turns refusals into ApiErrors with their problems', async () => {
    const { client, calls } = fakeApi(() => ({
      status: 403,
      body: {
        code: 'Forbidden',
        message: 'viewers cannot',
        requestId: 'r-1',
        problems: [{ field: 'name', message: 'bad' }],
      },
    }));
    const { wrapper } = renderPage(<Probe />, { client });
    await waitFor(() => expect(wrapper.findAlert()).toBeTruthy());
    expect(wrapper.findAlert()?.getElement().textContent).toContain('viewers cannot');
    expect(wrapper.findAlert()?.getElement().textContent).toContain('r-1');
    expect(calls[0].path).toBe('/workspaces/ws-1/destinations'.replace(/^/, '/v1'));
    expect(calls[0].headers.get('authorization')).toBe('Bearer token');
    expect(
      new ApiError(400, 'X', 'm', [{ field: 'config.region', message: 'r' }]).problemWith('region'),
    ).toBe('r');
  });
});
