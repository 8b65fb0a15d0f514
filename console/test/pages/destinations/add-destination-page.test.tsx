import { waitFor } from '@testing-library/react';
import { beforeAll, describe, expect, it } from 'vitest';
import { AddDestinationPage } from '../../../src/pages/destinations/add-destination-page';
import { fakeApi, ROLES, renderPage } from '../../support/render';
import {
  actLikeTestingLibrary,
  buttonNamed,
  errorOf,
  fieldLabelled,
  fieldLabels,
  tableRows,
  typeInto,
} from './cloudscape-queries';
import { DESTINATION_TYPES, TRUST_POLICY } from './fixtures';

type Answer = { status?: number; body?: unknown };

/** The control plane as the wizard meets it; `save` and `check` answer the two POSTs. */
function api(answers: { save?: (body: unknown) => Answer; check?: Answer } = {}) {
  return fakeApi((method, path, body) => {
    if (method === 'GET' && path === '/v1/workspaces/ws-1/destination-types')
      return { body: DESTINATION_TYPES };
    if (method === 'GET' && path === '/v1/workspaces/ws-1/trust-policy') return { body: TRUST_POLICY };
    if (method === 'POST' && path === '/v1/workspaces/ws-1/destinations')
      return answers.save?.(body) ?? { status: 201, body };
    if (method === 'POST' && path === '/v1/workspaces/ws-1/destinations/orders/check')
      return (
        answers.check ?? { status: 500, body: { code: 'Unexpected', message: 'no check', requestId: 'r' } }
      );
    return { status: 404, body: { code: 'NotFound', message: `${method} ${path}`, requestId: 'r-0' } };
  });
}

async function openWizard(client: ReturnType<typeof api>['client'], access = ROLES.editor) {
  const page = renderPage(<AddDestinationPage />, {
    client,
    access,
    path: '/workspaces/ws-1/destinations/new',
    pattern: '/workspaces/:workspace/destinations/new',
  });
  await waitFor(() => expect(page.wrapper.findTiles()?.findItems()).toHaveLength(2));
  return page.wrapper;
}

type Page = Awaited<ReturnType<typeof openWizard>>;

const stepTitle = (page: Page) => page.findWizard()?.findHeader()?.find('h1')?.getElement().textContent;
const next = (page: Page) => page.findWizard()?.findPrimaryButton().click();

function chooseType(page: Page, type: string) {
  page.findTiles()?.findItemByValue(type)?.findNativeInput().click();
  next(page);
}

/** A Lambda function by region and name, through to the review step. */
async function fillLambda(page: Page) {
  chooseType(page, 'lambda');
  typeInto(page, 'Region', 'eu-west-1');
  typeInto(page, 'Function name', 'orders-fn');
  typeInto(page, 'Destination id', 'orders');
  next(page);
  next(page);
  await waitFor(() => expect(stepTitle(page)).toBe('Review and save'));
}

beforeAll(actLikeTestingLibrary);

