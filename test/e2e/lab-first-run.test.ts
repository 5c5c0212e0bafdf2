// The start path for a first visit, end to end in Chromium against a fresh
// `seqlab serve` (empty history): built-in corpus → a small LSTM (its page) →
// a TCN on the same data, compared with it; one click each. The runs are
// stopped as soon as they start: what is tested is the path, not training.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, openPage, screenshot, type WatchedPage } from './helpers/browser.ts';
import { buildRenderer, startLabServer, type LabServer } from './helpers/lab-server.ts';

const until = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

describe.skipIf(!hasChromium() && !process.env['CI'])('first-use path in Chromium', () => {
  let server: LabServer;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;

  beforeAll(async () => {
    buildRenderer();
    [server, browser] = await Promise.all([startLabServer(), launch()]);
    w = await openPage(browser);
    page = w.page;
    await page.goto(server.openUrl);
  });

  afterEach(() => {
    expect(w.problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
  });

  const card = () => page.getByTestId('first-run');
  const stop = () => page.getByRole('button', { name: 'Stop' }).click();

  it('goes from an empty lab to two compared runs in three clicks', async () => {
    await until(() => card().isVisible()).toBe(true);
    expect(await card().getByRole('button', { name: 'Train a small LSTM on it' }).isDisabled()).toBe(true);
    await screenshot(page, 'first-run');

    await card()
      .getByRole('button', { name: /Use the built-in corpus/ })
      .click();
    await page.locator('tr[data-dataset="brackets"]').waitFor();
    await card().getByRole('button', { name: 'Train a small LSTM on it' }).click();
    await page.waitForURL(/#\/run\/1$/);
    await until(() => page.locator('.run-head [data-status]').getAttribute('data-status')).toMatch(/queued|running/);
    await stop();
    await until(() => page.locator('.run-head [data-status]').getAttribute('data-status')).toBe('stopped');

    await page.goto(`${server.url}/#/datasets`);
    await card().getByRole('button', { name: 'Train a TCN and compare' }).click();
    await page.waitForURL(/#\/compare\?ids=1,2$/);
    expect(await page.locator('#cmp-1').isChecked()).toBe(true);
    expect(await page.locator('#cmp-2').isChecked()).toBe(true);
    await page.goto(`${server.url}/#/run/2`);
    await until(() => page.locator('.run-head [data-status]').getAttribute('data-status')).toMatch(/queued|running|completed/);
    if ((await page.locator('.run-head [data-status]').getAttribute('data-status')) !== 'completed') await stop();

    // Two runs: the card has done its job.
    await page.goto(`${server.url}/#/datasets`);
    await page.locator('h1').waitFor();
    expect(await card().count()).toBe(0);
  });
});
