// Progress reaches clients at a bounded rate, however fast a run steps, and
// still carries every step once, in order, with the last step before the
// run's status. First the throttle alone, fed thousands of steps a second;
// then a real LabService training a tiny model in a real worker.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../core/app/lab-service.ts';
import { PROGRESS_INTERVAL_MS, ProgressThrottle } from '../../core/app/progress-throttle.ts';
import type { LabEvent } from '../../core/contract/lab-contract.ts';
import { resolveDataset } from '../../core/services/datasets.ts';
import { History } from '../../core/storage/history.ts';

type Delivered = { at: number; event: LabEvent };

/** The most events delivered within any window of `ms`. */
function busiestWindow(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** The most deliveries within any one second. */
const busiestSecond = (delivered: Delivered[]) =>
  busiestWindow(
    delivered.map((d) => d.at),
    1000,
  );

/** The steps a subscriber saw for `runId`, in arrival order. */
const stepsOf = (seen: Delivered[], runId: number) =>
  seen.flatMap(({ event: e }) =>
    e.type === 'run.progress' && e.runId === runId ? [...(e.earlier ?? []), e.metrics].map((m) => m.step) : [],
  );

const row = (step: number) => ({
  step,
  wallMs: step,
  trainLoss: 1,
  validLoss: null,
  tokensPerSec: 1000,
  lr: 0.001,
  gradNorm: null,
  bitsPerSymbol: null,
  validAccuracy: null,
  stabilityBound: null,
  contraction: null,
});

/** Per-second ceiling: one event per interval, plus the first of a quiet lane. */
const CEILING = Math.ceil(1000 / PROGRESS_INTERVAL_MS) + 1;

describe('ProgressThrottle', () => {
  it('relays at most ~10 progress events a second from thousands of steps a second, every step once, the last before the status', async () => {
    const seen: Delivered[] = [];
    const throttle = new ProgressThrottle((event) => seen.push({ at: performance.now(), event }));
    // A source as fast as the loop allows, for 1.5 s of real time, yielding to timers now and then.
    const t0 = performance.now();
    let step = 0;
    while (performance.now() - t0 < 1500) {
      for (let i = 0; i < 50; i++) throttle.push({ type: 'run.progress', runId: 7, totalSteps: 1e9, metrics: row(++step) });
      await new Promise((r) => setImmediate(r));
    }
    throttle.push({ type: 'run.status', runId: 7, status: 'completed', step, validLoss: null, error: null });
    const rate = step / 1.5;
    expect(rate).toBeGreaterThan(2000);

    const progress = seen.filter((d) => d.event.type === 'run.progress');
    expect(busiestSecond(progress)).toBeLessThanOrEqual(CEILING);
    expect(stepsOf(seen, 7)).toEqual(Array.from({ length: step }, (_, i) => i + 1));
    // Nothing waits past the status: the step before it is the run's last.
    expect(seen.at(-1)!.event.type).toBe('run.status');
    expect(seen.at(-2)!.event).toMatchObject({ type: 'run.progress', metrics: { step } });
    throttle.close();
  });

  it("sends a quiet run at once, paces each run on its own, keeps an experiment's newest state, and never drops other events", async () => {
    const seen: Delivered[] = [];
    const throttle = new ProgressThrottle((event) => seen.push({ at: performance.now(), event }));
    throttle.push({ type: 'run.progress', runId: 1, totalSteps: 9, metrics: row(1) });
    throttle.push({ type: 'run.progress', runId: 2, totalSteps: 9, metrics: row(1) });
    expect(stepsOf(seen, 1)).toEqual([1]);
    expect(stepsOf(seen, 2)).toEqual([1]);
    throttle.push({ type: 'run.progress', runId: 1, totalSteps: 9, metrics: row(2) });
    throttle.push({ type: 'run.progress', runId: 1, totalSteps: 9, metrics: row(3) });
    const experiment = (step: number): LabEvent => ({
      type: 'experiment.progress',
      experimentId: 4,
      runId: 1,
      role: 'lstm',
      member: 0,
      members: 2,
      step,
      totalSteps: 9,
      trainLoss: 1,
      validLoss: null,
    });
    throttle.push(experiment(1));
    throttle.push(experiment(2));
    throttle.push(experiment(3));
    // Held: run 1's steps 2-3 and the experiment's steps 2-3 wait for the interval's end.
    expect(stepsOf(seen, 1)).toEqual([1]);
    const sample = { id: 1, runId: 2, step: 1, temperature: 1, topK: null, prime: '', text: 'x', createdAt: '2026-12-04T01:00:00Z' };
    throttle.push({ type: 'run.sample', runId: 2, sample });
    // A sample is not held back, and what waited before it arrives first.
    expect(seen.map((d) => d.event.type)).toEqual([
      'run.progress',
      'run.progress',
      'experiment.progress',
      'run.progress',
      'experiment.progress',
      'run.sample',
    ]);
    expect(stepsOf(seen, 1)).toEqual([1, 2, 3]);
    expect(seen.filter((d) => d.event.type === 'experiment.progress').map((d) => (d.event as { step: number }).step)).toEqual([1, 3]);
    // A lane quiet for a whole interval sends its next event at once again.
    await new Promise((r) => setTimeout(r, 3 * PROGRESS_INTERVAL_MS));
    throttle.push({ type: 'run.progress', runId: 1, totalSteps: 9, metrics: row(4) });
    expect(stepsOf(seen, 1)).toEqual([1, 2, 3, 4]);
    throttle.close();
  });
});

describe('LabService progress', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-progress-'));
  const dataDir = path.join(dir, 'data');
  const history = History.open(dataDir);
  const service = new LabService({ dataDir, history, mode: 'browser', uploadsDir: path.join(dir, 'uploads') });

  afterAll(async () => {
    await service.close();
    history.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a tiny model training flat out reaches a subscriber at a bounded rate, with every step and the last before its status', async () => {
    const dataset = await resolveDataset(history, dataDir, 'brackets');
    const seen: Delivered[] = [];
    let ended: () => void = () => {};
    const end = new Promise<void>((r) => (ended = r));
    const off = service.subscribe((event) => {
      seen.push({ at: performance.now(), event });
      if (event.type === 'run.status') ended();
    });
    const steps = 400;
    const started = await service.handle('startRun', {
      datasetId: dataset.id,
      model: { kind: 'lstm', hiddenSize: 8, embedSize: 8 },
      train: {
        steps,
        batchSize: 2,
        seqLen: 8,
        backend: 'cpu',
        validEvery: 100_000,
        validTokens: 64,
        sampleEvery: 0,
        checkpointEvery: 1000,
      },
    });
    expect(started.ok).toBe(true);
    await end;
    off();
    const runId = (started as { result: { id: number } }).result.id;

    const progress = seen.filter((d) => d.event.type === 'run.progress');
    expect(busiestSecond(progress)).toBeLessThanOrEqual(CEILING);
    // Fewer events than steps: several steps shared an event (a tiny LSTM makes far more than 10 steps a second).
    expect(progress.length).toBeLessThan(steps / 2);
    expect(stepsOf(seen, runId)).toEqual(Array.from({ length: steps }, (_, i) => i + 1));
    expect(seen.at(-1)!.event).toMatchObject({ type: 'run.status', status: 'completed', step: steps });
    expect(seen.at(-2)!.event).toMatchObject({ type: 'run.progress', metrics: { step: steps } });
  }, 120_000);
});
