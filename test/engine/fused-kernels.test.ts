// Guards the native fused kernels (core/engine/fused) against the stock-op
// references in core/ml/ops: for every fused op, outputs AND gradients with
// respect to every float input agree on random inputs of odd shapes, on the
// cpu backend (several shapes) and the wasm backend (one shape each); the
// softmax cross-entropy of the training loss too. Also:
// no tensor leaks, embedTokens' range check, and the fused convolution's
// causality. Skipped, with the reason, where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import { fusedKernelsFor } from '../../core/ml/engine/kernel-registry.ts';
import { causalConv1d } from '../../core/ml/ops/causal-conv.ts';
import { embedTokens, timeDistributedDense } from '../../core/ml/ops/embed-tokens.ts';
import { gruSequence } from '../../core/ml/ops/gru-sequence.ts';
import { lstmSequence } from '../../core/ml/ops/lstm-sequence.ts';
import { rnnSequence } from '../../core/ml/ops/rnn-sequence.ts';
import { Rng } from '../../core/ml/rng.ts';
import { meanCrossEntropy } from '../../core/ml/train/loss.ts';
import {
  convCase,
  type ConvShape,
  denseCase,
  type DenseShape,
  embedCase,
  expectFusedMatchesReference,
  gruCase,
  type KernelFn,
  lstmCase,
  type OpCase,
  outputsAndGrads,
  rand,
  type RecurrentShape,
  rnnCase,
  xentCase,
  type XentShape,
} from '../helpers/kernel-equivalence.ts';

const load = loadNativeKernels();
const native = load.kernels;
if (!native) console.warn(`fused-kernel tests skipped: native kernels unavailable (${'reason' in load ? load.reason : ''})`);

type Fn = KernelFn;
type Rec = RecurrentShape;
type Conv = ConvShape;
type Dense = DenseShape;
type Xent = XentShape;

const REC_CPU: Rec[] = [
  [1, 1, 1, 1],
  [3, 2, 5, 5],
  [5, 7, 3, 17],
  [1, 7, 4, 1],
  [3, 1, 2, 17],
  [5, 2, 1, 5],
];
const CONV_CPU: Conv[] = [
  [1, 1, 1, 1, 2, 1],
  [3, 7, 2, 5, 3, 1],
  [5, 7, 3, 4, 2, 2],
  [3, 7, 5, 3, 3, 4], // receptive field 9 > 7 steps
  [1, 2, 4, 6, 3, 4], // receptive field 9 > 2 steps
  [5, 2, 3, 1, 2, 2],
  [3, 1, 17, 5, 3, 2],
];
const DENSE_CPU: Dense[] = [
  [1, 1, 1, 1],
  [3, 7, 5, 17],
  [5, 2, 17, 3],
  [3, 7, 33, 40], // inner and outer sizes past the GEMM's micro-tile
];
const EMBED_CPU: Dense[] = [
  [1, 1, 2, 1], // vocab 2: the reference's tf.oneHot needs depth >= 2
  [3, 7, 5, 17], // 21 positions over 5 ids
  [5, 2, 40, 3],
];

const XENT_CPU: Xent[] = [
  [1, 1, 2],
  [3, 7, 5],
  [5, 2, 64],
  [2, 3, 17], // 17 classes: one full eight-lane block and a tail
];

const SUITES = {
  cpu: { rec: REC_CPU, conv: CONV_CPU, dense: DENSE_CPU, embed: EMBED_CPU, xent: XENT_CPU },
  wasm: {
    rec: [[3, 7, 5, 5]] as Rec[],
    conv: [[3, 7, 3, 5, 3, 2]] as Conv[],
    dense: [[3, 7, 5, 17]] as Dense[],
    embed: [[3, 7, 5, 17]] as Dense[],
    xent: [[3, 7, 17]] as Xent[],
  },
};
const LEAK_CASES: [Fn, OpCase][] = [
  [lstmSequence, lstmCase([3, 7, 5, 5])],
  [gruSequence, gruCase([3, 7, 5, 5])],
  [rnnSequence, rnnCase([3, 7, 5, 5])],
  [causalConv1d, convCase([3, 7, 3, 5, 3, 2])],
  [timeDistributedDense, denseCase([3, 7, 5, 17])],
  [embedTokens, embedCase([3, 7, 5, 17])],
  [meanCrossEntropy, xentCase([3, 7, 17])],
];
const KERNELS = [
  'lstmSequence',
  'gruSequence',
  'rnnSequence',
  'causalConv1d',
  'causalConvUnit',
  'timeDistributedDense',
  'embedTokens',
  'meanCrossEntropy',
  'adamUpdate',
  'sgdUpdate',
  'globalNorm',
  'trainStep',
];

