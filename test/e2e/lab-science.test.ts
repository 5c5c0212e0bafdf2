// The science screens end to end, in real headless Chromium against a real
// `seqlab serve`: every model kind on the New-run form (GRU and WaveNet
// trained), a synthetic task generated and trained on, and a tiny experiment
// run, shown, exported and reloaded. Tiny configs throughout: the suite runs
// on a 2-core CI machine. Fails on any page error, console error or CSP
// violation, like lab-ui.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, openPage, screenshot, type WatchedPage } from './helpers/browser.ts';
import { buildRenderer, corpusText, startLabServer, type LabServer } from './helpers/lab-server.ts';

/** Every input, select, textarea and button on the page that has no accessible name. */
const UNLABELLED = `[...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120))`;

const until = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

async function points(page: Page, selector: string): Promise<number> {
  return Number((await page.locator(`${selector} [data-points]`).first().getAttribute('data-points')) ?? 0);
}

async function statusOf(page: Page): Promise<string | null> {
  return page.locator('.run-head [data-status]').getAttribute('data-status');
}

/** Fills the New-run form's fields (by id) with the given values. */
async function fill(page: Page, values: Record<string, string>): Promise<void> {
  for (const [sel, v] of Object.entries(values)) await page.fill(sel, v);
}

describe.skipIf(!hasChromium() && !process.env['CI'])('science screens in Chromium against seqlab serve', () => {
  let server: LabServer;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-e2e-science-'));
  const corpusPath = path.join(dir, 'small.txt');
  const rollPath = path.join(dir, 'chorales.json');

  /** A tiny piano-roll JSON (the JSB Chorales format): seeded four-voice chords, 16 steps a sequence. */
  function pianoRolls(): string {
    let s = 5;
    const rnd = (n: number) => (s = (s * 1103515245 + 12345) % 2147483648) % n;
    const sequence = () =>
      Array.from({ length: 16 }, () => [...new Set([20 + rnd(12), 32 + rnd(12), 39 + rnd(12), 46 + rnd(12)])].sort((a, b) => a - b));
    const split = (n: number) => Array.from({ length: n }, sequence);
    return JSON.stringify({ pitchOffset: 21, numPitches: 88, train: split(24), valid: split(4), test: split(4) });
  }

  beforeAll(async () => {
    buildRenderer();
    fs.writeFileSync(corpusPath, corpusText(20_000, 3));
    fs.writeFileSync(rollPath, pianoRolls());
    [server, browser] = await Promise.all([startLabServer(), launch()]);
    w = await openPage(browser);
    page = w.page;
    await page.goto(server.openUrl);
    await page.locator('h1').first().waitFor();
  });

  let allowedRefusals: string[] = [];

  afterEach(() => {
    const problems = w ? w.problems.splice(0) : [];
    const refused = (w ? w.refusals.splice(0) : []).map((u) => new URL(u).pathname.replace('/api/request/', ''));
    const allowed = allowedRefusals;
    allowedRefusals = [];
    expect(problems).toEqual([]);
    expect(refused.filter((name) => !allowed.includes(name))).toEqual([]);
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Imports the small text corpus as dataset 1 unless it is there (each test may run on its own). */
  async function ensureSmallDataset(): Promise<void> {
    await page.goto(`${server.url}/#/datasets`);
    await page.locator('h1').first().waitFor();
    await until(() => page.locator('[data-testid="dataset-table"], .card p.muted:text("No datasets yet")').count()).toBeGreaterThan(0);
    if (await page.locator('tr[data-dataset="small"]').count()) return;
    await page.fill('#import-name', 'small');
    await page.fill('#import-path', corpusPath);
    await page.getByRole('button', { name: 'Import path' }).click();
    await page.locator('tr[data-dataset="small"]').waitFor();
  }

  it('offers every model kind with its own fields, and trains a GRU and a WaveNet', async () => {
    await ensureSmallDataset();
    expect(await page.locator('tr[data-dataset="small"] [data-testid="task-line"]').textContent()).toMatch(/^next character prediction/);

    await page.goto(`${server.url}/#/new?dataset=1`);
    await until(() => page.getByTestId('param-count').textContent()).toMatch(/\d/);
    await until(() => page.getByTestId('dataset-task').textContent()).toMatch(/^next character prediction/);
    // Every kind is on offer, with a description; the core fills vocabSize and inputFeatures, so they never show.
    const kinds = await page.locator('input[name="kind"]').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(kinds.sort()).toEqual(['gcnn', 'gru', 'lstm', 'rnn', 'tcn', 'truncated', 'wavenet']);
    const fieldsOf = async (kind: string) => {
      await page.check(`input[name="kind"][value="${kind}"]`);
      return page
        .locator('#model-title ~ * input[name]:not([name="kind"]), #model-title ~ * select')
        .evaluateAll((els) => els.map((e) => e.id));
    };
    for (const kind of kinds) {
      const ids = await fieldsOf(kind);
      expect(ids, kind).not.toContain('model-vocabSize');
      expect(ids, kind).not.toContain('model-inputFeatures');
    }
    expect(await fieldsOf('wavenet')).toEqual(
      expect.arrayContaining([
        'model-residualChannels',
        'model-dilationChannels',
        'model-skipChannels',
        'model-stacks',
        'model-layersPerStack',
      ]),
    );
    expect(await fieldsOf('gcnn')).toEqual(
      expect.arrayContaining(['model-levels', 'model-convsPerBlock', 'model-dilated', 'model-weightNorm']),
    );
    // The RNN's stability bound, with its explanation; the LSTM's stable variant.
    await page.check('input[name="kind"][value="rnn"]');
    expect(await page.getByTestId('model-stability').textContent()).toMatch(/singular values are clipped at λ/);
    await page.fill('#model-spectralBound', '0');
    await until(() => page.locator('#model-spectralBound-error').textContent()).toMatch(/^Spectral bound λ: /);
    await page.fill('#model-spectralBound', '0.9');
    await until(() => page.locator('#model-spectralBound-error').count()).toBe(0);
    await page.check('input[name="kind"][value="lstm"]');
    expect(await page.locator('#model-stabilize').isVisible()).toBe(true);
    // Truncated: a recurrent base with its own fields, and k as the receptive field.
    await page.check('input[name="kind"][value="truncated"]');
    await page.locator('#base-kind').selectOption('lstm');
    expect(await page.locator('#base-stabilize').isVisible()).toBe(true);
    await fill(page, { '#model-k': '12', '#base-hiddenSize': '16' });
    await until(() => page.getByTestId('receptive-field').textContent()).toBe('12 steps');
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    await screenshot(page, 'new-run-truncated');

    // A GRU: recurrent, so its run reports a stability bound at every validation.
    await page.check('input[name="kind"][value="gru"]');
    await fill(page, {
      '#model-hiddenSize': '16',
      '#model-embedSize': '8',
      '#train-steps': '30',
      '#train-batchSize': '4',
      '#train-seqLen': '16',
      '#train-validEvery': '10',
      '#train-checkpointEvery': '30',
      '#train-sampleEvery': '0',
    });
    await until(() => page.getByTestId('receptive-field').textContent()).toBe('unbounded (recurrent)');
    await page.fill('#run-name', 'gru tiny');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/run\/1$/);
    await until(() => statusOf(page), 90_000).toBe('completed');
    expect(await page.locator('.run-head').textContent()).toContain('GRU (recurrent)');
    await until(() => points(page, '[data-chart="Stability"]')).toBeGreaterThan(0);
    expect(await page.locator('[data-chart="Bits per symbol"]').count()).toBe(1);
    await screenshot(page, 'run-gru');

    // A WaveNet: feed-forward, its receptive field counted from the config.
    await page.goto(`${server.url}/#/new?dataset=1`);
    await page.locator('#preset').selectOption({ label: 'WaveNet small (2 stacks × 6 layers)' });
    await fill(page, {
      '#model-residualChannels': '8',
      '#model-dilationChannels': '8',
      '#model-skipChannels': '8',
      '#model-stacks': '1',
      '#model-layersPerStack': '3',
      '#model-embedSize': '8',
    });
    await fill(page, {
      '#train-steps': '20',
      '#train-batchSize': '4',
      '#train-seqLen': '16',
      '#train-validEvery': '10',
      '#train-checkpointEvery': '20',
    });
    // The input convolution (kernel 2) and dilations 1, 2, 4: 2 + 1 + 2 + 4 = 9 steps.
    await until(() => page.getByTestId('receptive-field').textContent()).toBe('9 steps');
    await screenshot(page, 'new-run-wavenet');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/run\/2$/);
    await until(() => statusOf(page), 90_000).toBe('completed');
    expect(await page.locator('.run-head').textContent()).toContain('WaveNet (feed-forward)');
    expect(await page.locator('[data-chart="Stability"]').count()).toBe(0);
  });

  it('generates synthetic tasks and imports music, and trains on them: accuracy for copy memory, MSE for adding, NLL per step for music', async () => {
    await page.goto(`${server.url}/#/datasets`);
    // Copy memory with a short blank span; the sizes are counts of sequences, generated on demand.
    await page.check('input[name="synthetic-task"][value="copy"]');
    await fill(page, {
      '#synthetic-length': '8',
      '#synthetic-trainSize': '512',
      '#synthetic-validSize': '64',
      '#synthetic-testSize': '64',
      '#synthetic-seed': '7',
      '#synthetic-name': 'copy8',
    });
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await page.locator('tr[data-dataset="copy8"]').waitFor();
    expect(await page.locator('tr[data-dataset="copy8"] [data-testid="task-line"]').textContent()).toMatch(/^copy memory, T = 8/);
    expect(await page.locator('tr[data-dataset="copy8"] td.kind').textContent()).toBe('copy memory');
    await page.check('input[name="synthetic-task"][value="adding"]');
    await fill(page, {
      '#synthetic-length': '20',
      '#synthetic-trainSize': '512',
      '#synthetic-validSize': '64',
      '#synthetic-testSize': '64',
      '#synthetic-seed': '',
      '#synthetic-name': 'adding20',
    });
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await page.locator('tr[data-dataset="adding20"]').waitFor();
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    await screenshot(page, 'datasets-synthetic');

    // Copy memory on a GRU: no window length (episodes), and a recall-accuracy chart.
    const copyId = await page.locator('tr[data-dataset="copy8"] a[aria-label="New run on copy8"]').getAttribute('href');
    await page.goto(`${server.url}/${copyId}`);
    await until(() => page.getByTestId('dataset-task').textContent()).toMatch(/^copy memory/);
    expect(await page.locator('#train-seqLen').count()).toBe(0);
    expect(await page.getByTestId('episodic-note').isVisible()).toBe(true);
    await page.check('input[name="kind"][value="gru"]');
    await fill(page, {
      '#model-hiddenSize': '16',
      '#model-embedSize': '8',
      '#train-steps': '30',
      '#train-batchSize': '8',
      '#train-validEvery': '10',
      '#train-checkpointEvery': '30',
    });
    await until(() => page.getByTestId('param-count').textContent()).toMatch(/\d/);
    await screenshot(page, 'new-run-copy-memory');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/run\/\d+$/);
    await until(() => statusOf(page), 90_000).toBe('completed');
    await until(() => points(page, '[data-chart="Accuracy"]')).toBeGreaterThan(0);
    expect(await page.getByTestId('valid-accuracy').textContent()).toMatch(/%$/);
    expect(await page.locator('[data-chart="Bits per symbol"]').count()).toBe(0);
    expect(await page.getByTestId('samples').count()).toBe(0);
    await screenshot(page, 'run-copy-memory');

    // The adding problem on a small TCN: the loss is an MSE, against the always-1.0 baseline.
    await page.goto(`${server.url}/#/new`);
    await page.locator('#run-dataset').selectOption({ label: 'adding20 (adding problem)' });
    await until(() => page.getByTestId('dataset-task').textContent()).toMatch(/^adding problem/);
    await page.check('input[name="kind"][value="tcn"]');
    await fill(page, {
      '#model-hiddenSize': '8',
      '#model-embedSize': '8',
      '#model-levels': '3',
      '#train-steps': '20',
      '#train-batchSize': '8',
      '#train-validEvery': '10',
      '#train-checkpointEvery': '20',
    });
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/run\/\d+$/);
    await until(() => statusOf(page), 90_000).toBe('completed');
    expect(await page.locator('[data-chart="Loss"] figcaption').textContent()).toBe('MSE');
    expect(await page.getByTestId('valid-loss').textContent()).toMatch(/MSE$/);
    expect(await page.locator('[data-chart="Accuracy"]').count()).toBe(0);
    await screenshot(page, 'run-adding');

    // Music: a piano-roll JSON through the same import as text; the core tells the format.
    // (By path: an uploaded .json reaches the core as a folder, which it searches for MIDI only.)
    await page.goto(`${server.url}/#/datasets`);
    expect(await page.locator('#import-files').getAttribute('accept')).toMatch(/\.mid,\.midi,\.json/);
    await page.fill('#import-path', rollPath);
    await page.getByRole('button', { name: 'Import path' }).click();
    await page.locator('tr[data-dataset="chorales"]').waitFor();
    expect(await page.locator('tr[data-dataset="chorales"] td.kind').textContent()).toBe('music');
    expect(await page.locator('tr[data-dataset="chorales"] [data-testid="task-line"]').textContent()).toMatch(/^polyphonic music/);
    await page.goto(`${server.url}/#/new`);
    await page.locator('#run-dataset').selectOption({ label: 'chorales (music)' });
    await page.check('input[name="kind"][value="gru"]');
    await fill(page, {
      '#model-hiddenSize': '16',
      '#model-embedSize': '8',
      '#train-steps': '10',
      '#train-batchSize': '4',
      '#train-validEvery': '5',
      '#train-checkpointEvery': '10',
    });
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/run\/\d+$/);
    await until(() => statusOf(page), 90_000).toBe('completed');
    expect(await page.locator('[data-chart="Loss"] figcaption').textContent()).toBe('NLL per step');
    expect(await page.getByTestId('valid-loss').textContent()).toMatch(/nats per step$/);
    await screenshot(page, 'run-music');
  });

  it('runs a tiny stability experiment: progress, table and plots, export, and all of it after a reload', async () => {
    await ensureSmallDataset();
    await page.goto(`${server.url}/#/experiments`);
    await until(() => page.locator('input[name="experiment-kind"]').count()).toBe(5);
    await page.check('input[name="experiment-kind"][value="stability"]');
    await until(() => page.getByTestId('experiment-about').textContent()).toMatch(/stability projection/);
    await page.locator('#exp-datasetId').selectOption({ label: 'small (char, 20,000 tokens)' });
    await page.locator('#exp-model-kind').selectOption('rnn');
    await fill(page, { '#exp-model-hiddenSize': '8', '#exp-lambda': '0.5', '#exp-train-steps': '0' });
    await until(() => page.locator('#exp-train-steps-error').textContent()).toMatch(/^Steps: /);
    await fill(page, {
      '#exp-train-steps': '20',
      '#exp-train-batchSize': '4',
      '#exp-train-seqLen': '16',
      '#exp-train-validEvery': '5',
      '#experiment-name': 'tiny stability',
    });
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    await screenshot(page, 'experiments-new');
    await page.getByRole('button', { name: 'Start experiment' }).click();
    await page.waitForURL(/#\/experiment\/\d+$/);
    const url = page.url();
    await until(() => page.getByTestId('experiment-members').locator('tbody tr').count()).toBe(2);
    expect(
      await page
        .getByTestId('experiment-members')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-member'))),
    ).toEqual(['unconstrained', 'stable']);
    // Progress: which member trains now, at which step (each trains for a few seconds).
    await until(() => page.getByTestId('experiment-doing').textContent(), 60_000).toMatch(
      /^Training (unconstrained|stable) \(run #\d+\), member [12] of 2: step \d+ of 20$/,
    );
    await screenshot(page, 'experiment-running');
    await until(() => page.locator('.head [data-status]').getAttribute('data-status'), 120_000).toBe('completed');
    const result = page.getByTestId('experiment-result');
    await until(() => result.locator('[data-table]').count()).toBeGreaterThan(0);
    await until(() => result.locator('[data-plot]').count()).toBeGreaterThan(0);
    expect(await points(page, '[data-testid="experiment-result"] [data-plot]')).toBeGreaterThan(0);
    expect(await page.evaluate(UNLABELLED)).toEqual([]);

    await page.getByRole('button', { name: 'Export CSV + PNG' }).click();
    const exported = page.getByTestId('experiment-export');
    await exported.waitFor();
    const outDir = (await exported.locator('.path').textContent())!.trim();
    expect(outDir.startsWith(server.home)).toBe(true);
    const files = fs.readdirSync(outDir);
    expect(files.some((f) => f.endsWith('.csv'))).toBe(true);
    expect(files.some((f) => f.endsWith('.png'))).toBe(true);

    // Everything comes back from the history after a reload.
    await page.goto(`${server.url}/#/history`);
    await page.goto(url);
    await until(() => page.getByTestId('experiment-result').locator('[data-plot]').count()).toBeGreaterThan(0);
    await page.waitForTimeout(300); // charts settle
    await screenshot(page, 'experiment-result');
    const stableRun = Number(
      await page
        .locator('[data-member="stable"] a[href^="#/run/"]')
        .textContent()
        .then((t) => t!.slice(1)),
    );

    // A truncation sweep of the stable member: no training, only the analysis, on log axes.
    await page.goto(`${server.url}/#/experiments`);
    await until(() => page.locator('[data-testid="experiments-table"] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid="experiments-table"] [data-status]').getAttribute('data-status')).toBe('completed');
    await page.check('input[name="experiment-kind"][value="truncation"]');
    await page.locator('#exp-runId').selectOption(String(stableRun));
    await fill(page, { '#exp-ks': '1, 2, 4, 8', '#exp-validTokens': '512' });
    await page.getByRole('button', { name: 'Start experiment' }).click();
    await page.waitForURL(/#\/experiment\/\d+$/);
    await until(() => page.locator('.head [data-status]').getAttribute('data-status'), 60_000).toBe('completed');
    await until(() => page.getByTestId('experiment-result').locator('[data-plot]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-plot] figcaption').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/log y/)]),
    );
    await page.waitForTimeout(300);
    await screenshot(page, 'experiment-truncation');
    await page.goto(`${server.url}/#/experiments`);
    await until(() => page.locator('[data-testid="experiments-table"] tbody tr').count()).toBe(2);
    await screenshot(page, 'experiments-list');
  });

  it('fits a 1000 px wide window on the new screens', async () => {
    await page.setViewportSize({ width: 1000, height: 800 });
    try {
      for (const [hash, name] of [
        ['#/datasets', 'datasets-science'],
        ['#/new', 'new-run-science'],
        ['#/experiments', 'experiments'],
        ['#/experiment/1', 'experiment'],
        ['#/run/1', 'run-science'],
      ]) {
        await page.goto(`${server.url}/${hash}`);
        await page.locator('h1').first().waitFor();
        await page.waitForTimeout(300); // charts and lists settle
        expect(await page.evaluate('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(1000);
        await screenshot(page, `${name}-1000px`);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
