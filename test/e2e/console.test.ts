import type { Browser, Page } from 'playwright-core';
import type { DestinationInput } from '../../lambda/shared/destination-config';
import { LocalPipeline } from '../../local/pipeline';
import { DESTINATION_IDS } from '../../local/provision';
import { sendBodies } from '../../local/send-events';
import { generateEvents, seededRandom } from '../../local/test-events';
import { launchChromium, screenshot, signInThroughConsole } from '../support/browser';

jest.setTimeout(300_000);

/**
 * The console as a new customer uses it, in headless Chromium against `npm run local`'s platform:
 * sign in, add a Lambda destination by region and function name and an SNS one by region, topic
 * ARN and role ARN, check them with a test event, publish, see deliveries, shape the data with a
 * mapping and its preview, roll back; a viewer can change nothing, and a member of another
 * workspace sees nothing of this one. Each page's screenshot is saved under test-results/console.
 */
describe('the console, in a browser', () => {
  const workspace = 'workspace-1';
  const provisioned: DestinationInput[] = [];
  const events = generateEvents(30, { random: seededRandom(26), visitors: 4, workspaces: [workspace] });
  let pipeline: LocalPipeline;
  let browser: Browser;
  let page: Page;
  /** What the page reported as broken: console errors and uncaught exceptions, per page. */
  const pageErrors: string[] = [];

  const users = () => {
    if (!pipeline.access) throw new Error('no seeded access');
    return pipeline.access.workspaces;
  };
  const consoleUrl = () => {
    if (!pipeline.console) throw new Error('the console is not served');
    return pipeline.console.url;
  };
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const opened = await context.newPage();
    opened.on(
      'console',
      (message) =>
        message.type() === 'error' && pageErrors.push(`${message.text()} ${message.location().url}`),
    );
    opened.on('pageerror', (error) => pageErrors.push(error.message));
    return opened;
  };
  /** A script for the page: calls the API as the person signed in there, answers status and body. */
  const callApi = (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ) =>
    `(async () => {
      const { accessToken } = JSON.parse(sessionStorage.getItem('event-delivery.session'));
      const init = ${JSON.stringify(init)};
      const response = await fetch(${JSON.stringify(pipeline.controlPlane?.apiUrl)} + ${JSON.stringify(path)}, {
        ...init,
        headers: { ...init.headers, authorization: 'Bearer ' + accessToken },
      });
      return { status: response.status, body: await response.json() };
    })()`;
  const go = (to: Page, path: string) => to.goto(`${consoleUrl()}/workspaces/${workspace}${path}`);

  beforeAll(async () => {
    // Workspace 1 starts with nothing published: its admin adds its destinations in the console.
    pipeline = await LocalPipeline.start({
      workspaces: 2,
      registryCacheTtlSeconds: 1,
      configure: (local, destinations) => {
        if (local.id !== workspace) return destinations;
        provisioned.push(...destinations);
        return [];
      },
      controlPlane: { seedAccess: true, console: true },
    });
    browser = await launchChromium();
    page = await newPage();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await pipeline?.stop();
  });

  afterEach(() => {
    const reported = pageErrors.splice(0);
    expect(reported).toEqual([]);
  });

  /** Forgets the errors the browser logged for refusals a test asked for on purpose. */
  const expectedRefusals = (path: string) => {
    const kept = pageErrors.filter((error) => !error.includes(path));
    pageErrors.splice(0, pageErrors.length, ...kept);
  };

  it('signs in, keeping nothing in the browser but the session tokens', async () => {
    // Act
    await page.goto(consoleUrl());
    await page.getByLabel('Username').waitFor();
    await screenshot(page, 'sign-in');
    await signInThroughConsole(page, consoleUrl(), users()[workspace].users.admin);

    // Assess
    await page.getByText('No destinations yet').waitFor();
    await screenshot(page, 'destinations-empty');
    const storage = await page.evaluate(`({
      local: Object.keys(localStorage),
      session: Object.fromEntries(Object.entries(sessionStorage).map(([k, v]) => [k, Object.keys(JSON.parse(v))])),
    })`);
    expect(storage).toEqual({
      local: [],
      session: { 'event-delivery.session': ['accessToken', 'refreshToken', 'expiresAt'] },
    });
  });

  it('adds a Lambda destination by region and function name, with the trust policy to paste', async () => {
    // Prepare
    const local = pipeline.resources.workspaces[0];
    const [, , , region, , , functionName] = local.consumerFunctionArn.split(':');

    // Act
    await page.getByRole('link', { name: 'Add destination' }).click();
    await page.getByText('AWS Lambda', { exact: false }).first().click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Destination id').fill(DESTINATION_IDS.function);
    await page.getByLabel('Region', { exact: true }).fill(region);
    await page.getByLabel('Function name').fill(functionName);
    await page.getByLabel('Delivery role ARN').fill(local.deliveryRoleArn);
    await screenshot(page, 'add-destination-configure');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('External id').first().waitFor();
    await screenshot(page, 'add-destination-access');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Save to draft' }).click();

    // Assess: the check runs as the dispatcher, and delivers a test event
    await page.getByRole('button', { name: 'Run check' }).click();
    await page.getByRole('table', { name: 'Setup check steps' }).waitFor();
    await screenshot(page, 'setup-check');
    const verdicts = await page.getByRole('table', { name: 'Setup check steps' }).innerText();
    expect(verdicts).not.toMatch(/Failed|Fail\b/);
  });

  it('adds an SNS destination by region, topic ARN and role ARN, and checks it with a test event', async () => {
    // Prepare
    const local = pipeline.resources.workspaces[0];
    const topic = provisioned.find((d) => d.id === DESTINATION_IDS.topic) as { topicArn: string };

    // Act
    await go(page, '/destinations/new');
    await page.getByText('Amazon SNS', { exact: false }).first().click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Destination id').fill(DESTINATION_IDS.topic);
    await page.getByLabel('Region', { exact: true }).fill(topic.topicArn.split(':')[3]);
    await page.getByLabel('Topic ARN').fill(topic.topicArn);
    await page.getByLabel('Delivery role ARN').fill(local.deliveryRoleArn);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await screenshot(page, 'add-destination-review');
    await page.getByRole('button', { name: 'Save to draft' }).click();
    await page.getByText('Send a test event').click();
    await page.getByRole('button', { name: 'Run check' }).click();

    // Assess
    await page.getByRole('table', { name: 'Setup check steps' }).waitFor();
    expect(await page.getByRole('table', { name: 'Setup check steps' }).innerText()).not.toMatch(
      /Failed|Fail\b/,
    );
  });

  it('publishes the draft with a note, after showing what changes', async () => {
    // Act
    await go(page, '/publish');
    await page.getByText(DESTINATION_IDS.topic).first().waitFor();
    await screenshot(page, 'publish');
    await page.getByLabel('Note').fill('our first destinations');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();

    // Assess
    await page.getByText('Published: version 2 is live.').waitFor();
  });

  it('shows the deliveries in the destinations table once events flow', async () => {
    // Prepare: the dispatcher picks the version up within its 1 s cache.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await sendBodies(pipeline.producer, pipeline.resources.ingestQueue.url, events);
    expect(await pipeline.waitUntilDrained(90_000)).toBe(true);

    // Act
    await go(page, '/destinations');
    const table = page.getByRole('table').first();
    await table.getByText(DESTINATION_IDS.function).waitFor();

    // Assess: the health column counts what the dispatcher delivered (its log lines, read back)
    const deliveredToBoth = async () => {
      const text = await table.innerText();
      return (text.match(/\d+ delivered/g) ?? []).length === 2;
    };
    for (let tries = 0; !(await deliveredToBoth()) && tries < 10; tries++) {
      await page.waitForTimeout(1_000);
      await page.reload();
      await table.getByText(DESTINATION_IDS.function).waitFor();
    }
    await screenshot(page, 'destinations');
    expect(await table.innerText()).toMatch(/Live/);
    expect(await deliveredToBoth()).toBe(true);
  });

  it("shows a destination's health over the window chosen", async () => {
    // Act
    await go(page, `/destinations/${DESTINATION_IDS.function}`);
    await page.getByRole('tab', { name: 'Health' }).click();

    // Assess
    await page.getByText('Delivered').first().waitFor();
    await screenshot(page, 'destination-health');
    await page.getByRole('tab', { name: 'Configuration' }).click();
    await screenshot(page, 'destination-configuration');
  });

  it('changes a mapping, sees exactly what the destination would receive before saving, then saves it', async () => {
    // Act
    await go(page, `/destinations/${DESTINATION_IDS.function}`);
    await page.getByRole('tab', { name: 'Mapping' }).click();
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page
      .getByLabel(/^Property path of rule \d+$/)
      .last()
      .fill('user.plan');
    await page
      .getByLabel(/^New name of rule \d+$/)
      .last()
      .fill('plan_tier');

    // Assess: the preview runs the unsaved rule (hash, renamed) on the sample
    const payload = page.getByTestId('mapped-payload');
    await expect(payload.getByText('"plan_tier"', { exact: false }).waitFor()).resolves.toBeUndefined();
    expect(await payload.innerText()).not.toContain('"plan": "pro"');
    await screenshot(page, 'mapping-preview');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText(`Saved the mapping of ${DESTINATION_IDS.function} to the draft`).waitFor();
  });

  it('publishes the mapping, then rolls back to the version before it, after confirming', async () => {
    // Prepare
    await go(page, '/publish');
    await page.getByLabel('Note').fill('rename the plan');
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByText('Published: version 3 is live.').waitFor();

    // Act
    await go(page, '/versions');
    await page.getByRole('checkbox', { name: 'Version 2' }).check();
    await page.getByRole('button', { name: 'Roll back' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Roll back to version 2?').waitFor();
    await screenshot(page, 'rollback-confirm');
    await dialog.getByRole('button', { name: 'Roll back' }).click();

    // Assess: a new version with version 2's destinations
    await page.getByText('version 4', { exact: false }).first().waitFor();
    await page.getByRole('checkbox', { name: 'Version 4' }).waitFor();
    await screenshot(page, 'versions');
    const live = (await page.evaluate(
      callApi(`/v1/workspaces/${workspace}/destinations/${DESTINATION_IDS.function}/mapping`),
    )) as { status: number; body: { live: { mapping: unknown } } };
    expect(live).toMatchObject({ status: 200, body: { live: { mapping: null } } });
  });

  it('looks up an event by its distinct id and shows its story', async () => {
    // Prepare
    const distinctId = JSON.parse(events[0]).event.distinct_id as string;

    // Act
    await go(page, '/events');
    await page.getByLabel('Distinct id').fill(distinctId);
    await page.getByRole('button', { name: 'Look up' }).click();

    // Assess: the story, and the id kept out of the address
    await page.getByText(DESTINATION_IDS.topic).first().waitFor();
    expect(page.url()).toBe(`${consoleUrl()}/workspaces/${workspace}/events`);
    await screenshot(page, 'event-lookup');
  });

  it('shows the pages of dead letters, members, API keys and the audit log', async () => {
    await go(page, '/dead-letters');
    await page
      .getByRole('heading', { name: /Dead letters/ })
      .first()
      .waitFor();
    await screenshot(page, 'dead-letters');
    await go(page, '/members');
    await page.getByText(users()[workspace].users.viewer.username).waitFor();
    await screenshot(page, 'members');
    await go(page, '/api-keys');
    await page
      .getByRole('heading', { name: /API keys/ })
      .first()
      .waitFor();
    await screenshot(page, 'api-keys');
    await go(page, '/audit');
    await page.getByText('publish', { exact: false }).first().waitFor();
    await screenshot(page, 'audit-log');
  });

  it('lets a viewer see everything and change nothing', async () => {
    // Prepare
    const viewer = await newPage();
    await signInThroughConsole(viewer, consoleUrl(), users()[workspace].users.viewer);

    // Act
    await viewer.getByText(DESTINATION_IDS.function).first().waitFor();
    const add = viewer
      .getByRole('link', { name: 'Add destination' })
      .or(viewer.getByRole('button', { name: 'Add destination' }));
    await go(viewer, `/destinations/${DESTINATION_IDS.function}`);
    const disable = viewer.getByRole('button', { name: 'Disable' });
    await disable.waitFor();
    await go(viewer, '/publish');
    const publish = viewer.getByRole('button', { name: 'Publish', exact: true });
    await publish.waitFor();

    // Assess
    expect(await publish.isDisabled()).toBe(true);
    await go(viewer, `/destinations/${DESTINATION_IDS.function}`);
    expect(await viewer.getByRole('button', { name: 'Disable' }).isDisabled()).toBe(true);
    await viewer.getByRole('tab', { name: 'Mapping' }).click();
    expect(await viewer.getByRole('button', { name: 'Save mapping' }).isDisabled()).toBe(true);
    await go(viewer, '/destinations');
    await viewer.getByText(DESTINATION_IDS.function).first().waitFor();
    expect(await add.first().getAttribute('aria-disabled')).toBe('true');
    await screenshot(viewer, 'viewer-destinations');
    // And the API refuses what the console would not offer.
    const refused = await viewer.evaluate(
      callApi(`/v1/workspaces/${workspace}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'if-match': '"4"' },
        body: '{}',
      }),
    );
    expect(refused).toMatchObject({ status: 403 });
    expectedRefusals(`/v1/workspaces/${workspace}/publish`);
    await viewer.context().close();
  });

  it('shows a member of another workspace nothing of this one, and the API refuses them too', async () => {
    // Prepare
    const outsider = await newPage();
    await signInThroughConsole(outsider, consoleUrl(), users()['workspace-2'].users.admin);

    // Act
    await go(outsider, '/destinations');

    // Assess
    await outsider.getByText('Workspace not found').waitFor();
    expect(await outsider.content()).not.toContain(DESTINATION_IDS.function);
    await screenshot(outsider, 'other-workspace');
    const answer = await outsider.evaluate(callApi(`/v1/workspaces/${workspace}/destinations`));
    expect(answer).toMatchObject({ status: 404, body: { code: 'WorkspaceNotFound' } });
    expectedRefusals(`/v1/workspaces/${workspace}/destinations`);
    await outsider.context().close();
  });

  it('signs out, and the session is gone from the browser', async () => {
    // Act
    await page
      .locator('#top-nav')
      .getByRole('button', { name: users()[workspace].users.admin.username })
      .click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();

    // Assess
    await page.getByLabel('Username').waitFor();
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
  });
});
