// Sweeps in the history: creation validates every trial's full run config
// against the dataset before anything is stored (errors name the sweep
// file's field), the records round-trip through a reopened database, a
// trial's run is an ordinary run created once, and the concurrency plan.
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBuiltinDataset } from '../../core/services/datasets.ts';
import { planConcurrency } from '../../core/services/sweeps/sweep-concurrency.ts';
import { createSweep, ensureTrialRun, loadSweep, markTrial, runMetric, trialRunConfig } from '../../core/services/sweeps/sweep-store.ts';
import { History } from '../../core/storage/history.ts';
import { cleanupTempDirs, deadPid, tempDir } from '../storage/helpers.ts';

afterAll(cleanupTempDirs);

const dataDir = tempDir();

async function open() {
  const history = History.open(dataDir);
  const dataset = await ensureBuiltinDataset(history, dataDir, 'brackets');
  return { history, dataset };
}

describe('sweep storage', () => {
  it('stores every trial with its full, validated run config and reads it back after a reopen', async () => {
    const { history, dataset } = await open();
    const created = createSweep(history, dataset, {
      method: 'grid',
      steps: 20,
      base: { batchSize: 4, seqLen: 16 },
      space: { hiddenSize: [8, 16], kind: ['lstm', 'gru'] },
    });
    expect(created.trials.map((t) => [t.index, t.state, t.runId, t.point])).toEqual([
      [0, 'pending', null, { hiddenSize: 8, kind: 'lstm' }],
      [1, 'pending', null, { hiddenSize: 8, kind: 'gru' }],
      [2, 'pending', null, { hiddenSize: 16, kind: 'lstm' }],
      [3, 'pending', null, { hiddenSize: 16, kind: 'gru' }],
    ]);
    const config = created.trials[3]!.config;
    expect(config.model).toMatchObject({ kind: 'gru', hiddenSize: 16, vocabSize: dataset.stats.vocabSize });
    expect(config.train).toMatchObject({ steps: 20, batchSize: 4, seqLen: 16, lr: 0.002 });
    history.close();

    const again = await open();
    const loaded = loadSweep(again.history, `#${created.id}`);
    expect(loaded).toEqual(created);
    expect(again.history.sweeps.list().map((s) => s.id)).toEqual([created.id]);
    again.history.close();
  });

  it('refuses a space whose trial is not a valid run config, naming the field, and stores nothing', async () => {
    const { history, dataset } = await open();
    const before = history.sweeps.list().length;
    expect(() => createSweep(history, dataset, { method: 'grid', steps: 20, space: { hiddenSize: [8, 5000] } })).toThrow(
      /^space\.hiddenSize: must be a whole number from 1 to 4096 \(trial 1: hiddenSize=5000\)$/,
    );
    expect(() =>
      createSweep(history, dataset, {
        method: 'random',
        trials: 3,
        steps: 20,
        base: { dropout: 2 },
        space: { lr: { 'log-uniform': [1e-4, 1e-2] } },
      }),
    ).toThrow(/^base\.dropout: must be a number from 0 to 0\.9/);
    expect(() =>
      createSweep(history, dataset, { method: 'random', trials: 3, steps: 20, space: { lr: { 'log-uniform': [-1, 1e-2] } } }),
    ).toThrow(/^space\.lr: log-uniform needs two positive numbers a < b$/);
    expect(history.sweeps.list()).toHaveLength(before);
    history.close();
  });

  it("creates a trial's run once, as an ordinary run linked from the trial, and marks the trial", async () => {
    const { history, dataset } = await open();
    const sweep = createSweep(history, dataset, {
      method: 'random',
      trials: 2,
      steps: 10,
      seed: 3,
      base: { batchSize: 2, seqLen: 8 },
      space: { lr: { 'log-uniform': [1e-3, 1e-2] } },
    });
    const run = ensureTrialRun(history, sweep.id, 1);
    expect(ensureTrialRun(history, sweep.id, 1).id).toBe(run.id);
    expect(run).toMatchObject({ status: 'queued', name: `sweep ${sweep.id} trial 1`, totalSteps: 10 });
    expect(run.config).toEqual(sweep.trials[1]!.config);
    expect(history.listRuns().map((r) => r.id)).toContain(run.id);
    expect(trialRunConfig(history, sweep.id, 1).trial.runId).toBe(run.id);
    expect(() => trialRunConfig(history, sweep.id, 2)).toThrow(/^--index: sweep \d+ has trials 0\.\.1 \(got 2\)$/);

    history.appendMetrics(run.id, [
      {
        step: 5,
        wallMs: 1,
        trainLoss: 2,
        validLoss: 1.9,
        bitsPerSymbol: null,
        validAccuracy: null,
        stabilityBound: null,
        contraction: null,
        tokensPerSec: 1,
        gradNorm: 1,
        lr: 0.01,
      },
      {
        step: 10,
        wallMs: 2,
        trainLoss: 1.5,
        validLoss: 1.4,
        bitsPerSymbol: null,
        validAccuracy: null,
        stabilityBound: null,
        contraction: null,
        tokensPerSec: 1,
        gradNorm: 1,
        lr: 0.01,
      },
    ] as never);
    expect(runMetric(history, run.id, 'validLoss')).toBe(1.4);
    expect(runMetric(history, run.id, 'validLoss', 7)).toBe(1.9);
    expect(runMetric(history, run.id, 'trainLoss', 4)).toBeNull();

    const marked = markTrial(history, sweep.id, 1, { state: 'completed', metric: 1.4 });
    expect(marked).toMatchObject({ state: 'completed', metric: 1.4, runId: run.id, error: null });
    expect(() => markTrial(history, sweep.id, 1, { metric: Number.NaN })).toThrow(/^metric: must be a finite number or null/);

    // Deleting the run leaves the trial without one; the sweep stays.
    history.deleteRun(run.id);
    expect(loadSweep(history, sweep.id).trials[1]!.runId).toBeNull();
    expect(() => loadSweep(history, 999)).toThrow(/^no sweep "999"; list sweeps with: seqlab sweep list$/);
    history.close();
  });
});

