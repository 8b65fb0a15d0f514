import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium: a test tool's own browser download cannot reach its host from these machines. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where each page's screenshot is saved: a test artifact, kept after the run. */
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'console');

/**
 * Headless Chromium as this machine needs it: no sandbox (root, no user namespaces), no GPU, and
 * none of the background connections a closed network refuses. Playwright gives every launch a
 * fresh temporary profile (its own `--user-data-dir`), and every context its own storage.
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves what `page` shows now as `<name>.png` under test-results/console. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in on the console's sign-in page and waits for the signed-in shell. */
export async function signInThroughConsole(
  page: Page,
  consoleUrl: string,
  user: { username: string; password: string },
) {
  await page.goto(consoleUrl);
  await page.getByLabel('Username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The top navigation names who signed in.
  await page.locator('#top-nav').getByRole('button', { name: user.username }).waitFor();
}
