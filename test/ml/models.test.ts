// Model invariants: causality, receptive field, parameter counts, gradients
// against finite differences.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../../core/ml/engine/tidy.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { countParameters } from '../../core/ml/models/parameter-count.ts';
import { receptiveFieldOfConfig } from '../../core/ml/models/receptive-field.ts';
import { crossEntropy } from '../../core/ml/train/loss.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const V = 7;
const configs: Record<string, ModelConfig> = {
  lstm: { kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 5, hiddenSize: 6, layers: 2, dropout: 0 },
  tcn: {
    kind: 'tcn',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 5,
    hiddenSize: 6,
    levels: 3,
    kernelSize: 2,
    dropout: 0,
    convsPerBlock: 2,
    weightNorm: true,
    residual: true,
  },
  'tcn-plain': {
    kind: 'tcn',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 4,
    hiddenSize: 4,
    levels: 2,
    kernelSize: 3,
    dropout: 0,
    convsPerBlock: 1,
    weightNorm: false,
    residual: false,
  },
  gcnn: {
    kind: 'gcnn',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 5,
    hiddenSize: 6,
    levels: 2,
    convsPerBlock: 2,
    kernelSize: 3,
    dilated: false,
    dropout: 0,
    weightNorm: true,
  },
  'gcnn-dilated': {
    kind: 'gcnn',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 4,
    hiddenSize: 4,
    levels: 3,
    convsPerBlock: 1,
    kernelSize: 2,
    dilated: true,
    dropout: 0,
    weightNorm: false,
  },
  wavenet: {
    kind: 'wavenet',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 5,
    residualChannels: 4,
    dilationChannels: 3,
    skipChannels: 6,
    stacks: 2,
    layersPerStack: 2,
    kernelSize: 2,
    dropout: 0,
  },
  'lstm-stable': { kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 5, hiddenSize: 6, layers: 2, dropout: 0, stabilize: true },
  rnn: { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 5, hiddenSize: 6, layers: 2, dropout: 0 },
  'rnn-stable': { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 5, hiddenSize: 6, layers: 1, dropout: 0, spectralBound: 0.8 },
  gru: { kind: 'gru', vocabSize: V, inputFeatures: 0, embedSize: 5, hiddenSize: 6, layers: 2, dropout: 0 },
  'truncated-rnn': {
    kind: 'truncated',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 5,
    dropout: 0,
    base: { kind: 'rnn', hiddenSize: 6, layers: 2 },
    k: 3,
  },
  'truncated-lstm': {
    kind: 'truncated',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 4,
    dropout: 0,
    base: { kind: 'lstm', hiddenSize: 5, layers: 1 },
    k: 4,
  },
  'truncated-gru': {
    kind: 'truncated',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 4,
    dropout: 0,
    base: { kind: 'gru', hiddenSize: 5, layers: 2 },
    k: 2,
  },
};

async function logitsFor(model: ReturnType<typeof buildModel>, tokens: number[]): Promise<Float32Array> {
  const out = tidy(() => model.forward(tf.tensor2d(tokens, [1, tokens.length], 'int32'), null, { training: false }));
  const data = (await out.logits.data()) as Float32Array;
  tf.dispose([out.logits, ...(out.state ?? [])]);
  return data;
}

