// Weight-normalised kernels start with g = ‖v‖ per column, computed in JS from
// the drawn values (a read-back is impossible on webgpu in Node): on the cpu
// backend that is bit for bit what TF.js's own norm of the variable gives, so
// the CPU path starts from the same weights as when g was read back.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import { columnNorms } from '../../core/ml/models/weight-norm.ts';
import { normal, uniform } from '../../core/ml/models/params.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

it.each([
  ['normal(0.01), 6×5', normal(0.01), 6, 5],
  ['uniform(0.3), 33×7', uniform(0.3), 33, 7],
  ['uniform(2), 1×9', uniform(2), 1, 9],
] as const)('columnNorms equals tf.norm(v, euclidean, 0) on cpu, bit for bit: %s', async (_name, init, rows, cols) => {
  const values = init(new Rng(3), rows * cols);
  const expected = tf.tidy(() => tf.norm(tf.tensor2d(values, [rows, cols]), 'euclidean', 0));
  expect(Array.from(columnNorms(values, rows, cols))).toEqual(Array.from(await expected.data()));
  expected.dispose();
});

it('a weight-normalised TCN starts with g = ‖v‖, so its effective kernel is v', async () => {
  const model = buildModel(
    {
      kind: 'tcn',
      vocabSize: 5,
      inputFeatures: 0,
      embedSize: 4,
      hiddenSize: 6,
      levels: 2,
      kernelSize: 3,
      dropout: 0,
      convsPerBlock: 2,
      weightNorm: true,
      residual: true,
    },
    4,
  );
  const byName = new Map(model.variables.map((v) => [v.name, v.variable]));
  const gs = model.variables.filter((v) => v.name.endsWith('/g'));
  expect(gs.length).toBe(4);
  for (const { name, variable: g } of gs) {
    const v = byName.get(name.replace(/\/g$/, '/v'))!;
    const norms = tf.tidy(() => tf.norm(v, 'euclidean', 0));
    expect(Array.from(await g.data()), name).toEqual(Array.from(await norms.data()));
    norms.dispose();
  }
  model.dispose();
});

it("a weight-normalised TCN's v is PyTorch's default conv init, uniform ±1/√(k·cin): what locuslab/TCN trains from", async () => {
  // locuslab/TCN writes normal_(0, 0.01) into its weight-normed convs, but weight_norm's hook overwrites it (its issue #1).
  const k = 3;
  const model = buildModel(
    {
      kind: 'tcn',
      vocabSize: 5,
      inputFeatures: 0,
      embedSize: 8,
      hiddenSize: 8,
      levels: 2,
      kernelSize: k,
      dropout: 0,
      convsPerBlock: 2,
      weightNorm: true,
      residual: true,
    },
    4,
  );
  const vs = model.variables.filter((v) => v.name.endsWith('/v'));
  expect(vs.length).toBe(4);
  for (const { name, variable } of vs) {
    const values = Array.from(await variable.data());
    const bound = 1 / Math.sqrt(k * 8);
    expect(Math.max(...values.map(Math.abs)), name).toBeLessThanOrEqual(bound);
    const std = Math.sqrt(values.reduce((s, x) => s + x * x, 0) / values.length);
    // Uniform ±b has standard deviation b/√3 ≈ 0.58 b (192 draws per kernel here); N(0, 0.01) would be 0.05 b.
    expect(std / bound, name).toBeGreaterThan(0.45);
    expect(std / bound, name).toBeLessThan(0.7);
  }
  model.dispose();
});