describe('AddDestinationPage', () => {
  it('offers each type the API lists', async () => {
    // Act
    const page = await openWizard(api().client);

    // Assess
    const tiles = page.findTiles()?.findItems() ?? [];
    expect(tiles.map((tile) => tile.findNativeInput().getElement().getAttribute('value'))).toEqual([
      'lambda',
      'sns',
    ]);
    expect(tiles.map((tile) => tile.findLabel().getElement().textContent)).toEqual([
      expect.stringContaining('AWS Lambda'),
      expect.stringContaining('Amazon SNS'),
    ]);
  });

  it("asks for the chosen type's fields, labelled as the API labels them", async () => {
    // Prepare
    const page = await openWizard(api().client);

    // Act
    chooseType(page, 'sns');

    // Assess
    expect(stepTitle(page)).toBe('Configure');
    expect(fieldLabels(page)).toEqual(
      expect.arrayContaining(['Region', 'Topic ARN', 'Delivery role ARN', 'Destination id', 'Events']),
    );
    expect(fieldLabelled(page, 'Function name')).toBeUndefined();
  });

  it("asks for a Lambda function's region and name, or its ARN as one field", async () => {
    // Prepare
    const page = await openWizard(api().client);
    chooseType(page, 'lambda');
    const byParts = fieldLabels(page);

    // Act
    page.findRadioGroup()?.findInputByValue('field')?.click();

    // Assess
    expect(byParts).toEqual(expect.arrayContaining(['Region', 'Function name', 'Account']));
    expect(byParts).not.toContain('Function ARN');
    expect(fieldLabels(page)).toContain('Function ARN');
    expect(fieldLabels(page)).not.toContain('Function name');
  });

  it("shows the field's pattern message as the value is typed", async () => {
    // Prepare
    const page = await openWizard(api().client);
    chooseType(page, 'sns');

    // Act
    typeInto(page, 'Region', 'Ireland');
    const wrong = errorOf(page, 'Region');
    typeInto(page, 'Region', 'eu-west-1');

    // Assess
    expect(wrong).toBe('Region must be an AWS region');
    expect(errorOf(page, 'Region')).toBeUndefined();
  });

  it('does not go on while a required field is empty', async () => {
    // Prepare
    const page = await openWizard(api().client);
    chooseType(page, 'sns');
    typeInto(page, 'Destination id', 'alerts');

    // Act
    next(page);

    // Assess
    expect(stepTitle(page)).toBe('Configure');
    expect(errorOf(page, 'Topic ARN')).toBe('Topic ARN is required');
    expect(errorOf(page, 'Destination id')).toBeUndefined();
  });

  it('shows the trust policy, the external id and the customer stack command for a role', async () => {
    // Prepare
    const page = await openWizard(api().client);
    chooseType(page, 'sns');
    typeInto(page, 'Topic ARN', 'arn:aws:sns:eu-west-1:111122223333:alerts');
    typeInto(page, 'Delivery role ARN', 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery');
    typeInto(page, 'Destination id', 'alerts');

    // Act
    next(page);

    // Assess
    await waitFor(() => expect(page.findKeyValuePairs()).toBeTruthy());
    const text = page.findWizard()?.getElement().textContent ?? '';
    expect(text).toContain(TRUST_POLICY.dispatcherRoleArn);
    expect(text).toContain('ext-42');
    expect(text).toContain('"Version": "2012-10-17"');
    expect(text).toContain('npm run deploy:customer --');
    expect(text).toContain('-c externalId=ext-42');
    expect(text).not.toContain('aws lambda add-permission');
    expect(buttonNamed(page, 'Copy trust policy')).toBeTruthy();
  });

  it('saves to the draft exactly the fields given', async () => {
    // Prepare
    const { client, calls } = api();
    const page = await openWizard(client);
    await fillLambda(page);

    // Act
    buttonNamed(page, 'Save to draft').click();

    // Assess
    await waitFor(() => expect(calls.some((call) => call.method === 'POST')).toBe(true));
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({
      type: 'lambda',
      region: 'eu-west-1',
      functionName: 'orders-fn',
      invocationType: 'Event',
      id: 'orders',
      events: ['*'],
    });
    await waitFor(() =>
      expect(page.findHeader()?.getElement().textContent).toContain('orders saved to the draft'),
    );
    const links = page.findAllLinks().map((link) => link.getElement().getAttribute('href'));
    expect(links).toEqual(
      expect.arrayContaining(['/workspaces/ws-1/destinations/orders', '/workspaces/ws-1/publish']),
    );
  });

  it("shows the API's problem on the field it names", async () => {
    // Prepare
    const { client } = api({
      save: () => ({
        status: 400,
        body: {
          code: 'InvalidRequest',
          message: 'invalid request',
          requestId: 'r-1',
          problems: [
            {
              field: 'account',
              message: 'is needed with functionName when there is no roleArn to take it from',
            },
          ],
        },
      }),
    });
    const page = await openWizard(client);
    await fillLambda(page);

    // Act
    buttonNamed(page, 'Save to draft').click();

    // Assess
    await waitFor(() => expect(stepTitle(page)).toBe('Configure'));
    expect(errorOf(page, 'Account')).toBe(
      'Account is needed with functionName when there is no roleArn to take it from',
    );
    typeInto(page, 'Account', '111122223333');
    expect(errorOf(page, 'Account')).toBeUndefined();
  });

  it("runs the saved destination's setup check and shows each step's verdict and fix", async () => {
    // Prepare
    const { client, calls } = api({
      check: {
        body: {
          workspace: 'ws-1',
          destination: 'orders',
          source: 'draft',
          ok: false,
          steps: [
            { step: 'Assume the delivery role', verdict: 'ok', detail: 'assumed' },
            {
              step: 'Invoke the function',
              verdict: 'fail',
              detail: 'AccessDenied',
              fix: 'Allow lambda:InvokeFunction on the function',
            },
            { step: 'Deliver a test event', verdict: 'skip', detail: 'not asked' },
          ],
        },
      },
    });
    const page = await openWizard(client);
    await fillLambda(page);
    buttonNamed(page, 'Save to draft').click();
    await waitFor(() => expect(buttonNamed(page, 'Run check')).toBeTruthy());

    // Act
    page.findCheckbox()?.findNativeInput().click();
    buttonNamed(page, 'Run check').click();

    // Assess
    await waitFor(() => expect(page.findTable()).toBeTruthy());
    expect(calls.find((call) => call.path.endsWith('/check'))?.body).toEqual({ sendTestEvent: true });
    expect(tableRows(page)).toEqual([
      ['Assume the delivery role', 'OK', 'assumed', '-'],
      ['Invoke the function', 'Failed', 'AccessDenied', 'Allow lambda:InvokeFunction on the function'],
      ['Deliver a test event', 'Skipped', 'not asked', '-'],
    ]);
    expect(page.findAlert()?.getElement().textContent).toContain('1 step failed');
  });

  it('keeps a viewer from saving: Save to draft is disabled and nothing is posted', async () => {
    // Prepare
    const { client, calls } = api();
    const page = await openWizard(client, ROLES.viewer);
    await fillLambda(page);

    // Act
    const save = buttonNamed(page, 'Save to draft');
    save.click();

    // Assess
    expect(save.isDisabled()).toBe(true);
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
  });
});
