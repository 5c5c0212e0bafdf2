// Audio end to end, in real headless Chromium against a real `seqlab serve`:
// a WAV made here with sox is uploaded through the file picker, its clip
// drawn (wavesurfer.js) and played (Web Audio: the clock must advance) and
// sought; a tiny WaveNet trains on it (making samples at chosen steps),
// generates 0.1 s on demand, and the sample is drawn and downloaded as a
// real WAV. Tiny configs throughout.
// Fails on any page error, console error or CSP violation, like the other
// e2e suites.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launch, openPage, screenshot, type WatchedPage } from './helpers/browser.ts';
import { buildRenderer, startLabServer, type LabServer } from './helpers/lab-server.ts';

const hasSox = spawnSync('sox', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasSox) console.warn('lab-audio.test.ts: skipped, `sox` is not installed (apt-get install sox): the test makes its WAV with it');

const until = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });

/** Every input, select, textarea and button on the page that has no accessible name. */
const UNLABELLED = `[...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120))`;

/** Whether wavesurfer drew something: a canvas with non-blank pixels inside the waveform's shadow root. */
async function drawnPixels(page: Page, selector: string): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate((el) => {
      const host = el.querySelector('div');
      const root = host?.shadowRoot ?? el;
      let inked = 0;
      for (const c of root.querySelectorAll('canvas')) {
        if (!c.width || !c.height) continue;
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
      }
      return inked;
    });
}

