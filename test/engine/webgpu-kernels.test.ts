// Guards the fused WGSL kernels for convolutions, dense layers, embeddings and
// the loss (core/engine/webgpu/kernels) against their stock-op references, both
// run on the webgpu backend over the software adapter: outputs AND gradients
// with respect to every float input agree within 1e-4 relative on odd shapes;
// the public ops resolve to the fused kernels; no tensor leaks. Also a 20-step
// TCN curve with and without the kernels. Skipped, with the reason printed,
// where the software adapter is unavailable.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, probeBackend } from '../../core/engine/backends.ts';
import { fusedKernelsFor, referenceKernel, registerFusedKernel, resolveKernel, unregisterFusedKernel } from '../../core/ml/engine/kernel-registry.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { causalConv1d } from '../../core/ml/ops/causal-conv.ts';
import { embedTokens, timeDistributedDense } from '../../core/ml/ops/embed-tokens.ts';
import { Rng } from '../../core/ml/rng.ts';
import { meanCrossEntropy } from '../../core/ml/train/loss.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';

process.env['SEQLAB_WEBGPU'] = 'software';
const probe = await probeBackend('webgpu');
if (!probe.available) console.warn(`webgpu kernel tests skipped: software adapter unavailable (${probe.reason})`);

type Fn = (...args: never[]) => unknown;
interface OpCase {
  inputs: (rng: Rng) => tf.Tensor[];
  call: (impl: Fn, inputs: tf.Tensor[]) => tf.Tensor[];
}

const rand = (rng: Rng, shape: number[], scale = 0.6) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale), shape);

/** Outputs, and gradients of Σ_k sum(out_k · R_k) (R_k fixed random) w.r.t. every input, read back asynchronously (webgpu has no synchronous read in Node). */
async function outputsAndGrads(impl: Fn, op: OpCase, seed: number): Promise<{ outs: Float32Array[]; grads: Float32Array[] }> {
  const tensors = tf.tidy(() => {
    const inputs = op.inputs(new Rng(seed));
    const outs = op.call(impl, inputs);
    const rng = new Rng(seed + 1000);
    const weights = outs.map((o) => rand(rng, o.shape, 1));
    const loss = (...xs: tf.Tensor[]) => tf.addN(op.call(impl, xs).map((o, k) => tf.sum(tf.mul(o, weights[k]!)))) as tf.Scalar;
    return { outs, grads: tf.grads(loss)(inputs) };
  });
  const read = (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
  const result = { outs: await read(tensors.outs), grads: await read(tensors.grads) };
  tf.dispose([...tensors.outs, ...tensors.grads]);
  return result;
}

/** max |a − b| / max(1, max |b|). */
function relDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return Number.isNaN(diff) || a.some(Number.isNaN) ? Infinity : diff / scale;
}

async function expectFusedMatchesReference(name: string, publicOp: Fn, op: OpCase, seed: number): Promise<void> {
  // Not a tautology: the public op must resolve to the fused kernel here.
  expect(resolveKernel(name)).not.toBe(referenceKernel(name));
  const fused = await outputsAndGrads(publicOp, op, seed);
  const ref = await outputsAndGrads(referenceKernel(name), op, seed);
  fused.outs.forEach((o, k) => expect(relDiff(o, ref.outs[k]!), `${name} output ${k}`).toBeLessThanOrEqual(1e-4));
  expect(fused.grads.length).toBe(ref.grads.length);
  fused.grads.forEach((g, k) => expect(relDiff(g, ref.grads[k]!), `${name} gradient w.r.t. input ${k}`).toBeLessThanOrEqual(1e-4));
  ref.grads.forEach((g, k) => expect(g.some((v) => v !== 0), `${name} reference gradient ${k} is non-zero`).toBe(true));
}

