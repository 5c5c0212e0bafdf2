// The experiments' pure analyses on tiny models: the truncation sweep (the
// distance ‖y − yᵏ‖ of a stable RNN falls with k and is 0 once k covers the
// sequence), the gradient-lag profile (a TCN's is exactly 0 beyond its
// receptive field and nonzero inside), matched parameter counts (within 5%,
// refused clearly when impossible), context configs and the config schemas.
import { beforeAll, describe, expect, it } from 'vitest';
import { configForContext } from '../../core/ml/experiments/context-config.ts';
import { summarizeRun } from '../../core/ml/experiments/curves.ts';
import { parseExperimentConfig } from '../../core/ml/experiments/experiment-config.ts';
import { gradientLagProfile } from '../../core/ml/experiments/memory-profile.ts';
import { matchParameterCount } from '../../core/ml/experiments/matched-params.ts';
import { defaultKs, truncationSweep } from '../../core/ml/experiments/truncation-sweep.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { countParameters } from '../../core/ml/models/parameter-count.ts';
import { receptiveFieldOfConfig } from '../../core/ml/models/receptive-field.ts';
import { isRecurrentModel, type RecurrentSequenceModel } from '../../core/ml/models/recurrent-model.ts';
import { createSyntheticTask } from '../../core/ml/tasks/synthetic.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { fitContraction } from '../../core/services/experiments/eval-windows.ts';
import { patternCorpus } from '../helpers/memory-source.ts';
import { leakedTensors, useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const V = 7;
const { source, splits } = patternCorpus(4000, V);
const text = createTextTask(source, splits, V);

function stableRnn(bound: number, vocabSize = V): RecurrentSequenceModel {
  const m = buildModel(
    { kind: 'rnn', vocabSize, inputFeatures: 0, embedSize: 6, hiddenSize: 12, layers: 1, dropout: 0, spectralBound: bound },
    3,
  );
  if (!isRecurrentModel(m)) throw new Error('expected a recurrent model');
  return m;
}

describe('truncation sweep', () => {
  it('on whole sequences: distance falls geometrically with k, loss approaches the full model, and is exactly the full model once k covers the sequence', async () => {
    // Copy memory, T = 4: sequences of 24 steps, each batch a fresh episode.
    const copy = createSyntheticTask({ task: 'copy', length: 4, trainSize: 64, validSize: 32, testSize: 8 });
    const model = stableRnn(0.6, copy.outputSize);
    const ks = [1, 2, 4, 8, 24, 32];
    const leaked = await leakedTensors(async () => {
      const sweep = await truncationSweep(model, copy, ks, { batchSize: 16, seqLen: 24, maxScored: 32 * 24 });
      const d = sweep.rows.map((r) => r.distance);
      for (let i = 1; i < 4; i++) expect(d[i]!).toBeLessThan(d[i - 1]! * 0.9);
      expect(d[4]!).toBeLessThan(1e-5); // k = T: the same recurrence from the same zero state
      expect(d[5]!).toBeLessThan(1e-5);
      const full = sweep.rows.at(-1)!;
      expect(full).toMatchObject({ k: null, distance: 0 });
      expect(Math.abs(sweep.rows[4]!.loss - full.loss)).toBeLessThan(1e-5);
      expect(Math.abs(sweep.rows[3]!.loss - full.loss)).toBeLessThan(Math.abs(sweep.rows[0]!.loss - full.loss) + 1e-6);
      // λ fitted from the distances is below 1 for a contractive model.
      const lambda = fitContraction(sweep.rows.slice(0, 4) as { k: number; distance: number }[]);
      expect(lambda).not.toBeNull();
      expect(lambda!).toBeLessThan(1);
    });
    expect(leaked).toBe(0);
    model.dispose();
  });

  it('on a text stream: windows carry the history across, and distances still fall with k', async () => {
    const model = stableRnn(0.5);
    const sweep = await truncationSweep(model, text, defaultKs(16), { batchSize: 4, seqLen: 16, maxScored: 4 * 16 * 3 });
    expect(sweep.rows.map((r) => r.k)).toEqual([1, 2, 4, 8, 16, null]);
    const d = sweep.rows.slice(0, -1).map((r) => r.distance);
    for (let i = 1; i < d.length; i++) expect(d[i]!).toBeLessThan(d[i - 1]!);
    expect(d.at(-1)!).toBeLessThan(1e-3); // λ = 0.5, k = 16
    expect(sweep.scored).toBe(4 * 16 * 3);
    model.dispose();
  });

  it('defaultKs doubles up to the window and ends on it', () => {
    expect(defaultKs(16)).toEqual([1, 2, 4, 8, 16]);
    expect(defaultKs(24)).toEqual([1, 2, 4, 8, 16, 24]);
  });
});

describe('gradient-lag profile', () => {
  const first = (seqLen: number) =>
    text
      .evalBatches('valid', { batchSize: 8, seqLen, maxScored: 8 * seqLen, context: 0 })
      [Symbol.iterator]()
      .next().value!;

  it('of a TCN is exactly 0 beyond its receptive field and nonzero inside', async () => {
    const config: ModelConfig = {
      kind: 'tcn',
      vocabSize: V,
      inputFeatures: 0,
      embedSize: 6,
      hiddenSize: 8,
      levels: 3,
      kernelSize: 2,
      dropout: 0,
      convsPerBlock: 1,
      weightNorm: true,
      residual: true,
    };
    expect(receptiveFieldOfConfig(config)).toBe(8);
    const model = buildModel(config, 5);
    const leaked = await leakedTensors(async () => {
      const p = await gradientLagProfile(model, first(24), 'categorical', V, { maxLag: 12, positions: 6, rows: 8 });
      expect(p.norms).toHaveLength(13);
      for (let j = 0; j < 8; j++) expect(p.norms[j]!, `lag ${j}`).toBeGreaterThan(0);
      for (let j = 8; j <= 12; j++) expect(p.norms[j], `lag ${j}`).toBe(0);
      expect(p.pairs).toBe(6 * 8);
      expect(Math.min(...p.positions)).toBeGreaterThanOrEqual(12);
    });
    expect(leaked).toBe(0);
    model.dispose();
  });

  it('of a recurrent model reaches every lag, and a stable one decays with it', async () => {
    const model = stableRnn(0.5);
    const p = await gradientLagProfile(model, first(24), 'categorical', V, { maxLag: 12 });
    expect(p.norms.every((n) => n > 0)).toBe(true);
    expect(p.norms[12]!).toBeLessThan(p.norms[0]! * 1e-2);
    model.dispose();
  });

  it('refuses a lag the windows cannot hold, naming maxLag', async () => {
    const model = stableRnn(0.5);
    await expect(gradientLagProfile(model, first(8), 'categorical', V, { maxLag: 8 })).rejects.toThrow(
      /^maxLag: 8 leaves no scored position/,
    );
    model.dispose();
  });
});

describe('matched parameter counts', () => {
  const base = (kind: string): ModelConfig => buildModel({ kind, vocabSize: 40, inputFeatures: 0 } as ModelConfig, 1).config;

  it.each(['lstm', 'gru', 'rnn', 'tcn', 'gcnn', 'wavenet'])(
    '%s lands within 5 percent of the target, and the count is the built model’s',
    (kind) => {
      for (const target of [20_000, 150_000]) {
        const m = matchParameterCount(base(kind), target);
        expect(Math.abs(m.count - target) / target).toBeLessThanOrEqual(0.05);
        expect(m.count).toBe(countParameters(m.config));
      }
      const small = matchParameterCount(base(kind), 20_000);
      const built = buildModel(small.config, 1);
      expect(built.parameterCount()).toBe(small.count);
      built.dispose();
    },
  );

  it('refuses an impossible target, naming the field, the kind and the nearest counts', () => {
    expect(() => matchParameterCount(base('lstm'), 100)).toThrow(
      /^targetParams: no lstm width gives 100 parameters within 5% \(the smallest, width 1, already gives \d+\)/,
    );
  });
});

describe('context configs', () => {
  const tcn = buildModel({ kind: 'tcn', vocabSize: 5, inputFeatures: 0, kernelSize: 2, convsPerBlock: 1 } as ModelConfig, 1).config;

  it('pick the deepest model whose receptive field fits the context', () => {
    for (const c of [2, 4, 8, 16, 64]) expect(configForContext(tcn, c).receptiveField).toBe(c);
    expect(configForContext(tcn, 12).receptiveField).toBe(8);
  });

  it('give a truncated model k = context, and refuse a context below the smallest receptive field', () => {
    const trunc = buildModel({ kind: 'truncated', vocabSize: 5, inputFeatures: 0, base: { kind: 'rnn' }, k: 3 } as ModelConfig, 1).config;
    expect(configForContext(trunc, 1)).toMatchObject({ receptiveField: 1, config: { k: 1 } });
    expect(() => configForContext(tcn, 1)).toThrow(/^contexts: 1 is below the smallest receptive field of this tcn \(2 steps\)/);
  });
});

describe('experiment configs', () => {
  it('fill every default, including the training settings', () => {
    const c = parseExperimentConfig('stability', { datasetId: 3 });
    expect(c).toMatchObject({ datasetId: 3, model: { kind: 'rnn' }, lambda: 0.9, train: { steps: 1000, seed: 1 } });
    expect(parseExperimentConfig('memory', { datasetId: 1 })).toMatchObject({ kind: 'tcn', contexts: [2, 4, 8, 16, 32, 64] });
    expect(parseExperimentConfig('truncated-vs-recurrent', { datasetId: 1, base: { hiddenSize: 8 } })).toMatchObject({
      base: { kind: 'rnn', hiddenSize: 8 },
      k: 8,
    });
  });

  it('name every bad field in full, and unknown ones as such', () => {
    expect(() => parseExperimentConfig('stability', { datasetId: 1, train: { steps: 0 }, lambda: -1, colour: 'red' })).toThrow(
      /lambda: must be a number above 0.*; train\.steps: must be a whole number from 1 to .*; colour: not a setting of the stability experiment/,
    );
    expect(() => parseExperimentConfig('memory', { datasetId: 1, contexts: [2, 2] })).toThrow(/^contexts: values must be distinct/);
    expect(() => parseExperimentConfig('truncation', {})).toThrow(/^runId: /);
  });
});

describe('run summaries', () => {
  it('average the train loss over the last tenth, take the last valid loss and skip NaN', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({
      step: i + 1,
      wallMs: (i + 1) * 100,
      trainLoss: i === 19 ? NaN : 20 - i,
      validLoss: i % 5 === 4 ? 10 - i / 5 : null,
      stabilityBound: null,
      contraction: i === 9 ? 0.7 : null,
    }));
    const s = summarizeRun(rows);
    expect(s).toMatchObject({
      steps: 20,
      finalValidLoss: 10 - 19 / 5,
      bestValidLoss: 10 - 19 / 5,
      wallSeconds: 2,
      finalContraction: 0.7,
      finalStabilityBound: null,
    });
    expect(s.finalTrainLoss).toBe(2); // rows 19 and 20; the NaN one is skipped
  });
});

describe('fitContraction', () => {
  it('recovers λ from c·λᵏ and leaves out distances at the round-off floor', () => {
    const exact = [1, 2, 4, 8].map((k) => ({ k, distance: 3 * 0.6 ** k }));
    expect(fitContraction(exact)).toBeCloseTo(0.6, 10);
    const withFloor = [...exact, { k: 32, distance: 1e-6 }, { k: 64, distance: 1.1e-6 }];
    expect(fitContraction(withFloor)).not.toBeCloseTo(0.6, 2); // the floor flattens a fit that keeps it
    expect(fitContraction(withFloor, 1e-5)).toBeCloseTo(0.6, 10);
    expect(fitContraction(exact.slice(0, 2))).toBeNull();
  });
});
