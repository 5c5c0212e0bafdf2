// The everyday screens end to end (issue 16): Compare draws however it was
// opened, charts smooth honestly, colours follow run ids, headers state what
// they measure, History sorts, errors speak the form's language, dark mode.
// Real headless Chromium against a real `seqlab serve`; two tiny runs trained
// once on the built-in `brackets` corpus (a few seconds on cpu).
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, openPage, screenshot, type WatchedPage } from './helpers/browser.ts';
import { buildRenderer, startLabServer, type LabServer } from './helpers/lab-server.ts';

const until = <T>(fn: () => T | Promise<T>, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });

/** Points drawn (data series only, before decimation) by the first chart under `selector`. */
async function points(page: Page, selector: string): Promise<number> {
  return Number((await page.locator(`${selector} [data-points]`).first().getAttribute('data-points')) ?? 0);
}

interface DrawnSeries {
  label: string;
  color: string;
  /** Points handed to chart.js (before decimation). */
  n: number;
  role: 'data' | 'raw' | 'reference';
}

/** The series the first chart under `selector` drew last, as its `data-series` attribute lists them. */
async function drawn(page: Page, selector: string): Promise<DrawnSeries[]> {
  return JSON.parse((await page.locator(`${selector} [data-series]`).first().getAttribute('data-series')) ?? '[]') as DrawnSeries[];
}

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