// [batch, time, Cin, Cout, kernelSize, dilation]
type Conv = [number, number, number, number, number, number];
const convCase = ([B, T, Cin, Cout, K, D]: Conv): OpCase => ({
  inputs: (r) => [rand(r, [B, T, Cin]), rand(r, [K * Cin, Cout]), rand(r, [Cout])],
  call: (impl, xs) => [(impl as typeof causalConv1d)(xs[0] as tf.Tensor3D, xs[1] as tf.Tensor2D, xs[2] as tf.Tensor1D, K, D)],
});
// [batch, time, in, out]
type Dense = [number, number, number, number];
const denseCase = ([B, T, I, O]: Dense): OpCase => ({
  inputs: (r) => [rand(r, [B, T, I]), rand(r, [I, O]), rand(r, [O])],
  call: (impl, xs) => [(impl as typeof timeDistributedDense)(...(xs as Parameters<typeof timeDistributedDense>))],
});
// [batch, time, vocab, embed]; the ids are data (fixed per case), only W and b are differentiated.
const embedCase = ([B, T, V, E]: Dense): OpCase => {
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V); // repeats ids when B·T > V: gradients must accumulate
  return {
    inputs: (r) => [rand(r, [V, E]), rand(r, [E])],
    call: (impl, xs) => [tf.tidy(() => (impl as typeof embedTokens)(tf.tensor2d(ids, [B, T], 'int32'), xs[0] as tf.Tensor2D, xs[1] as tf.Tensor1D))],
  };
};
// [batch, time, vocab]; the targets are data (fixed per case), only the logits are differentiated.
type Xent = [number, number, number];
const xentCase = ([B, T, V]: Xent): OpCase => {
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V);
  return {
    inputs: (r) => [rand(r, [B, T, V], 3)],
    call: (impl, xs) => [tf.tidy(() => (impl as typeof meanCrossEntropy)(xs[0] as tf.Tensor3D, tf.tensor2d(ids, [B, T], 'int32')))],
  };
};

const CONV: Conv[] = [
  [1, 1, 1, 1, 2, 1],
  [3, 7, 5, 17, 3, 1],
  [1, 7, 17, 5, 2, 2],
  [3, 7, 5, 3, 3, 4], // receptive field 9 > 7 steps
  [1, 2, 5, 1, 3, 4], // receptive field 9 > 2 steps
  [2, 40, 3, 67, 2, 2], // 80 rows, 67 columns: several 64×64 product tiles
];
const DENSE: Dense[] = [
  [1, 1, 1, 1],
  [3, 7, 5, 17],
  [1, 2, 17, 5],
  [3, 30, 70, 65], // 90 rows, 70 inputs, 65 outputs: several 64×64 product tiles each way
];
const EMBED: Dense[] = [
  [1, 1, 2, 1], // vocab 2: the reference's tf.oneHot needs depth >= 2
  [3, 7, 5, 17], // 21 positions over 5 ids
];
const XENT: Xent[] = [
  [1, 1, 2],
  [3, 7, 5],
  [1, 2, 17],
];
const KERNELS = ['causalConv1d', 'timeDistributedDense', 'embedTokens', 'meanCrossEntropy'];
// The curve test compares the whole fused step against the whole stock step.
const STEP_KERNELS = [...KERNELS, 'adamUpdate', 'globalNorm'];

