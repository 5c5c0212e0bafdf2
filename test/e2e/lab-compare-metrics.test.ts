// Compare beyond loss, the diverging flag and the Datasets screen's first
// view, end to end in headless Chromium against a real `seqlab serve` that
// opens a fixture history (helpers/fixture-history.ts: five runs whose rows
// are chosen, no training). What is asserted is what each chart draws: points
// per run, the run's colour from its id, and a legend entry for a run that
// has none of the metric.
import type { Browser, Page } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { colorForRun } from '../../renderer/src/lib/chart-setup.ts';
import { hasChromium, launch, openPage, screenshot, SCREENSHOTS, type WatchedPage } from './helpers/browser.ts';
import { writeFixtureHistory, type FixtureRuns } from './helpers/fixture-history.ts';
import { buildRenderer, startLabServer, type LabServer } from './helpers/lab-server.ts';

const until = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

interface DrawnSeries {
  label: string;
  color: string;
  n: number;
  role: 'data' | 'raw' | 'reference' | 'missing';
}

const CHART = '[data-testid="compare-chart"]';

/** The series the Compare chart drew last (its `data-series` attribute). */
async function drawn(page: Page): Promise<DrawnSeries[]> {
  return JSON.parse((await page.locator(`${CHART} [data-series]`).getAttribute('data-series')) ?? '[]') as DrawnSeries[];
}