describe.skipIf((!hasChromium() && !process.env['CI']) || !hasSox)('audio in Chromium against seqlab serve', () => {
  let server: LabServer;
  let browser: Browser;
  let w: WatchedPage;
  let page: Page;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-e2e-audio-'));
  const tonePath = path.join(dir, 'tone.wav');

  beforeAll(async () => {
    // One second of a 440 Hz sine at 16 kHz, 16 bit: a real WAV, made fresh.
    const sox = spawnSync('sox', ['-n', '-r', '16000', '-b', '16', tonePath, 'synth', '1', 'sine', '440'], { encoding: 'utf8' });
    if (sox.status !== 0) throw new Error(`sox failed: ${sox.stderr}`);
    buildRenderer();
    [server, browser] = await Promise.all([startLabServer(), launch(['--autoplay-policy=no-user-gesture-required'])]);
    w = await openPage(browser);
    page = w.page;
    await page.goto(server.openUrl);
    await page.locator('h1').first().waitFor();
  });

  afterEach(() => {
    const problems = w ? w.problems.splice(0) : [];
    const refused = w ? w.refusals.splice(0) : [];
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
  });

  afterAll(async () => {
    await page?.context().close();
    await browser?.close();
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports a WAV through the picker, draws its clip, plays it and seeks', async () => {
    await page.goto(`${server.url}/#/datasets`);
    const accept = await page.locator('#import-files').getAttribute('accept');
    for (const ext of ['.wav', '.flac', '.mp3', '.ogg']) expect(accept).toContain(ext);
    // The audio options show under the Audio file type.
    await page.locator('[aria-label="File type"] label').filter({ hasText: 'Audio' }).click();
    await page.locator('#import-rate').selectOption('8000');
    await page.locator('#import-trim').selectOption({ label: 'below −40 dBFS' });
    await page.setInputFiles('#import-files', tonePath);
    const row = page.locator('tr[data-dataset="tone"]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.locator('td.kind').textContent()).toBe('audio');
    expect(await row.getByTestId('task-line').textContent()).toMatch(/mu-law|256/);

    await row.getByRole('button', { name: 'tone', exact: true }).click();
    const stats = page.getByTestId('audio-stats');
    await stats.waitFor();
    expect(await stats.textContent()).toMatch(/Clips\s*1/);
    expect(await stats.textContent()).toMatch(/Sample rate\s*8,000 Hz/);
    expect(await stats.textContent()).toMatch(/Original rates\s*16,000 Hz/);
    const clip = page.locator('[data-testid="audio-clips"] [data-audio-clip]').first();
    await until(() => clip.getByTestId('waveform').getAttribute('data-ready')).toBe('true');
    expect(Number(await clip.getAttribute('data-duration'))).toBeGreaterThan(0.9);
    await until(() => drawnPixels(page, '[data-testid="audio-clips"] [data-testid="waveform"]')).toBeGreaterThan(100);
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    await screenshot(page, 'audio-datasets');

    // Play: the Web Audio clock moves the position; pause stops it.
    await clip.getByRole('button', { name: /^Play clip/ }).click();
    await until(() => clip.getAttribute('data-playing')).toBe('true');
    await until(async () => Number(await clip.getAttribute('data-current-time'))).toBeGreaterThan(0.1);
    expect(await page.evaluate('(async () => { const c = new AudioContext(); const s = c.state; await c.close(); return s; })()')).toBe(
      'running',
    );
    await clip.getByRole('button', { name: /^Pause clip/ }).click();
    await until(() => clip.getAttribute('data-playing')).toBe('false');
    const paused = Number(await clip.getAttribute('data-current-time'));
    await page.waitForTimeout(300);
    expect(Number(await clip.getAttribute('data-current-time'))).toBeCloseTo(paused, 2);

    // Seek: a click at three quarters of the waveform, then the keyboard.
    const wave = clip.getByTestId('waveform');
    const box = (await wave.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
    await until(async () => Number(await clip.getAttribute('data-current-time'))).toBeGreaterThan(0.6);
    expect(Number(await clip.getAttribute('data-current-time'))).toBeLessThan(0.9);
    await wave.focus();
    await page.keyboard.press('Home');
    await until(async () => Number(await clip.getAttribute('data-current-time'))).toBe(0);
    expect(await wave.getAttribute('aria-valuetext')).toMatch(/^0\.00 s of 1\.00 s$/);

    // Drag and drop: the same WAV dropped on the import area, kept at 16 kHz.
    await page.locator('#import-rate').selectOption('16000');
    await page.locator('#import-trim').selectOption({ label: 'keep everything' });
    const b64 = fs.readFileSync(tonePath).toString('base64');
    const dropped = await page.evaluateHandle(
      `(() => { const dt = new DataTransfer(); const bytes = Uint8Array.from(atob('${b64}'), (c) => c.charCodeAt(0)); dt.items.add(new File([bytes], 'dropped.wav', { type: 'audio/wav' })); return dt; })()`,
    );
    await page.dispatchEvent('[aria-label="Drop text, music or audio files here to import them"]', 'drop', { dataTransfer: dropped });
    await page.locator('tr[data-dataset="dropped"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('tr[data-dataset="dropped"] td.kind').textContent()).toBe('audio');
    await page.locator('tr[data-dataset="dropped"]').getByRole('button', { name: 'dropped', exact: true }).click();
    await until(() => page.getByTestId('audio-stats').textContent()).toMatch(/Sample rate\s*16,000 Hz/);
    await until(() => page.locator('[data-testid="audio-clips"] [data-testid="waveform"][data-ready="true"]').count()).toBe(1);
  });

  it('shows the built-in melodies corpus a page of clips at a time', async () => {
    await page.goto(`${server.url}/#/datasets`);
    await page.getByRole('button', { name: 'Use built-in corpus melodies' }).click();
    const row = page.locator('tr[data-dataset="melodies"]');
    await row.waitFor({ timeout: 60_000 });
    await row.getByRole('button', { name: 'melodies', exact: true }).click();
    await until(() => page.getByTestId('audio-stats').textContent()).toMatch(/Clips\s*12/);
    const clips = page.locator('[data-testid="audio-clips"] [data-audio-clip]');
    await until(() => page.locator('[data-testid="audio-clips"] [data-testid="waveform"][data-ready="true"]').count()).toBe(6);
    await page.getByRole('button', { name: 'Show 6 more of 6' }).click();
    await until(() => page.locator('[data-testid="audio-clips"] [data-testid="waveform"][data-ready="true"]').count()).toBe(12);
    expect(await clips.count()).toBe(12);
    await until(() => drawnPixels(page, '[data-testid="audio-clips"] li:nth-child(12) [data-testid="waveform"]')).toBeGreaterThan(100);
    await screenshot(page, 'audio-melodies');
  });

  it('trains a tiny WaveNet on the clip, generates 0.1 s and downloads it as WAV', async () => {
    await page.goto(`${server.url}/#/new`);
    await page.locator('#run-dataset').selectOption({ index: 0 });
    await until(() => page.getByTestId('dataset-task').textContent()).toMatch(/mu-law|256/);
    const note = page.getByTestId('audio-note');
    expect(await note.textContent()).toMatch(/WaveNet/);
    await page.check('input[name="kind"][value="lstm"]');
    await note.getByRole('button', { name: 'Use WaveNet' }).click();
    expect(await page.locator('input[name="kind"][value="wavenet"]').isChecked()).toBe(true);
    const fields: Record<string, string> = {
      '#model-residualChannels': '4',
      '#model-dilationChannels': '4',
      '#model-skipChannels': '4',
      '#model-stacks': '1',
      '#model-layersPerStack': '2',
      '#train-steps': '6',
      '#train-batchSize': '2',
      '#train-seqLen': '16',
      '#train-validEvery': '3',
      '#train-checkpointEvery': '6',
      '#train-sampleEvery': '3',
      '#train-sampleSeconds': '0.05',
    };
    for (const [sel, v] of Object.entries(fields)) await page.fill(sel, v);
    await until(() => page.getByTestId('param-count').textContent()).toMatch(/\d/);
    await screenshot(page, 'audio-new-run');
    await page.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/run\/\d+$/);
    await until(() => page.locator('.run-head [data-status]').getAttribute('data-status'), 120_000).toBe('completed');
    expect(await page.getByTestId('samples').count()).toBe(0); // no text samples panel
    expect(await page.locator('dt', { hasText: 'Samples/s' }).count()).toBe(1);
    // Samples made while training, at steps 3 and 6 (run.audioSample events), newest first.
    const list = page.getByTestId('audio-samples');
    await until(() => list.locator('li').count()).toBe(2);
    expect(await list.locator('li .step').allTextContents()).toEqual(['step 6', 'step 3']);
    await until(() => list.locator('[data-testid="waveform"][data-ready="true"]').count()).toBe(2);
    expect(Number(await list.locator('[data-audio-clip]').first().getAttribute('data-duration'))).toBeCloseTo(0.05, 2);

    // Generate 0.1 s on demand: progress while it runs, then the sample with its waveform.
    await page.fill('#gen-seconds', '0.1');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await until(() => list.locator('li').count(), 60_000).toBe(3);
    const sample = list.locator('li').first();
    expect((await page.getByTestId('audio-speed').textContent())!.trim()).toMatch(
      /^800 samples in [\d.]+ s: .* samples\/s, [\d.]+× real time$/,
    );
    const sampleClip = sample.locator('[data-audio-clip]');
    await until(() => sampleClip.getByTestId('waveform').getAttribute('data-ready')).toBe('true');
    expect(Number(await sampleClip.getAttribute('data-duration'))).toBeCloseTo(0.1, 1);
    await until(() => drawnPixels(page, '[data-testid="audio-samples"] [data-testid="waveform"]')).toBeGreaterThan(0);
    expect(await page.evaluate(UNLABELLED)).toEqual([]);
    await screenshot(page, 'audio-run');

    // The download is a real WAV file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      sample.getByRole('button', { name: /^Download sample #\d+ as WAV$/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^run-\d+-sample-\d+-step-\d+\.wav$/);
    const bytes = fs.readFileSync((await download.path())!);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(bytes.subarray(8, 12).toString('latin1')).toBe('WAVE');

    // A longer, naive generation shows its progress while it runs, then lands in the list.
    await page.fill('#gen-seconds', '0.5');
    await page.locator('#gen-method').selectOption('naive');
    // The highest value the progress bar shows, sampled every frame (audio.progress events move it).
    await page.evaluate(
      `(() => { window.maxProgress = 0; const tick = () => { const p = document.querySelector('[data-testid="audio-progress"] progress'); if (p) window.maxProgress = Math.max(window.maxProgress, p.value); requestAnimationFrame(tick); }; tick(); })()`,
    );
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByTestId('audio-progress').waitFor();
    await page.waitForTimeout(400);
    await screenshot(page, 'audio-generating');
    await until(() => list.locator('li').count(), 90_000).toBe(4);
    expect(await page.getByTestId('audio-progress').count()).toBe(0);
    expect(await page.evaluate('window.maxProgress')).toBeGreaterThan(0);
    expect(await list.locator('li').first().textContent()).toContain('naive');
  });

  it('fits a 1000 px wide window on the audio screens', async () => {
    await page.setViewportSize({ width: 1000, height: 800 });
    try {
      await page.goto(`${server.url}/#/datasets`);
      await page.locator('tr[data-dataset="tone"]').getByRole('button', { name: 'tone', exact: true }).click();
      await until(() => page.locator('[data-testid="audio-clips"] [data-testid="waveform"]').first().getAttribute('data-ready')).toBe(
        'true',
      );
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1000);
      await screenshot(page, 'audio-datasets-1000px');
      await page.goto(`${server.url}/#/run/1`);
      await until(() => page.locator('[data-testid="audio-samples"] [data-testid="waveform"]').first().getAttribute('data-ready')).toBe(
        'true',
      );
      await page.waitForTimeout(300);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1000);
      await screenshot(page, 'audio-run-1000px');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