describe.skipIf(!native).each(Object.entries(SUITES))('fused kernels on %s', (backend, suite) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it('are registered for this backend', () => {
    expect(fusedKernelsFor(backend).sort()).toEqual([...KERNELS].sort());
  });

  it.each(suite.rec)('lstmSequence B=%i T=%i I=%i H=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('lstmSequence', lstmSequence, lstmCase(s), 11),
  );
  it.each(suite.rec)('gruSequence B=%i T=%i I=%i H=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('gruSequence', gruSequence, gruCase(s), 12),
  );
  it.each(suite.rec)('rnnSequence B=%i T=%i I=%i H=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('rnnSequence', rnnSequence, rnnCase(s), 13),
  );
  it.each(suite.conv)('causalConv1d B=%i T=%i Cin=%i Cout=%i k=%i d=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('causalConv1d', causalConv1d, convCase(s), 14),
  );
  it.each(suite.dense)('timeDistributedDense B=%i T=%i I=%i O=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('timeDistributedDense', timeDistributedDense, denseCase(s), 15),
  );
  it.each(suite.embed)('embedTokens B=%i T=%i V=%i E=%i: outputs and gradients match', (...s) =>
    expectFusedMatchesReference('embedTokens', embedTokens, embedCase(s), 16),
  );
  it.each(suite.xent)('meanCrossEntropy B=%i T=%i V=%i: loss and gradient match', (...s) =>
    expectFusedMatchesReference('meanCrossEntropy', meanCrossEntropy, xentCase(s), 17),
  );

  it('leave no tensors behind (forward and gradients inside tf.tidy)', async () => {
    for (const [fn, op] of LEAK_CASES) {
      await outputsAndGrads(fn, op, 1); // first call may create lasting state (backend init); count from the second
      const before = tf.memory().numTensors;
      await outputsAndGrads(fn, op, 2);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('leave no tensors behind without an enclosing tidy (outputs and gradients disposed by hand)', () => {
    for (const [i, [fn, op]] of LEAK_CASES.entries()) {
      const inputs = op.inputs(new Rng(4));
      const before = tf.memory().numTensors;
      tf.dispose(op.call(fn, inputs));
      tf.dispose(tf.grads((...xs: tf.Tensor[]) => tf.addN(op.call(fn, xs).map((o) => tf.sum(tf.square(o)))) as tf.Scalar)(inputs));
      expect(tf.memory().numTensors, KERNELS[i]).toBe(before);
      tf.dispose(inputs);
    }
  });

  it('embedTokens rejects an out-of-range id, naming its position', () => {
    const W = tf.zeros([10, 3]) as tf.Tensor2D;
    const b = tf.zeros([3]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    expect(() =>
      embedTokens(
        tf.tensor2d(
          [
            [1, 2, 3],
            [4, 10, 5],
          ],
          [2, 3],
          'int32',
        ),
        W,
        b,
      ),
    ).toThrow(/token id 10 at position 4 is outside 0\.\.9/);
    expect(() => embedTokens(tf.tensor2d([[-1, 2]], [1, 2], 'int32'), W, b)).toThrow(/token id -1 at position 0/);
    expect(tf.memory().numTensors - before).toBeLessThanOrEqual(2); // the two id tensors the test made
    tf.dispose([W, b]);
  });

  it('causalConv1d is causal: a change at step t changes no output before t, and gradients flow only backwards in time', () => {
    const [B, T, Cin, Cout, K, D] = [2, 12, 3, 4, 3, 2];
    const rng = new Rng(3);
    const x = rand(rng, [B, T, Cin]) as tf.Tensor3D;
    const w = rand(rng, [K * Cin, Cout]) as tf.Tensor2D;
    const b = rand(rng, [Cout]) as tf.Tensor1D;
    const y0 = causalConv1d(x, w, b, K, D).arraySync();
    for (const t0 of [0, 5, T - 1]) {
      const bump = tf.tidy(() => tf.add(x, tf.mul(tf.oneHot([t0], T).reshape([1, T, 1]), 3)) as tf.Tensor3D);
      const y1 = causalConv1d(bump, w, b, K, D).arraySync();
      for (let n = 0; n < B; n++) {
        for (let t = 0; t < t0; t++) expect(y1[n]![t]).toEqual(y0[n]![t]);
        expect(y1[n]![t0]).not.toEqual(y0[n]![t0]); // the newest tap sees step t0
      }
      bump.dispose();
    }
    // d y[:, s, :] / d x[:, t, :] = 0 for t > s, and ≠ 0 for the taps s, s−d, s−2d.
    const s = 6;
    const dx = tf.tidy(() =>
      tf
        .grad((xx: tf.Tensor) => tf.sum(tf.slice(causalConv1d(xx as tf.Tensor3D, w, b, K, D), [0, s, 0], [B, 1, Cout])))(x)
        .arraySync(),
    ) as number[][][];
    for (let t = 0; t < T; t++) {
      const nonzero = dx[0]![t]!.some((v) => v !== 0);
      expect(nonzero, `gradient at step ${t}`).toBe(t <= s && (s - t) % D === 0 && (s - t) / D < K);
    }
    tf.dispose([x, w, b]);
  });
});