describe('sweep ownership', () => {
  it('is taken by one live process; a dead driver reads as stopped and can be taken over', async () => {
    const { history, dataset } = await open();
    const sweep = createSweep(history, dataset, { method: 'grid', steps: 10, space: { lr: [0.01] } });
    expect(history.sweeps.claim(sweep.id, process.pid).state).toBe('running');
    expect(() => history.sweeps.claim(sweep.id, process.ppid, () => true)).toThrow(
      `sweep ${sweep.id} is already running in process ${process.pid}`,
    );
    const dead = await deadPid();
    history.sweeps.setState(sweep.id, 'created');
    history.sweeps.claim(sweep.id, dead);
    expect(loadSweep(history, sweep.id).state).toBe('stopped');
    expect(history.sweeps.claim(sweep.id, process.pid).pid).toBe(process.pid);
    expect(history.sweeps.setState(sweep.id, 'completed')).toMatchObject({ state: 'completed', pid: null });
    history.close();
  });
});

describe('concurrency plan', () => {
  it('shares the cores out (one thread per trial on 2 cores) and caps by memory', async () => {
    const { history, dataset } = await open();
    const sweep = createSweep(history, dataset, {
      method: 'random',
      trials: 16,
      steps: 10,
      base: { batchSize: 2, seqLen: 8 },
      space: { hiddenSize: { 'int-uniform': [8, 32] } },
    });
    const configs = sweep.trials.map((t) => t.config);
    expect(planConcurrency(configs, { cores: 2, memoryBytes: 64 * 2 ** 30 })).toMatchObject({ parallel: 2, threadsPerTrial: 1 });
    expect(planConcurrency(configs.slice(0, 3), { cores: 16, memoryBytes: 64 * 2 ** 30 })).toMatchObject({
      parallel: 3,
      threadsPerTrial: 5,
    });
    expect(planConcurrency(configs, { cores: 16, memoryBytes: 2 ** 30 })).toMatchObject({ parallel: 2, threadsPerTrial: 8 });
    expect(planConcurrency(configs, { cores: 16, memoryBytes: 64 * 2 ** 30 }, 4)).toMatchObject({
      parallel: 4,
      threadsPerTrial: 4,
      reason: '--parallel 4',
    });
    history.close();
  });
});
