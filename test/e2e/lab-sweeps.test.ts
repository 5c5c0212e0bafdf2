// The Sweeps screen end to end, in real headless Chromium against a real
// `seqlab serve`: a bad range refused on its row, a tiny 3-trial random sweep
// created from the form and run, the parallel-coordinates plot drawing one
// line per trial, the best-trials table, every trial's curve, and "New run
// from best config" opening New run filled with the best trial's settings.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, openPage, type WatchedPage } from './helpers/browser.ts';
import { buildRenderer, startLabServer, type LabServer } from './helpers/lab-server.ts';

const until = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 200 });

/** A contract request from inside the page (the session cookie authenticates it). */
function request<T>(page: Page, name: string, args: unknown): Promise<T> {
  return page.evaluate(
    async ([n, a]) => {
      const res = await fetch(`api/request/${n}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(a),
      });
      const reply = (await res.json()) as { ok: boolean; result?: unknown; error?: string };
      if (!reply.ok) throw new Error(reply.error);
      return reply.result;
    },
    [name, args] as const,
  ) as Promise<T>;
}

describe.skipIf(!hasChromium() && !process.env['CI'])('sweeps in Chromium against seqlab serve', () => {
  let server: LabServer;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  let allowedRefusals: string[] = [];

  beforeAll(async () => {
    buildRenderer();
    [server, browser] = await Promise.all([startLabServer(), launch()]);
    w = await openPage(browser);
    page = w.page;
    await page.goto(server.openUrl);
    await page.locator('h1').first().waitFor();
  }, 240_000);

  afterEach(() => {
    const problems = w ? w.problems.splice(0) : [];
    const refused = (w ? w.refusals.splice(0) : []).map((u) => new URL(u).pathname.replace('/api/request/', ''));
    expect(problems).toEqual([]);
    expect(refused.filter((name) => !allowedRefusals.includes(name))).toEqual([]);
    allowedRefusals = [];
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
  });

  it('creates a sweep from the form, runs it, and plots one line per trial', async () => {
    await request(page, 'ensureBuiltin', { name: 'brackets' });
    await page.goto(`${server.url}/#/sweeps`);
    await page.getByRole('link', { name: 'Sweeps' }).waitFor();
    await page.locator('#new-sweep').waitFor();
    await until(() => page.getByTestId('sweep-dataset').locator('option').count()).toBeGreaterThan(0);
    await page.getByTestId('sweep-trials').fill('3');
    await page.getByTestId('sweep-steps').fill('10');
    await page.getByTestId('sweep-batch').fill('4');
    await page.getByTestId('sweep-seqlen').fill('16');
    await page.getByTestId('sweep-backend').selectOption('cpu');
    const values = page.getByTestId('space-values');
    await values.nth(1).fill('8, 16');

    // A bad range: the core names the field, and the message lands on its row.
    allowedRefusals = ['createSweep'];
    await values.nth(0).fill('0, 0.01');
    await page.getByTestId('create-sweep').click();
    await until(() => page.getByTestId('space-error').textContent()).toBe('lr: log-uniform needs two positive numbers a < b');
    expect(await request<unknown[]>(page, 'listSweeps', {})).toEqual([]);

    await values.nth(0).fill('0.001, 0.01');
    await page.getByTestId('create-sweep').click();
    await page.waitForURL(/#\/sweep\/1$/);
    await until(() => page.getByTestId('sweep-state').getAttribute('data-state')).toBe('created');
    expect(await page.getByTestId('pc-line').count()).toBe(3);

    await page.getByTestId('run-sweep').click();
    await until(() => page.getByTestId('sweep-state').getAttribute('data-state'), 240_000).toBe('completed');

    // One line per trial, each through both swept axes and the metric's.
    const plot = page.getByTestId('parallel-coordinates');
    await until(() => plot.getAttribute('data-lines')).toBe('3');
    const lines = await page
      .getByTestId('pc-line')
      .evaluateAll((els) => els.map((e) => e.getAttribute('points')!.trim().split(' ').length));
    expect(lines).toEqual([3, 3, 3]);
    expect(await page.getByTestId('best-trials').locator('tbody tr').count()).toBe(3);
    await until(async () => JSON.parse((await page.locator('[data-series]').first().getAttribute('data-series')) ?? '[]').length).toBe(3);

    // The best trial's settings, one click from New run.
    const detail = await request<{ trials: { runId: number; metric: number; point: Record<string, number> }[] }>(page, 'getSweep', {
      id: 1,
    });
    const best = [...detail.trials].sort((a, b) => a.metric - b.metric)[0]!;
    await page.getByTestId('new-run-from-best').click();
    await page.waitForURL(new RegExp(`#/new\\?dataset=\\d+&from=${best.runId}$`));
    await until(() => page.getByTestId('prefilled-from').textContent()).toMatch(/trial/);
    await until(() => page.locator('#model-hiddenSize').inputValue()).toBe(String(best.point['hiddenSize']));
  }, 400_000);
});