describe.skipIf(!probe.available)('fused WGSL kernels (conv, dense, embed, loss) on the software adapter', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('are registered for webgpu', () => {
    expect(fusedKernelsFor('webgpu')).toEqual(expect.arrayContaining(KERNELS));
  });

  it.each(CONV)('causalConv1d B=%i T=%i Cin=%i Cout=%i k=%i d=%i: outputs and gradients match', (...s) => expectFusedMatchesReference('causalConv1d', causalConv1d, convCase(s), 14));
  it.each(DENSE)('timeDistributedDense B=%i T=%i I=%i O=%i: outputs and gradients match', (...s) => expectFusedMatchesReference('timeDistributedDense', timeDistributedDense, denseCase(s), 15));
  it.each(EMBED)('embedTokens B=%i T=%i V=%i E=%i: outputs and gradients match', (...s) => expectFusedMatchesReference('embedTokens', embedTokens, embedCase(s), 16));
  it.each(XENT)('meanCrossEntropy B=%i T=%i V=%i: loss and gradient match', (...s) => expectFusedMatchesReference('meanCrossEntropy', meanCrossEntropy, xentCase(s), 17));

  it('embedTokens and meanCrossEntropy treat out-of-range ids as the reference does (a zero one-hot row)', async () => {
    const ids = (vocab: number) => tf.tensor2d([[0, vocab, -1], [2, 1, vocab + 3]], [2, 3], 'int32');
    await expectFusedMatchesReference('embedTokens', embedTokens, { inputs: (r) => [rand(r, [4, 3]), rand(r, [3])], call: (impl, xs) => [tf.tidy(() => (impl as typeof embedTokens)(ids(4), xs[0] as tf.Tensor2D, xs[1] as tf.Tensor1D))] }, 18);
    await expectFusedMatchesReference('meanCrossEntropy', meanCrossEntropy, { inputs: (r) => [rand(r, [2, 3, 4], 3)], call: (impl, xs) => [tf.tidy(() => (impl as typeof meanCrossEntropy)(xs[0] as tf.Tensor3D, ids(4)))] }, 19);
  });

  it('leave no tensors behind', async () => {
    const cases: [Fn, OpCase][] = [
      [causalConv1d, convCase([3, 7, 5, 3, 3, 2])],
      [timeDistributedDense, denseCase([3, 7, 5, 17])],
      [embedTokens, embedCase([3, 7, 5, 17])],
      [meanCrossEntropy, xentCase([3, 7, 5])],
    ];
    for (const [i, [fn, op]] of cases.entries()) {
      await outputsAndGrads(fn, op, 1);
      const before = tf.memory().numTensors;
      await outputsAndGrads(fn, op, 2);
      expect(tf.memory().numTensors, KERNELS[i]).toBe(before);
    }
  });

  describe('a TCN trained 20 steps from the same seed', () => {
    const saved = new Map<string, Fn>();
    afterAll(() => {
      for (const [name, impl] of saved) registerFusedKernel(name, 'webgpu', impl);
    });

    async function curve(): Promise<number[]> {
      const vocab = 7;
      const rng = new Rng(5);
      const tokens = new Int32Array(400).map(() => rng.int(vocab));
      const model = buildModel({ kind: 'tcn', vocabSize: vocab, inputFeatures: 0, embedSize: 5, hiddenSize: 6, levels: 2, kernelSize: 2, dropout: 0, convsPerBlock: 1, weightNorm: false, residual: false }, 3);
      const config = trainConfigSchema.parse({ steps: 20, batchSize: 3, seqLen: 9, lr: 1e-2, clip: 1, seed: 3 });
      const trainer = new Trainer(model, config, createTextTask(memoryTokenSource(tokens), { train: { start: 0, end: tokens.length }, valid: { start: 0, end: 0 }, test: { start: 0, end: 0 } }, vocab));
      const losses: number[] = [];
      try {
        for (let i = 0; i < 20; i++) losses.push((await trainer.trainStep())!.trainLoss);
      } finally {
        trainer.dispose();
        model.dispose();
      }
      return losses;
    }

    it('has per-step losses within 1e-3 relative with and without the fused kernels', async () => {
      const fused = await curve();
      for (const name of STEP_KERNELS) {
        saved.set(name, resolveKernel(name));
        unregisterFusedKernel(name, 'webgpu');
      }
      for (const name of STEP_KERNELS) expect(resolveKernel(name)).toBe(referenceKernel(name));
      const stock = await curve();
      fused.forEach((l, i) => expect(Math.abs(l - stock[i]!) / Math.abs(stock[i]!), `step ${i + 1}`).toBeLessThanOrEqual(1e-3));
      expect(fused[19]!).toBeLessThan(fused[0]!);
    });
  });
});
