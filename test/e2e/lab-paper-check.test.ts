// The Paper check screen end to end in headless Chromium against a real
// `seqlab serve`, on a history with one tiny finished experiment (truncated vs
// recurrent, 2 members × 12 steps): that claim shows a verdict, every other
// claim "not run yet" with its button or what to do first, the report
// downloads as a .zip holding report.md, and "Run this experiment" starts the
// experiment through the contract. Screenshots light and dark at 1280 px go
// to test-results/screenshots/paper-check-*.png.
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, openPage, screenshot, type WatchedPage } from './helpers/browser.ts';
import { buildRenderer, startLabServer, type LabServer } from './helpers/lab-server.ts';

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

async function waitFor(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`not done after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const TINY_TRAIN = { steps: 12, batchSize: 4, seqLen: 16, validEvery: 6, validTokens: 128, checkpointEvery: 12, backend: 'cpu' };
const OTHERS = ['stable-is-truncated', 'stability-costs-little', 'tcn-copy-memory', 'tcn-adding', 'tcn-jsb', 'tcn-char-ptb'];

describe.skipIf(!hasChromium() && !process.env['CI'])('Paper check screen in Chromium', () => {
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
    const ds = await request<{ id: number }>(page, 'ensureBuiltin', { name: 'brackets' });
    const x = await request<{ id: number }>(page, 'startExperiment', {
      kind: 'truncated-vs-recurrent',
      config: { datasetId: ds.id, base: { kind: 'rnn', hiddenSize: 8 }, k: 4, train: TINY_TRAIN },
    });
    await waitFor(async () => (await request<{ status: string }>(page, 'getExperiment', { id: x.id })).status === 'completed', 150_000);
  }, 200_000);

  afterEach(() => {
    expect(w.problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
  });

  const card = (id: string) => page.locator(`[data-claim="${id}"]`);

  it('shows a verdict for the finished experiment and "not run yet" for every other claim', async () => {
    await page.goto(`${server.url}/#/paper-check`);
    await page.getByRole('link', { name: 'Paper check' }).waitFor();
    await expect.poll(() => page.locator('[data-claim]').count(), { timeout: 20_000 }).toBe(7);
    const shown = card('truncated-trains-as-well');
    expect(await shown.locator('[data-verdict]').getAttribute('data-verdict')).toMatch(/^(holds|holds-within|does-not-hold)$/);
    expect(await shown.locator('[data-testid="lab"]').textContent()).toMatch(/recurrent [\d.]+, truncated twin \(k = 4\) [\d.]+ nats/);
    expect(await shown.locator('[data-plot]').count()).toBe(1);
    for (const id of OTHERS) {
      expect(await card(id).locator('[data-verdict]').getAttribute('data-verdict'), id).toBe('not-run');
      expect(await card(id).locator('[data-verdict]').textContent(), id).toBe('not run yet');
    }
    // A built-in dataset can start at once; JSB must be imported first, and the card says how.
    expect(await card('tcn-copy-memory').getByRole('button', { name: 'Run this experiment' }).count()).toBe(1);
    expect(await card('tcn-jsb').getByRole('button').count()).toBe(0);
    expect(await card('tcn-jsb').textContent()).toContain('seqlab datasets import ../shared/data/jsb-chorales.json');
    expect(await page.getByRole('link', { name: 'Paper check' }).getAttribute('aria-current')).toBe('page');
  });

  it('looks right in light and dark at 1280 px', async () => {
    const light = await screenshot(page, 'paper-check-light');
    const dark = await openPage(browser, 1280, 900, { colorScheme: 'dark' });
    try {
      await dark.page.goto(`${server.openUrl}`);
      await dark.page.goto(`${server.url}/#/paper-check`);
      await expect.poll(() => dark.page.locator('[data-claim]').count(), { timeout: 20_000 }).toBe(7);
      await dark.page.locator('[data-plot] canvas').first().waitFor();
      // The page follows the system's dark setting: the card surface is the dark one.
      expect(await dark.page.evaluate("getComputedStyle(document.querySelector('[data-claim]')).backgroundColor")).toBe('rgb(26, 30, 38)');
      const file = await screenshot(dark.page, 'paper-check-dark');
      expect(dark.problems).toEqual([]);
      for (const f of [light, file]) expect(fs.statSync(f).size).toBeGreaterThan(10_000);
    } finally {
      await dark.page.context().close();
    }
  });

  it('downloads the report as a .zip holding report.md and the figure', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download report' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^paper-check-[\w-]+\.zip$/);
    const zip = fs.readFileSync((await download.path())!);
    expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304');
    for (const name of ['report.md', 'claims.json', 'claim-truncated-trains-as-well.png'])
      expect(zip.includes(Buffer.from(name)), name).toBe(true);
    await page.getByRole('status').filter({ hasText: 'Report written to' }).waitFor();
  });

  it('starts the experiment of a claim not run yet with one click', async () => {
    await card('stability-costs-little').getByRole('button', { name: 'Run this experiment' }).click();
    await page.waitForURL(/#\/experiment\/\d+$/, { timeout: 30_000 });
    const id = Number(/experiment\/(\d+)$/.exec(page.url())![1]);
    const x = await request<{ kind: string; name: string }>(page, 'getExperiment', { id });
    expect(x).toMatchObject({ kind: 'stability', name: 'paper check: stability-costs-little' });
    // Not left training on the CI machine: stopped at once, and the claim then says to resume it.
    await waitFor(async () => (await request<{ status: string }>(page, 'getExperiment', { id })).status === 'running', 30_000);
    await request(page, 'stopExperiment', { id });
    await waitFor(async () => (await request<{ status: string }>(page, 'getExperiment', { id })).status === 'stopped', 60_000);
    const { claims } = await request<{ claims: { id: string; run: string | null }[] }>(page, 'checkPaperClaims', {});
    expect(claims.find((c) => c.id === 'stability-costs-little')!.run).toBe(`seqlab experiment resume ${id}`);
  });
});