/** Polls `ok` outside a test (expect.poll only works inside one). */
async function waitFor(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`not done after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const TINY_TRAIN = { steps: 30, batchSize: 2, seqLen: 8, validEvery: 3, validTokens: 64, checkpointEvery: 30, backend: 'cpu' };

describe.skipIf(!hasChromium() && !process.env['CI'])('everyday screens in Chromium', () => {
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
    // Runs 1 and 2: 30 steps, 10 validations each. Run 3: lr 10 without clipping, which blows up.
    await request(page, 'startRun', {
      datasetId: ds.id,
      name: 'lstm a',
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8, layers: 1 },
      train: TINY_TRAIN,
    });
    await request(page, 'startRun', {
      datasetId: ds.id,
      name: 'gru b',
      model: { kind: 'gru', hiddenSize: 8, embedSize: 8, layers: 1 },
      train: TINY_TRAIN,
    });
    await request(page, 'startRun', {
      datasetId: ds.id,
      name: 'lstm hot',
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8, layers: 1 },
      train: { ...TINY_TRAIN, lr: 10, clip: 0 },
    });
    await waitFor(
      async () => (await request<{ status: string }[]>(page, 'listRuns', {})).every((r) => r.status !== 'queued' && r.status !== 'running'),
      150_000,
    );
  }, 180_000);

  afterEach(() => {
    expect(w.problems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
  });

  /** A new browser context signed in with the token and opened at `hash`: nothing cached yet. */
  async function freshPage(hash: string, options?: Parameters<typeof openPage>[3]): Promise<WatchedPage> {
    const fresh = await openPage(browser, 1280, 900, options);
    await fresh.page.goto(server.openUrl);
    await fresh.page.locator('h1').first().waitFor();
    await fresh.page.goto(`${server.url}/${hash}`);
    return fresh;
  }

  it('draws every picked run at once when Compare is opened from History', async () => {
    // A fresh page: no curve is cached yet, as for a user who starts on History.
    const fresh = await freshPage('#/history');
    await fresh.page.getByLabel('Select run #1 for comparison').check();
    await fresh.page.getByLabel('Select run #2 for comparison').check();
    await fresh.page.getByRole('link', { name: /Compare selected/ }).click();
    await until(() => points(fresh.page, '[data-testid="compare-chart"]')).toBe(20);
    expect(fresh.problems).toEqual([]);
    await fresh.page.context().close();
  });

  it('draws a run ticked on the Compare screen at once', async () => {
    const fresh = await freshPage('#/compare');
    await fresh.page.locator('#cmp-1').check();
    await until(() => points(fresh.page, '[data-testid="compare-chart"]')).toBe(10);
    await fresh.page.locator('#cmp-2').check();
    await until(() => points(fresh.page, '[data-testid="compare-chart"]')).toBe(20);
    expect(fresh.problems).toEqual([]);
    await fresh.page.context().close();
  });

  it('gives the Run page smoothing (raw faint behind), log scale and a wall-clock axis', async () => {
    await page.goto(`${server.url}/#/run/1`);
    const loss = '[data-chart="Loss"]';
    // Default 0.6: the per-step train curve (30 points) is smoothed with its raw values behind;
    // the 10 validation points are drawn as measured.
    await until(async () => (await drawn(page, loss)).map((s) => `${s.role}:${s.label}:${s.n}`)).toEqual([
      'raw:train (raw):30',
      'data:train:30',
      'data:valid:10',
    ]);
    expect(await points(page, loss)).toBe(40);
    await page.locator('#run-charts-smoothing').fill('0');
    await until(async () => (await drawn(page, loss)).map((s) => s.role)).toEqual(['data', 'data']);
    await page.getByLabel('log scale (y)').check();
    await until(() => page.locator(`${loss} [data-y-scale]`).getAttribute('data-y-scale')).toBe('logarithmic');
    await page.getByLabel('wall-clock time').check();
    await until(() => page.locator(`${loss} [data-x-title]`).getAttribute('data-x-title')).toBe('wall-clock time (m:ss)');
    expect(await points(page, loss)).toBe(40);
    await screenshot(page, 'run-charts-controls');
    await page.getByLabel('log scale (y)').uncheck();
    await page.getByLabel('step', { exact: true }).check();
    await page.locator('#run-charts-smoothing').fill('0.6');
  });

  it('colours a run by its id, whatever order runs are picked in', async () => {
    const fresh = await freshPage('#/compare');
    await fresh.page.locator('#cmp-2').check();
    await fresh.page.locator('#cmp-1').check();
    await until(() => points(fresh.page, '[data-testid="compare-chart"]')).toBe(20);
    const colours = Object.fromEntries(
      (await drawn(fresh.page, '[data-testid="compare-chart"]')).filter((s) => s.role === 'data').map((s) => [s.label, s.color]),
    );
    expect(colours).toEqual({ 'gru b valid': '#d55e00', 'lstm a valid': '#1f6fb2' });
    expect(await fresh.page.locator('label[for="cmp-1"] .swatch').getAttribute('data-color')).toBe('#1f6fb2');
    await fresh.page.context().close();
  });

  it('states what the header and stability chart measure, and warns about a run that blew up', async () => {
    await page.goto(`${server.url}/#/run/1`);
    await until(() => page.getByTestId('throughput').textContent()).toMatch(/\d/);
    expect(await page.locator('[title^="Median over the last"]').count()).toBe(1);
    await until(() => page.locator('[data-chart="Stability"] figcaption').textContent()).toContain(
      "the LSTM constraint's contraction bound",
    );
    expect(await page.getByTestId('health-warning').count()).toBe(0);
    await page.goto(`${server.url}/#/run/2`);
    await until(() => page.locator('[data-chart="Stability"] figcaption').textContent()).toContain('‖U‖₂');

    await page.goto(`${server.url}/#/run/3`);
    const warning = page.getByTestId('health-warning');
    await until(() => warning.textContent()).toMatch(/^(Diverging: the train loss rose from|Diverged: the loss became infinite or NaN)/);
    // The causes come with the run's settings (getRun), a moment later.
    await until(() => warning.textContent()).toContain('Likely cause: learning rate 10 is high and no gradient clipping');
    // Its LSTM bound went infinite: listed under the chart, and the rest of the curves still load.
    await until(() => page.locator('[data-chart="Stability"] [data-testid="not-finite"]').textContent()).toMatch(
      /^Not drawn \(not finite\): bound: .*∞ at step \d+/,
    );
    // …and marked on the plot where it happened (▲ at the top edge).
    await until(async () =>
      Number(await page.locator('[data-chart="Stability"] [data-non-finite]').getAttribute('data-non-finite')),
    ).toBeGreaterThan(0);
    await until(() => points(page, '[data-chart="Loss"]')).toBe(40);
    await screenshot(page, 'run-diverged');
  });

  it("sorts History by any column and names each run's loss unit", async () => {
    await page.goto(`${server.url}/#/history`);
    const rows = page.locator('[data-testid="runs-table"] tbody tr');
    await until(() => rows.count()).toBe(3);
    // Newest first until a header is clicked.
    expect(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-run')))).toEqual(['3', '2', '1']);
    const header = page.locator('th', { has: page.getByRole('button', { name: 'Valid loss' }) });
    expect(await header.getAttribute('aria-sort')).toBe('none');
    await page.getByRole('button', { name: 'Valid loss' }).click();
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    const losses = async () =>
      (await rows.evaluateAll((rs) => rs.map((r) => r.querySelector('td[data-unit]')!.textContent!.trim().split(' ')[0]!))).map((t) =>
        t === '–' ? Infinity : Number(t),
      );
    const asc = await losses();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await page.getByRole('button', { name: 'Valid loss' }).click();
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    expect(await rows.evaluateAll((rs) => rs.map((r) => r.getAttribute('data-run')))).toEqual(['1', '2', '3']);
    await until(() => page.locator('td[data-unit]').evaluateAll((tds) => tds.map((td) => td.getAttribute('data-unit')))).toEqual([
      'nats/char',
      'nats/char',
      'nats/char',
    ]);
    await screenshot(page, 'history-sorted');
  });

  it('words errors for people: form labels, no error before a change, no Sample before a checkpoint', async () => {
    // The truncation experiment's form, untouched: no error on any field.
    await page.goto(`${server.url}/#/experiments`);
    await until(() => page.locator('input[name="experiment-kind"]').count()).toBe(5);
    await page.check('input[name="experiment-kind"][value="truncation"]');
    await page.locator('#new-experiment .field').first().waitFor();
    expect(await page.locator('#new-experiment .field-error').count()).toBe(0);
    expect(await page.getByText('Fix the highlighted fields first.').count()).toBe(0);

    await page.goto(`${server.url}/#/new`);
    await page.locator('#preset').selectOption({ label: 'Tiny smoke test (LSTM h16)' });
    await page.fill('#model-hiddenSize', '99999');
    await until(() => page.locator('#model-hiddenSize-error').textContent()).toBe('Hidden size: must be a whole number from 1 to 4096');

    // A run whose first checkpoint is far away: Sample now waits, and says why.
    const ds = (await request<{ id: number; name: string }[]>(page, 'listDatasets', {})).find((d) => d.name === 'brackets')!;
    const run = await request<{ id: number }>(page, 'startRun', {
      datasetId: ds.id,
      name: 'far checkpoint',
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8, layers: 1 },
      train: { ...TINY_TRAIN, steps: 100_000, checkpointEvery: 100_000 },
    });
    await page.goto(`${server.url}/#/run/${run.id}`);
    await until(() => page.locator('.run-head [data-status]').getAttribute('data-status')).toBe('running');
    expect(await page.getByRole('button', { name: 'Sample now' }).isDisabled()).toBe(true);
    expect(await page.getByTestId('sample-wait').textContent()).toBe('Available after the first checkpoint (step 100,000).');
    // Stopping checkpoints: then sampling can work.
    await page.getByRole('button', { name: 'Stop' }).click();
    await until(() => page.locator('.run-head [data-status]').getAttribute('data-status')).toBe('stopped');
    await until(() => page.getByRole('button', { name: 'Sample now' }).isDisabled()).toBe(false);
    expect(await page.getByTestId('sample-wait').count()).toBe(0);
  });

  it("follows the system's dark setting, charts included, at 1280 and 1000 px", async () => {
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [1280, 1000]) {
        const fresh = await freshPage('#/run/1', { colorScheme: scheme });
        await fresh.page.setViewportSize({ width, height: 900 });
        await until(() => points(fresh.page, '[data-chart="Loss"]')).toBe(40);
        const bg = await fresh.page.evaluate('getComputedStyle(document.documentElement).backgroundColor');
        expect(bg).toBe(scheme === 'dark' ? 'rgb(18, 21, 27)' : 'rgb(246, 247, 249)');
        // Charts read the theme's grid colour from the CSS variables.
        expect(await fresh.page.locator('[data-chart="Loss"] [data-grid]').getAttribute('data-grid')).toBe(
          scheme === 'dark' ? '#2b303b' : '#e4e7ec',
        );
        for (const [hash, name] of [
          ['#/run/1', 'run'],
          ['#/compare?ids=1,2', 'compare'],
          ['#/history', 'history'],
          ['#/datasets', 'datasets'],
          ['#/new', 'new-run'],
        ] as const) {
          await fresh.page.goto(`${server.url}/${hash}`);
          await fresh.page.locator('h1').first().waitFor();
          if (name === 'compare') await until(() => points(fresh.page, '[data-testid="compare-chart"]')).toBe(20);
          await fresh.page.waitForTimeout(300); // lists and charts settle (a screenshot, not an assertion)
          expect(await fresh.page.evaluate('document.documentElement.scrollWidth'), `${name} ${width}`).toBeLessThanOrEqual(width);
          await screenshot(fresh.page, `${name}-${scheme}-${width}`);
        }
        expect(fresh.problems).toEqual([]);
        await fresh.page.context().close();
      }
    }
  });
});
