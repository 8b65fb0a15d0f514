import { act } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { buttonNamed, eventually, inputByLabel } from '../../support/cloudscape';
import { destinationApi, openTab, renderDestinationPage } from './fixtures';

async function openMapping(wrapper: ReturnType<typeof renderDestinationPage>['wrapper']) {
  await openTab(wrapper, 'Mapping');
  await eventually(() => expect(buttonNamed('Save mapping', wrapper)).toBeTruthy());
}

const tests = (api: ReturnType<typeof destinationApi>) =>
  api.calls.filter((call) => call.path.endsWith('/mapping/test'));

describe('the Mapping tab', () => {
  it('previews the sample through the draft mapping and lists what was hashed, redacted and dropped', async () => {
    const api = destinationApi();
    const { wrapper } = renderDestinationPage(api);
    await openMapping(wrapper);

    await eventually(() => expect(tests(api)).toHaveLength(1));
    const body = tests(api)[0].body as { events: string[]; draft: boolean };
    expect(body.draft).toBe(true);
    const sample = JSON.parse(body.events[0]);
    expect(sample.workspace_id).toBe('ws-1');
    expect(sample.visitor.email).toBe('Jane.Doe@example.com');

    await eventually(() =>
      expect(wrapper.findContentLayout()?.getElement().textContent).toContain('Delivered'),
    );
    const changes = wrapper
      .findAllTables()
      .at(-1)
      ?.findRows()
      .map((row) => row.getElement().textContent);
    expect(changes).toContain(
      'visitor.emailhashed"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"',
    );
    expect(changes).toContain('visitor.first_nameredacted"[redacted]"');
    expect(changes).toContain('visitor.citydroppednot sent');
    expect(wrapper.find('[data-testid="mapped-payload"]')?.getElement().textContent).toContain(
      '"user_id": "u-881"',
    );
  });

  it('tests an edited sample once typing pauses, not at each keystroke', async () => {
    const api = destinationApi();
    const { wrapper } = renderDestinationPage(api);
    await openMapping(wrapper);
    await eventually(() => expect(tests(api)).toHaveLength(1));

    const textarea = wrapper.findTextarea();
    act(() => textarea?.setTextareaValue('{"workspace_id": "ws-1"'));
    act(() => textarea?.setTextareaValue('{"workspace_id": "ws-1"}'));
    await eventually(() => expect(tests(api)).toHaveLength(2));
    expect((tests(api)[1].body as { events: string[] }).events).toEqual(['{"workspace_id": "ws-1"}']);
  });

  it('previews the rules as edited, before saving, then saves them and the consent to the draft', async () => {
    let saved: unknown;
    const api = destinationApi((method, path, body) => {
      if (method === 'PUT') {
        saved = body;
        return { body: {} };
      }
      if (saved && method === 'GET' && path.endsWith('/crm/mapping'))
        return { body: { draft: saved, live: null } };
      return undefined;
    });
    const { wrapper } = renderDestinationPage(api);
    await openMapping(wrapper);
    await eventually(() => expect(tests(api)).toHaveLength(1));
    const edited = {
      mapping: {
        mode: 'all',
        properties: {
          'visitor.email': 'hash',
          'event.event_properties.total': { action: 'hash', rename: 'amount' },
        },
      },
      requiredConsent: ['marketing'],
    };

    act(() => buttonNamed('Add rule', wrapper).click());
    act(() => inputByLabel('Property path of rule 2', wrapper).setInputValue('event.event_properties.total'));
    act(() => inputByLabel('New name of rule 2', wrapper).setInputValue('amount'));
    act(() => inputByLabel('Required consent', wrapper).setInputValue('marketing'));

    // The unsaved rules run in the preview as this destination's candidate.
    await eventually(() =>
      expect(tests(api).at(-1)?.body).toMatchObject({ candidate: { destination: 'crm', ...edited } }),
    );
    expect(api.calls.some((call) => call.method === 'PUT')).toBe(false);
    expect(wrapper.findContentLayout()?.getElement().textContent).not.toContain(
      'The preview shows the saved mapping',
    );
    act(() => buttonNamed('Save mapping', wrapper).click());

    await eventually(() => expect(api.calls.some((call) => call.method === 'PUT')).toBe(true));
    const put = api.calls.find((call) => call.method === 'PUT');
    expect(put?.path).toBe('/v1/workspaces/ws-1/destinations/crm/mapping');
    expect(put?.body).toEqual(edited);
    // Saved: the preview runs the draft's own rules again, with no candidate.
    await eventually(() => expect(tests(api).at(-1)?.body).not.toHaveProperty('candidate'));
  });

  it('refuses a rule the API would refuse, naming the row, without saving', async () => {
    const api = destinationApi();
    const { wrapper } = renderDestinationPage(api);
    await openMapping(wrapper);
    act(() => inputByLabel('Property path of rule 1', wrapper).setInputValue('email'));
    act(() => buttonNamed('Save mapping', wrapper).click());
    await eventually(() =>
      expect(wrapper.findContentLayout()?.getElement().textContent).toContain('Start with visitor.'),
    );
    expect(api.calls.some((call) => call.method === 'PUT')).toBe(false);
  });
});
