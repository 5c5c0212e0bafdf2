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
import {
  fusedKernelsFor,
  referenceKernel,
  registerFusedKernel,
  resolveKernel,
  unregisterFusedKernel,
} from '../../core/ml/engine/kernel-registry.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { causalConv1d } from '../../core/ml/ops/causal-conv.ts';
import { embedTokens, timeDistributedDense } from '../../core/ml/ops/embed-tokens.ts';
import { Rng } from '../../core/ml/rng.ts';
import { meanCrossEntropy } from '../../core/ml/train/loss.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import {
  convCase,
  type ConvShape,
  denseCase,
  type DenseShape,
  embedCase,
  expectFusedMatchesReference,
  type KernelFn,
  type OpCase,
  outputsAndGrads,
  rand,
  xentCase,
  type XentShape,
} from '../helpers/kernel-equivalence.ts';

process.env['SEQLAB_WEBGPU'] = 'software';
const probe = await probeBackend('webgpu');
if (!probe.available) console.warn(`webgpu kernel tests skipped: software adapter unavailable (${probe.reason})`);

type Fn = KernelFn;
type Conv = ConvShape;
type Dense = DenseShape;
type Xent = XentShape;

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

  it.each(CONV)('causalConv1d B=%i T=%i Cin=%i Cout=%i k=%i d=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('causalConv1d', causalConv1d, convCase(s), 14),
  );
  it.each(DENSE)('timeDistributedDense B=%i T=%i I=%i O=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('timeDistributedDense', timeDistributedDense, denseCase(s), 15),
  );
  it.each(EMBED)('embedTokens B=%i T=%i V=%i E=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('embedTokens', embedTokens, embedCase(s), 16),
  );
  it.each(XENT)('meanCrossEntropy B=%i T=%i V=%i: loss and gradient match', (...s) =>
    expectFusedMatchesReference('meanCrossEntropy', meanCrossEntropy, xentCase(s), 17),
  );

  it('embedTokens and meanCrossEntropy treat out-of-range ids as the reference does (a zero one-hot row)', async () => {
    const ids = (vocab: number) =>
      tf.tensor2d(
        [
          [0, vocab, -1],
          [2, 1, vocab + 3],
        ],
        [2, 3],
        'int32',
      );
    await expectFusedMatchesReference(
      'embedTokens',
      embedTokens,
      {
        inputs: (r) => [rand(r, [4, 3]), rand(r, [3])],
        call: (impl, xs) => [tf.tidy(() => (impl as typeof embedTokens)(ids(4), xs[0] as tf.Tensor2D, xs[1] as tf.Tensor1D))],
      },
      18,
    );
    await expectFusedMatchesReference(
      'meanCrossEntropy',
      meanCrossEntropy,
      {
        inputs: (r) => [rand(r, [2, 3, 4], 3)],
        call: (impl, xs) => [tf.tidy(() => (impl as typeof meanCrossEntropy)(xs[0] as tf.Tensor3D, ids(4)))],
      },
      19,
    );
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
      const model = buildModel(
        {
          kind: 'tcn',
          vocabSize: vocab,
          inputFeatures: 0,
          embedSize: 5,
          hiddenSize: 6,
          levels: 2,
          kernelSize: 2,
          dropout: 0,
          convsPerBlock: 1,
          weightNorm: false,
          residual: false,
        },
        3,
      );
      const config = trainConfigSchema.parse({ steps: 20, batchSize: 3, seqLen: 9, lr: 1e-2, clip: 1, seed: 3 });
      const trainer = new Trainer(
        model,
        config,
        createTextTask(
          memoryTokenSource(tokens),
          { train: { start: 0, end: tokens.length }, valid: { start: 0, end: 0 }, test: { start: 0, end: 0 } },
          vocab,
        ),
      );
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
