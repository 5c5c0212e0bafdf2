// The read-only banner end to end: `seqlab serve` over a history whose disk is
// full (a real 2 MiB tmpfs, filled to the last block) opens it read-only, and
// the page says so on every screen, with the core's reason word for word;
// what still works (listing) works, and every action that would write is
// disabled with that reason as its title: on the empty screens' forms and on
// the rows of a history that holds runs (the fixture history, one run stopped
// so it could be resumed). Needs root on Linux to mount the tmpfs
// (CI runs as root); skipped elsewhere.
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { History } from '../../core/storage/history.ts';
import { fillUp, mountTmpfs, unmountTmpfs } from '../helpers/full-disk.ts';
import { hasChromium, launch, openPage, screenshot, type WatchedPage } from './helpers/browser.ts';
import { writeFixtureHistory, type FixtureRuns } from './helpers/fixture-history.ts';
import { buildRenderer, startLabServer, type LabServer } from './helpers/lab-server.ts';

const until = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

const mount = hasChromium() ? mountTmpfs('2m', 'seqlab-e2e-full-') : null;

describe.skipIf(!mount)('a history on a full disk, in Chromium', () => {
  let server: LabServer;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let runs: FixtureRuns;

  beforeAll(async () => {
    buildRenderer();
    const home = path.join(mount!, 'home');
    // A history with runs (one stopped, so Resume would apply), then its disk filled to the last block:
    // the server opens it read-only.
    runs = await writeFixtureHistory(home);
    const setup = History.open(home);
    setup.setStatus(runs.tcn, 'stopped');
    setup.close();
    fillUp(mount!);
    [server, browser] = await Promise.all([startLabServer({ home }), launch()]);
    w = await openPage(browser);
    page = w.page;
    await page.goto(server.openUrl);
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
    unmountTmpfs(mount!);
  });

  it('shows the reason in a banner on every screen, the core’s words exactly', async () => {
    const info = (await page.evaluate(async () => {
      const res = await fetch('api/request/systemInfo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return ((await res.json()) as { result: { readOnlyReason: string | null } }).result;
    })) as { readOnlyReason: string | null };
    expect(info.readOnlyReason).toMatch(/full .*opened read-only: listing, showing, sampling and exporting to another disk work/);

    for (const hash of ['#/datasets', '#/history', '#/new', '#/experiments']) {
      await page.goto(`${server.url}/${hash}`);
      const banner = page.getByTestId('read-only-banner');
      await until(() => banner.isVisible()).toBe(true);
      expect(await banner.textContent()).toBe(`Read-only: ${info.readOnlyReason}`);
      expect(await banner.getAttribute('role')).toBe('alert');
    }
    // Reading still works: History lists the runs, with no error of its own.
    await page.goto(`${server.url}/#/history`);
    await until(() => page.locator('h1').textContent()).toBe('History');
    await until(() => page.getByRole('button', { name: `Delete run #${runs.lstm}` }).count()).toBe(1);
    await screenshot(page, 'read-only-banner');
    expect(w.problems).toEqual([]);
  });

  it('disables every write action with the reason as its title, links included', async () => {
    const info = (await page.evaluate(async () => {
      const res = await fetch('api/request/systemInfo', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return ((await res.json()) as { result: { readOnlyReason: string } }).result;
    })) as { readOnlyReason: string };
    const why = `The history is read-only: ${info.readOnlyReason}`;

    /** A button that cannot be pressed and says why on hover. */
    async function refused(hash: string, buttons: Locator[]) {
      await page.goto(`${server.url}/${hash}`);
      await until(() => page.getByTestId('read-only-banner').isVisible()).toBe(true);
      for (const b of buttons) {
        await until(() => b.isDisabled()).toBe(true);
        expect(await b.getAttribute('title')).toBe(why);
      }
    }
    /** A link to a write screen: marked disabled, leading nowhere, saying why. */
    async function deadLink(name: string) {
      // In the screen, not the navigation's own "New run" (navigating is not a write).
      const link = page.locator('main').getByRole('link', { name, exact: true });
      await until(() => link.getAttribute('aria-disabled')).toBe('true');
      expect(await link.getAttribute('href')).toBeNull();
      expect(await link.getAttribute('title')).toBe(why);
    }

    // Every run's row: Delete and the tags/note editor.
    const ids = [runs.lstm, runs.tcn, runs.copy, runs.adding, runs.hot];
    await refused(
      '#/history',
      ids.flatMap((id) => [
        page.getByRole('button', { name: `Delete run #${id}` }),
        page.getByRole('button', { name: `Tags and note of run #${id}` }),
      ]),
    );
    await deadLink('New run');
    // A stopped run's page: Resume is what would write; Compare, a read, stays a link.
    await refused(`#/run/${runs.tcn}`, [page.getByRole('button', { name: 'Resume' })]);
    expect(await page.getByRole('link', { name: 'Compare…' }).getAttribute('href')).toBe(`#/compare?ids=${runs.tcn}`);
    const corpora = page.getByRole('button', { name: /^Use built-in corpus / });
    await refused('#/datasets', [page.getByRole('button', { name: 'Import path' })]);
    await until(() => corpora.count()).toBeGreaterThan(0);
    for (const b of await corpora.all()) {
      expect(await b.isDisabled()).toBe(true);
      expect(await b.getAttribute('title')).toBe(why);
    }
    await refused('#/new', [page.getByRole('button', { name: 'Start training' })]);
    await refused('#/experiments', [page.getByRole('button', { name: 'Start experiment' })]);
    await refused('#/sweeps', [page.getByTestId('create-sweep')]);
    await screenshot(page, 'read-only-sweeps');
    expect(w.problems).toEqual([]);
  });
});
