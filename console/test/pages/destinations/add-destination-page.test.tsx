import { describe, expect, it } from 'vitest';
import { AddDestinationPage } from '../../../src/pages/destinations/add-destination-page';
import { buttonNamed, errorOf, eventually, fieldLabels, tableRows, typeInto } from '../../support/cloudscape';
import { fakeApi, notFound, ROLES, workspacePage } from '../../support/render';
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
    return notFound(method, path);
  });
}

async function openWizard(client: ReturnType<typeof api>['client'], access = ROLES.editor) {
  const page = workspacePage(<AddDestinationPage />, 'destinations/new')({ client }, access);
  await eventually(() => expect(page.wrapper.findTiles()?.findItems()).toHaveLength(2));
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
  typeInto('Region', 'eu-west-1', page);
  typeInto('Function name', 'orders-fn', page);
  typeInto('Destination id', 'orders', page);
  next(page);
  next(page);
  await eventually(() => expect(stepTitle(page)).toBe('Review and save'));
}

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
    expect(fieldLabels(page)).not.toContain('Function name');
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
    typeInto('Region', 'Ireland', page);
    const wrong = errorOf('Region', page);
    typeInto('Region', 'eu-west-1', page);

    // Assess
    expect(wrong).toBe('Region must be an AWS region');
    expect(errorOf('Region', page)).toBeUndefined();
  });

  it('does not go on while a required field is empty', async () => {
    // Prepare
    const page = await openWizard(api().client);
    chooseType(page, 'sns');
    typeInto('Destination id', 'alerts', page);

    // Act
    next(page);

    // Assess
    expect(stepTitle(page)).toBe('Configure');
    expect(errorOf('Topic ARN', page)).toBe('Topic ARN is required');
    expect(errorOf('Destination id', page)).toBeUndefined();
  });

  it('shows the trust policy, the external id and the customer stack command for a role', async () => {
    // Prepare
    const page = await openWizard(api().client);
    chooseType(page, 'sns');
    typeInto('Topic ARN', 'arn:aws:sns:eu-west-1:111122223333:alerts', page);
    typeInto('Delivery role ARN', 'arn:aws:iam::111122223333:role/event-delivery/EventDelivery', page);
    typeInto('Destination id', 'alerts', page);

    // Act
    next(page);

    // Assess
    await eventually(() => expect(page.findKeyValuePairs()).toBeTruthy());
    const text = page.findWizard()?.getElement().textContent ?? '';
    expect(text).toContain(TRUST_POLICY.dispatcherRoleArn);
    expect(text).toContain('ext-42');
    expect(text).toContain('"Version": "2012-10-17"');
    expect(text).toContain('npm run deploy:customer --');
    expect(text).toContain('-c externalId=ext-42');
    expect(text).not.toContain('aws lambda add-permission');
    expect(buttonNamed('Copy trust policy', page)).toBeTruthy();
  });

  it('saves to the draft exactly the fields given', async () => {
    // Prepare
    const { client, calls } = api();
    const page = await openWizard(client);
    await fillLambda(page);

    // Act
    buttonNamed('Save to draft', page).click();

    // Assess
    await eventually(() => expect(calls.some((call) => call.method === 'POST')).toBe(true));
    expect(calls.find((call) => call.method === 'POST')?.body).toEqual({
      type: 'lambda',
      region: 'eu-west-1',
      functionName: 'orders-fn',
      invocationType: 'Event',
      id: 'orders',
      events: ['*'],
    });
    await eventually(() =>
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
    buttonNamed('Save to draft', page).click();

    // Assess
    await eventually(() => expect(stepTitle(page)).toBe('Configure'));
    expect(errorOf('Account', page)).toBe(
      'Account is needed with functionName when there is no roleArn to take it from',
    );
    typeInto('Account', '111122223333', page);
    expect(errorOf('Account', page)).toBeUndefined();
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
    buttonNamed('Save to draft', page).click();
    await eventually(() => expect(buttonNamed('Run check', page)).toBeTruthy());

    // Act
    page.findCheckbox()?.findNativeInput().click();
    buttonNamed('Run check', page).click();

    // Assess
    await eventually(() => expect(page.findTable()).toBeTruthy());
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
    const save = buttonNamed('Save to draft', page);
    save.click();

    // Assess
    expect(save.isDisabled()).toBe(true);
    expect(calls.filter((call) => call.method === 'POST')).toEqual([]);
  });
});
