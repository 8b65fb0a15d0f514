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
    opened.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
    opened.on('pageerror', (error) => pageErrors.push(error.message));
    return opened;
  };
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
    expect(pageErrors).toEqual([]);
    pageErrors.length = 0;
  });

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
});