const configs_ = configs;
describe.each(Object.entries(configs))('%s', (_name, config) => {
  it('is causal: changing the input at t+1 changes no output at <= t', async () => {
    const model = buildModel(config, 3);
    const T = 12;
    const base = Array.from({ length: T }, (_, i) => (i * 3) % V);
    const a = await logitsFor(model, base);
    for (const t of [0, 5, T - 2]) {
      const changed = [...base];
      changed[t + 1] = (changed[t + 1]! + 1) % V;
      const b = await logitsFor(model, changed);
      const upTo = (t + 1) * V;
      expect(Array.from(b.subarray(0, upTo))).toEqual(Array.from(a.subarray(0, upTo)));
      // and the change is visible at t+1 (the test could not pass with a constant model)
      expect(Array.from(b.subarray(upTo, upTo + V))).not.toEqual(Array.from(a.subarray(upTo, upTo + V)));
    }
    model.dispose();
  });

  it('gradients match central finite differences', async () => {
    const model = buildModel(config, 5);
    const T = 6;
    const x = tf.tensor2d([Array.from({ length: T }, (_, i) => (i * 2 + 1) % V)], [1, T], 'int32');
    const y = tf.tensor2d([Array.from({ length: T }, (_, i) => (i * 5 + 2) % V)], [1, T], 'int32');
    const lossOf = () => crossEntropy(model.forward(x, null, { training: false }).logits, y);
    const vars = model.variables.map((v) => v.variable);
    const { grads } = tf.variableGrads(lossOf as () => tf.Scalar, vars);
    // eps small enough to rarely cross a ReLU kink, large enough for float32 round-off (~1e-7 · loss / eps).
    const eps = 1e-3;
    let checked = 0;
    for (const { variable } of model.variables) {
      const g = (await grads[variable.name]!.data()) as Float32Array;
      const values = (await variable.data()) as Float32Array;
      // probe three entries per variable: first, middle, last
      for (const i of [0, Math.floor(values.length / 2), values.length - 1]) {
        const probe = async (delta: number) => {
          const copy = Float32Array.from(values);
          copy[i] = copy[i]! + delta;
          tf.tidy(() => variable.assign(tf.tensor(copy, variable.shape)));
          const l = tf.tidy(lossOf);
          const v = (await l.data())[0]!;
          l.dispose();
          return v;
        };
        const numeric = ((await probe(eps)) - (await probe(-eps))) / (2 * eps);
        tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
        expect(Math.abs(numeric - g[i]!)).toBeLessThan(2e-3 + 2e-2 * Math.abs(numeric));
        checked++;
      }
    }
    expect(checked).toBe(model.variables.length * 3);
    tf.dispose([x, y, ...Object.values(grads)]);
    model.dispose();
  });
});

