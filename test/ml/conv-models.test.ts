// Gated convolutional models (GCNN, WaveNet): receptive fields are exactly the
// dependency span, float feature input, no tensor leaks, one batch overfits,
// and WaveNet's per-layer hook computes one step from its taps alone (the seam
// a queue-based generator will use).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tidy } from '../../core/ml/engine/tidy.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { GcnnConfig, ModelConfig, WavenetConfig } from '../../core/ml/models/model-config.ts';
import { receptiveFieldOfConfig } from '../../core/ml/models/receptive-field.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { WavenetModel } from '../../core/ml/models/wavenet-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import { crossEntropy } from '../../core/ml/train/loss.ts';
import { Adam } from '../../core/ml/train/optimizer.ts';
import { leakedTensors, useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const V = 6;
const F = 3;
const gcnn = (over: Partial<GcnnConfig>): GcnnConfig => ({
  kind: 'gcnn',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  hiddenSize: 5,
  levels: 2,
  convsPerBlock: 2,
  kernelSize: 3,
  dilated: false,
  dropout: 0,
  weightNorm: true,
  ...over,
});
const wavenet = (over: Partial<WavenetConfig>): WavenetConfig => ({
  kind: 'wavenet',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  residualChannels: 4,
  dilationChannels: 3,
  skipChannels: 5,
  stacks: 2,
  layersPerStack: 3,
  kernelSize: 2,
  dropout: 0,
  ...over,
});

/** Input of length T for a config: token ids, or float features when inputFeatures > 0 (element [t·F + f]). */
function baseInput(config: ModelConfig, T: number): number[] {
  if (config.inputFeatures === 0) return Array.from({ length: T }, (_, i) => (i * 5 + 1) % V);
  return Array.from({ length: T * config.inputFeatures }, (_, i) => Math.sin(i * 0.7));
}

function inputTensor(config: ModelConfig, values: number[]): tf.Tensor2D | tf.Tensor3D {
  const f = config.inputFeatures;
  return f === 0 ? tf.tensor2d(values, [1, values.length], 'int32') : tf.tensor3d(values, [1, values.length / f, f]);
}

/** The input with step `pos` changed: another token, or a shifted feature vector. */
function edited(config: ModelConfig, values: number[], pos: number): number[] {
  const c = [...values];
  const f = config.inputFeatures;
  if (f === 0) c[pos] = (c[pos]! + 3) % V;
  else for (let j = 0; j < f; j++) c[pos * f + j] = c[pos * f + j]! + 0.5;
  return c;
}

async function lastOutput(model: SequenceModel, values: number[]): Promise<number[]> {
  const logits = tidy(() => model.forward(inputTensor(model.config, values), null, { training: false }).logits);
  const data = Array.from((await logits.data()) as Float32Array);
  logits.dispose();
  return data.slice(data.length - model.config.vocabSize);
}

describe('receptive field is exactly the dependency span', () => {
  // Expected values from the closed forms: GCNN 1 + convs·(k−1)·Σ d_l; WaveNet 2 + stacks·(k−1)·(2^L − 1).
  const cases: [string, ModelConfig, number][] = [
    ['gcnn k3, 2×2 convs', gcnn({}), 1 + 2 * 2 * 2],
    [
      'gcnn dilated k2, 3 levels, features',
      gcnn({ levels: 3, convsPerBlock: 1, kernelSize: 2, dilated: true, weightNorm: false, inputFeatures: F }),
      1 + 1 * (1 + 2 + 4),
    ],
    ['wavenet k2, 2 stacks × 3 layers', wavenet({}), 2 + 2 * 1 * 7],
    ['wavenet k3, 1 stack × 2 layers, features', wavenet({ stacks: 1, layersPerStack: 2, kernelSize: 3, inputFeatures: F }), 2 + 1 * 2 * 3],
  ];
  it.each(cases)('%s', async (_name, config, rf) => {
    const model = buildModel(config, 7);
    expect(model.receptiveField()).toBe(rf);
    expect(receptiveFieldOfConfig(config)).toBe(rf);
    const T = rf + 5;
    const base = baseInput(config, T);
    const ref = await lastOutput(model, base);
    // Gated activations have no dead zones (unlike ReLU), so the oldest input in the span shows at the output.
    expect(await lastOutput(model, edited(config, base, T - rf))).not.toEqual(ref);
    expect(await lastOutput(model, edited(config, base, T - rf - 1))).toEqual(ref);
    model.dispose();
  });
});

describe('wavenet with float feature input', () => {
  it('reads [batch, time, inputFeatures] and emits [batch, time, vocabSize] (256 mu-law classes)', () => {
    const model = buildModel(wavenet({ vocabSize: 256, inputFeatures: 1, stacks: 1 }), 2);
    const x = tf.randomNormal([2, 9, 1], 0, 1, 'float32', 3) as tf.Tensor3D;
    const { logits } = model.forward(x, null, { training: false });
    expect(logits.shape).toEqual([2, 9, 256]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([x, logits]);
    model.dispose();
  });

  it('refuses features of the wrong width', () => {
    const model = buildModel(wavenet({ inputFeatures: F }), 2);
    const wrong = tf.zeros([1, 4, F + 1]) as tf.Tensor3D;
    expect(() => model.forward(wrong, null, { training: false })).toThrow(/feature width/);
    wrong.dispose();
    model.dispose();
  });
});

describe('wavenet per-layer hook for cached generation', () => {
  it('layer i on the k taps x_{t-(k-1)d}..x_t with dilation 1 gives the full pass at t', async () => {
    const model = buildModel(wavenet({ kernelSize: 3, layersPerStack: 4, stacks: 1 }), 4) as WavenetModel;
    const T = 12;
    const tokens = tf.tensor2d([baseInput(model.config, T)], [1, T], 'int32');
    const i = 2; // dilation 4
    const d = model.layers[i]!.dilation;
    expect(d).toBe(4);
    const [full, step] = tidy(() => {
      let x = model.embed(tokens);
      for (let j = 0; j < i; j++) x = model.layer(j, x, { training: false }).next!;
      const t = T - 1;
      const taps = tf.concat(
        [0, 1, 2].map((j) => tf.slice(x, [0, t - (2 - j) * d, 0], [1, 1, -1])),
        1,
      ) as tf.Tensor3D;
      const whole = model.layer(i, x, { training: false });
      const one = model.layer(i, taps, { training: false }, 1);
      const last = (y: tf.Tensor3D) => tf.slice(y, [0, y.shape[1] - 1, 0], [1, 1, -1]);
      return [tf.concat([last(whole.skip), last(whole.next!)], 2), tf.concat([last(one.skip), last(one.next!)], 2)];
    });
    const a = Array.from(await full.data());
    const b = Array.from(await step.data());
    b.forEach((v, j) => expect(v).toBeCloseTo(a[j]!, 5));
    tf.dispose([tokens, full, step]);
    model.dispose();
  });
});

describe.each([
  ['gcnn', gcnn({ dropout: 0.2 })],
  ['wavenet', wavenet({ dropout: 0.2 })],
] as [string, ModelConfig][])('%s', (_name, config) => {
  it('leaks no tensors: build + dispose, forward (eval and dropout), gradient step', async () => {
    expect(await leakedTensors(() => buildModel(config, 1).dispose())).toBe(0);
    const model = buildModel(config, 1);
    const x = tf.tensor2d([[1, 2, 3, 4, 5, 0]], [1, 6], 'int32');
    const y = tf.tensor2d([[2, 3, 4, 5, 0, 1]], [1, 6], 'int32');
    const rng = new Rng(9);
    expect(await leakedTensors(() => model.forward(x, null, { training: false }).logits.dispose())).toBe(0);
    expect(await leakedTensors(() => model.forward(x, null, { training: true, rng }).logits.dispose())).toBe(0);
    const optimizer = new Adam();
    const step = () => {
      const vars = model.variables.map((v) => v.variable);
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, null, { training: true, rng }).logits, y), vars);
      optimizer.apply(model.variables, grads, 0.01);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step(); // creates the optimiser's slots
    expect(await leakedTensors(step)).toBe(0);
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });

  it('overfits one batch of a repeating sequence (loss < 0.1)', async () => {
    // Period 8 where the next symbol depends on the last two: 0 is followed by 1 once and by 2 once.
    const period = [0, 1, 2, 3, 0, 2, 1, 3];
    const seq = Array.from({ length: 41 }, (_, i) => period[i % period.length]!);
    const model = buildModel({ ...config, dropout: 0 }, 3);
    const x = tf.tensor2d([seq.slice(0, -1)], [1, 40], 'int32');
    const y = tf.tensor2d([seq.slice(1)], [1, 40], 'int32');
    const optimizer = new Adam();
    const vars = model.variables.map((v) => v.variable);
    let loss = Infinity;
    for (let s = 0; s < 300 && loss >= 0.1; s++) {
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, null, { training: true }).logits, y), vars);
      optimizer.apply(model.variables, grads, 0.02);
      loss = (await value.data())[0]!;
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(loss).toBeLessThan(0.1);
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});