describe.skipIf(!hasChromium() && !process.env['CI'])('Compare metrics, diverging flag and first view in Chromium', () => {
  let server: LabServer;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let ids: FixtureRuns;

  beforeAll(async () => {
    buildRenderer();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-e2e-fixture-'));
    ids = await writeFixtureHistory(home);
    [server, browser] = await Promise.all([startLabServer({ home }), launch()]);
    w = await openPage(browser);
    page = w.page;
    await page.goto(server.openUrl);
  }, 120_000);

  afterEach(() => {
    expect(w.problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
  });

  it('draws every picked run for each metric in its own colour, and names in the legend a run without it', async () => {
    const order = [ids.lstm, ids.tcn, ids.copy, ids.adding, ids.hot];
    await page.goto(`${server.url}/#/compare?ids=${order.join(',')}`);
    const names = {
      [ids.lstm]: 'lstm text',
      [ids.tcn]: 'tcn text',
      [ids.copy]: 'gru copy',
      [ids.adding]: 'gru adding',
      [ids.hot]: 'lstm hot',
    };
    /** What each run should draw: a point count, or why it draws none. */
    const expected: Record<string, (number | string)[]> = {
      loss: [10, 4, 10, 6, 4],
      bits: [10, 4, 10, 'its loss is a mean squared error, not bits', 4],
      accuracy: [
        'only copy-memory runs record recall accuracy',
        'only copy-memory runs record recall accuracy',
        10,
        'only copy-memory runs record recall accuracy',
        'only copy-memory runs record recall accuracy',
      ],
      throughput: [40, 20, 30, 12, 20],
      gradNorm: [40, 20, 30, 12, 20],
      // The LSTM's last bound is Infinity: 9 drawn, one marker. The hot LSTM recorded no bound.
      stability: [9, 'only recurrent models report a stability bound', 10, 6, 'no bound recorded'],
    };
    const suffix = (metric: string) => (metric === 'loss' || metric === 'bits' ? ' valid' : '');
    for (const [metric, per] of Object.entries(expected)) {
      await page.locator('#cmp-metric').selectOption(metric);
      const want = order.map((id, i) => {
        const v = per[i]!;
        return typeof v === 'number'
          ? { label: `${names[id]}${suffix(metric)}`, color: colorForRun(id), n: v, role: 'data' }
          : { label: `${names[id]}: ${v}`, color: colorForRun(id), n: 0, role: 'missing' };
      });
      await until(() => drawn(page), 15_000).toEqual(want);
      const points = per.reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0);
      const box = page.locator(`${CHART} [data-points]`);
      expect(await box.getAttribute('data-points'), metric).toBe(String(points));
      // The runs without the metric are named for screen readers too (the legend is canvas).
      for (const s of want.filter((x) => x.role === 'missing')) expect(await box.getAttribute('aria-label')).toContain(s.label);
      if (metric === 'stability') {
        expect(await box.getAttribute('data-y-scale')).toBe('logarithmic');
        await until(async () => Number(await box.getAttribute('data-non-finite'))).toBe(1);
      }
      if (metric === 'accuracy') expect(await box.getAttribute('data-y-scale')).toBe('linear');
    }
    // Train values dashed behind: only loss and bits have them.
    await page.locator('#cmp-metric').selectOption('bits');
    await page.getByLabel('show train bits (dashed)').check();
    await until(async () => (await drawn(page)).filter((s) => s.label.endsWith(' train')).map((s) => [s.label, s.n])).toEqual([
      ['lstm text train', 40],
      ['tcn text train', 20],
      ['gru copy train', 30],
      ['lstm hot train', 20],
    ]);
    await page.getByLabel('show train bits (dashed)').uncheck();
    await page.locator('#cmp-metric').selectOption('throughput');
    expect(await page.getByLabel(/show train/).isDisabled()).toBe(true);
    await screenshot(page, 'compare-throughput');
    await page.locator('#cmp-metric').selectOption('stability');
    await screenshot(page, 'compare-stability');
    await page.locator('#cmp-metric').selectOption('loss');
  });

  it('flags a run whose loss ended far above its start, with the likely cause, in History and in its header', async () => {
    await page.goto(`${server.url}/#/history`);
    const hot = page.locator(`tr[data-run="${ids.hot}"]`);
    await until(() => hot.getByTestId('diverging').textContent()).toBe('diverging');
    await until(() => hot.getByTestId('diverging-cause').textContent()).toBe(
      'likely cause: learning rate 10 is high and no gradient clipping',
    );
    expect(await hot.locator('[data-status]').getAttribute('data-status')).toBe('completed');
    // Runs that went the right way carry no flag.
    expect(await page.getByTestId('diverging').count()).toBe(1);
    await screenshot(page, 'history-diverging');

    await hot.getByRole('link', { name: `Open run #${ids.hot}` }).click();
    const warning = page.getByTestId('health-warning');
    await until(() => warning.getAttribute('data-health')).toBe('diverging');
    expect(await warning.textContent()).toMatch(/^Diverging: the train loss rose from 3\.9 to \d+/);
    await until(() => warning.textContent()).toContain('Likely cause: learning rate 10 is high and no gradient clipping');
  });

  it('keeps the built-in corpora above the fold with a preview open, at 1000 × 700 and 1280 × 800', async () => {
    for (const [width, height] of [
      [1000, 700],
      [1280, 800],
    ] as const) {
      const fresh = await openPage(browser, width, height);
      await fresh.page.goto(server.openUrl);
      await fresh.page.goto(`${server.url}/#/datasets`);
      await fresh.page.locator('tr[data-dataset="brackets"]').getByRole('button', { name: 'brackets', exact: true }).click();
      await fresh.page.locator('section[aria-labelledby="builtin-title"] li').first().waitFor();
      await until(() => fresh.page.getByText(/^Preview: brackets/).count()).toBe(1);
      const builtin = fresh.page.locator('section[aria-labelledby="builtin-title"]');
      // Its heading and every corpus's Use button on the first screen, without scrolling.
      expect((await builtin.locator('h2').boundingBox())!.y, `${width}`).toBeGreaterThanOrEqual(0);
      const buttons = await builtin.getByRole('button', { name: /^Use built-in corpus/ }).all();
      expect(buttons.length).toBeGreaterThan(3);
      for (const b of buttons)
        expect((await b.boundingBox())!.y + 20, `${width}: ${await b.getAttribute('aria-label')}`).toBeLessThan(height);
      expect(await fresh.page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
      // The first screen only (not the full page): what "above the fold" means.
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await fresh.page.screenshot({ path: path.join(SCREENSHOTS, `datasets-preview-${width}x${height}.png`) });
      expect(fresh.problems).toEqual([]);
      await fresh.page.context().close();
    }
  });
});