describe('receptive field and size', () => {
  it('TCN receptive field is 1 + 2(k-1)(2^L - 1) and is exactly the dependency span', async () => {
    for (const [k, L] of [
      [2, 3],
      [3, 2],
      [3, 4],
    ] as const) {
      const model = buildModel(
        {
          kind: 'tcn',
          vocabSize: V,
          inputFeatures: 0,
          embedSize: 3,
          hiddenSize: 3,
          levels: L,
          kernelSize: k,
          dropout: 0,
          convsPerBlock: 2,
          weightNorm: true,
          residual: true,
        },
        1,
      );
      // Positive weights keep every ReLU open, so no path is silently cut and the span shows in full.
      for (const { variable } of model.variables) tf.tidy(() => variable.assign(tf.add(tf.abs(variable), 0.5)));
      const rf = 1 + 2 * (k - 1) * (2 ** L - 1);
      expect(model.receptiveField()).toBe(rf);
      // Changing the input at t = last - (rf - 1) changes the last output; at last - rf it does not.
      const T = rf + 4;
      const base = Array.from({ length: T }, (_, i) => i % V);
      const last = await logitsFor(model, base);
      const edit = async (pos: number) => {
        const c = [...base];
        c[pos] = (c[pos]! + 3) % V;
        const l = await logitsFor(model, c);
        return Array.from(l.subarray((T - 1) * V)).some((v, j) => v !== last[(T - 1) * V + j]);
      };
      expect(await edit(T - rf)).toBe(true);
      expect(await edit(T - rf - 1)).toBe(false);
      model.dispose();
    }
  });

  it('LSTM parameter count matches the formula', () => {
    const m = buildModel({ kind: 'lstm', vocabSize: 64, inputFeatures: 0, embedSize: 32, hiddenSize: 128, layers: 2, dropout: 0 }, 1);
    const expected = 64 * 32 + 32 + (32 * 512 + 128 * 512 + 512) + (128 * 512 + 128 * 512 + 512) + 128 * 64 + 64;
    expect(m.parameterCount()).toBe(expected);
    expect(m.receptiveField()).toBe(Infinity);
    m.dispose();
  });

  it('counts parameters from the config alone, exactly as the built model has them', () => {
    const configs: ModelConfig[] = [
      ...Object.values(configs_),
      { kind: 'lstm', vocabSize: 50, inputFeatures: 0, embedSize: 32, hiddenSize: 64, layers: 3, dropout: 0 },
      {
        kind: 'tcn',
        vocabSize: 50,
        inputFeatures: 0,
        embedSize: 32,
        hiddenSize: 32,
        levels: 3,
        kernelSize: 2,
        dropout: 0,
        convsPerBlock: 2,
        weightNorm: true,
        residual: true,
      },
      {
        kind: 'tcn',
        vocabSize: 50,
        inputFeatures: 0,
        embedSize: 16,
        hiddenSize: 24,
        levels: 2,
        kernelSize: 5,
        dropout: 0,
        convsPerBlock: 1,
        weightNorm: false,
        residual: true,
      },
      {
        kind: 'gcnn',
        vocabSize: 50,
        inputFeatures: 0,
        embedSize: 16,
        hiddenSize: 24,
        levels: 3,
        convsPerBlock: 3,
        kernelSize: 4,
        dilated: false,
        dropout: 0.1,
        weightNorm: true,
      },
      {
        kind: 'gcnn',
        vocabSize: 50,
        inputFeatures: 3,
        embedSize: 24,
        hiddenSize: 24,
        levels: 2,
        convsPerBlock: 1,
        kernelSize: 5,
        dilated: true,
        dropout: 0,
        weightNorm: false,
      },
      {
        kind: 'wavenet',
        vocabSize: 256,
        inputFeatures: 0,
        embedSize: 32,
        residualChannels: 16,
        dilationChannels: 24,
        skipChannels: 40,
        stacks: 3,
        layersPerStack: 4,
        kernelSize: 3,
        dropout: 0,
      },
      {
        kind: 'wavenet',
        vocabSize: 1,
        inputFeatures: 2,
        embedSize: 8,
        residualChannels: 8,
        dilationChannels: 8,
        skipChannels: 8,
        stacks: 1,
        layersPerStack: 1,
        kernelSize: 2,
        dropout: 0,
      },
      { kind: 'rnn', vocabSize: 50, inputFeatures: 3, embedSize: 16, hiddenSize: 24, layers: 3, dropout: 0, spectralBound: null },
      { kind: 'gru', vocabSize: 50, inputFeatures: 0, embedSize: 32, hiddenSize: 64, layers: 3, dropout: 0.1 },
      { kind: 'lstm', vocabSize: 9, inputFeatures: 4, embedSize: 8, hiddenSize: 16, layers: 1, dropout: 0, stabilize: true },
      {
        kind: 'truncated',
        vocabSize: 50,
        inputFeatures: 0,
        embedSize: 16,
        dropout: 0,
        base: { kind: 'gru', hiddenSize: 24, layers: 2 },
        k: 8,
      },
      {
        kind: 'truncated',
        vocabSize: 2,
        inputFeatures: 5,
        embedSize: 8,
        dropout: 0,
        base: { kind: 'lstm', hiddenSize: 12, layers: 3, stabilize: true },
        k: 100,
      },
    ];
    for (const c of configs) {
      const m = buildModel(c, 1);
      expect(countParameters(c), JSON.stringify(c)).toBe(m.parameterCount());
      m.dispose();
    }
  });

  it('receptiveFieldOfConfig agrees with the built model (recurrent: Infinity; truncated: k; tcn: its span)', () => {
    for (const c of Object.values(configs_).filter((c) => ['rnn', 'lstm', 'gru', 'truncated', 'tcn'].includes(c.kind))) {
      const m = buildModel(c, 1);
      expect(receptiveFieldOfConfig(c), c.kind).toBe(m.receptiveField());
      m.dispose();
    }
  });

  it('refuses a bad config naming the field', () => {
    expect(() =>
      buildModel({ kind: 'lstm', vocabSize: 10, inputFeatures: 0, embedSize: 32, hiddenSize: 0, layers: 1, dropout: 0 }, 1),
    ).toThrow(/hiddenSize: must be a whole number from 1 to 4096/);
  });
});
