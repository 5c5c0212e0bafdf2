// The built-in presets of issue 18 plan exactly what their comments promise
// (Bai et al.'s depth rule, matched parameter counts, equal wall-clock; the
// λ sweep's members), older stability configs still parse as they were
// stored, and the experiment ETA adds up the members left.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExperimentConfig } from '../../core/ml/experiments/experiment-config.ts';
import { EXPERIMENT_PRESETS, expandPreset } from '../../core/ml/experiments/presets.ts';
import { countParameters } from '../../core/ml/models/parameter-count.ts';
import { receptiveFieldOfConfig } from '../../core/ml/models/receptive-field.ts';
import type { RunConfig } from '../../core/ml/train/run-config.ts';
import { ensureBuiltinDataset } from '../../core/services/datasets.ts';
import { planExperiment } from '../../core/services/experiments/plans.ts';
import { ExperimentEta, formatEta } from '../../core/services/experiments/eta.ts';
import { createSyntheticDataset } from '../../core/services/task-datasets.ts';
import { History } from '../../core/storage/history.ts';
import { cleanupTempDirs, tempDir } from '../storage/helpers.ts';

const dir = tempDir();
let history: History;
beforeAll(() => {
  history = History.open(dir);
});
afterAll(() => {
  history.close();
  cleanupTempDirs();
});

const configs = (members: readonly ({ role: string; config: RunConfig } | { role: string; runId: number })[]) =>
  Object.fromEntries(members.map((m) => [m.role, (m as { config: RunConfig }).config]));

describe('presets', () => {
  it("every preset parses, and user fields win over the preset's (one level deep)", () => {
    for (const p of EXPERIMENT_PRESETS) expect(() => parseExperimentConfig(p.kind, { preset: p.name, datasetId: 1 }), p.name).not.toThrow();
    const c = parseExperimentConfig('memory', { preset: 'copy-100', datasetId: 1, train: { steps: 10 } });
    expect(c.train).toMatchObject({ steps: 10, timeLimitSeconds: 480, lr: 0.002, clip: 1, batchSize: 32 });
    expect(c.preset).toBe('copy-100');
    expect(expandPreset('memory', { preset: 'nope' })).toEqual({ preset: 'nope' });
    expect(() => parseExperimentConfig('memory', { preset: 'nope', datasetId: 1 })).toThrow(/^preset: must be one of copy-100, adding-200/);
    expect(() => parseExperimentConfig('truncation', { preset: 'copy-100', runId: 1 })).toThrow(
      /preset: not a setting of the truncation experiment/,
    );
  });

  it('copy-100: a kernel-8 TCN of 4 levels (receptive field 211 ≥ 120), an LSTM and a GRU within 5 % of its parameters, one training budget', () => {
    const dataset = createSyntheticDataset(history, { task: 'copy', length: 100, name: 'copy-100' });
    const plan = planExperiment(history, 'memory', { preset: 'copy-100', datasetId: dataset.id });
    const m = configs(plan.members);
    expect(Object.keys(m)).toEqual(['context-120', 'lstm', 'gru']);
    const tcn = m['context-120']!.model;
    expect(tcn).toMatchObject({ kind: 'tcn', kernelSize: 8, levels: 4, hiddenSize: 10, convsPerBlock: 2, dropout: 0 });
    expect(receptiveFieldOfConfig(tcn)).toBe(211);
    for (const kind of ['lstm', 'gru']) {
      expect(Math.abs(countParameters(m[kind]!.model) / countParameters(tcn) - 1), kind).toBeLessThanOrEqual(0.05);
      expect(m[kind]!.train).toEqual(m['context-120']!.train);
    }
  });

  it('adding-200: 4 levels of kernel 8 cover the 200 steps; 24 channels as in the paper', () => {
    const dataset = createSyntheticDataset(history, { task: 'adding', length: 200, trainSize: 1000, name: 'adding-200' });
    const m = configs(planExperiment(history, 'memory', { preset: 'adding-200', datasetId: dataset.id }).members);
    expect(m['context-200']!.model).toMatchObject({ kind: 'tcn', kernelSize: 8, levels: 4, hiddenSize: 24 });
    expect(Object.keys(m)).toEqual(['context-200', 'lstm', 'gru']);
  });

  it('stability-ptb: an unconstrained RNN and one per λ, then the LSTM unconstrained and stable; an old config keeps its pair', async () => {
    const text = await ensureBuiltinDataset(history, dir, 'brackets');
    const m = configs(planExperiment(history, 'stability', { preset: 'stability-ptb', datasetId: text.id }).members);
    expect(Object.keys(m)).toEqual([
      'rnn-unconstrained',
      'rnn-lambda-0.8',
      'rnn-lambda-0.9',
      'rnn-lambda-0.95',
      'rnn-lambda-0.99',
      'lstm-unconstrained',
      'lstm-stable',
    ]);
    expect(m['rnn-lambda-0.95']!.model).toMatchObject({ kind: 'rnn', spectralBound: 0.95, hiddenSize: 128 });
    expect(m['lstm-stable']!.model).toMatchObject({ kind: 'lstm', stabilize: true, hiddenSize: 128 });
    expect(m['rnn-unconstrained']!.train).toMatchObject({ patience: 4, steps: 8000 });
    // A config stored before issue 18 (no lambdas, kinds, truncation fields) parses with the same pair.
    const old = { datasetId: text.id, model: { kind: 'rnn', hiddenSize: 8 }, lambda: 0.8, train: { steps: 5 } };
    expect(parseExperimentConfig('stability', old)).toMatchObject({ lambda: 0.8, truncationKs: [1, 2, 4, 8, 16, 32, 64] });
    expect(planExperiment(history, 'stability', old).members.map((x) => x.role)).toEqual(['unconstrained', 'stable']);
  });
});

describe('experiment ETA', () => {
  it('the current member from its pace, later ones from their steps or their time budget', () => {
    const eta = new ExperimentEta([
      { totalSteps: 100, timeLimitSeconds: 0, finished: true },
      { totalSteps: 100, timeLimitSeconds: 0, finished: false },
      { totalSteps: 100, timeLimitSeconds: 0, finished: false },
      { totalSteps: 1000, timeLimitSeconds: 30, finished: false },
    ]);
    expect(eta.secondsLeft()).toBeNull();
    eta.observe(1, 10, 5_000, 0); // training time 0.5 s per step
    expect(eta.secondsLeft()).toBeNull();
    eta.observe(1, 20, 10_000, 10_000); // 1 s real per step: validation doubles the time
    // member 1: 80 steps × 1 s; member 2: 100 × 1 s; member 3: min(1000 × 1 s, 30 s × 2 overhead)
    expect(eta.secondsLeft()).toBeCloseTo(80 + 100 + 60, 6);
    expect(formatEta(240)).toBe('about 4 min left');
    expect(formatEta(12)).toBe('about 12 s left');
    expect(formatEta(null)).toBe('');
  });
});
