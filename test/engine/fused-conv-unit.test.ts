// Guards the fused convolution unit (core/engine/fused/fused-conv.ts over
// native/src/conv_unit.cc: the activation, a TCN block's residual add and the
// weight-norm scale in the convolution's epilogue) against its stock-op
// reference (core/ml/ops/causal-conv-unit.ts) with the plain convolution's
// fused kernel removed, so the reference is TF.js alone: outputs and the
// gradient of every input within 1e-4 relative, on odd shapes, for every
// activation with and without weight norm, and ReLU with the skip. Also: no
// tensors left behind, and refusals of shapes the unit cannot take.
// Skipped, with the reason, where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { installFusedKernels } from '../../core/engine/fused/install-fused.ts';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import { referenceKernel, registerFusedKernel, resolveKernel, unregisterFusedKernel } from '../../core/ml/engine/kernel-registry.ts';
import { type ConvActivation, causalConvUnit, type ConvWeights } from '../../core/ml/ops/causal-conv-unit.ts';
import { Rng } from '../../core/ml/rng.ts';
import { type ConvShape, type KernelFn, type OpCase, outputsAndGrads, rand, relDiff } from '../helpers/kernel-equivalence.ts';

const load = loadNativeKernels();
const native = load.kernels;
if (!native) console.warn(`fused conv-unit tests skipped: native kernels unavailable (${'reason' in load ? load.reason : ''})`);

interface Variant {
  activation: ConvActivation;
  weightNorm: boolean;
  skip: boolean;
}

/** Inputs x, w (or v and g), bias, [skip]; Cout is the product's width (both halves for the gated units). */
function unitCase([B, T, Cin, Cout, K, D]: ConvShape, { activation, weightNorm, skip }: Variant): OpCase {
  const width = activation === 'relu' ? Cout : Cout / 2;
  return {
    inputs: (r) => [
      rand(r, [B, T, Cin]),
      rand(r, [K * Cin, Cout]),
      ...(weightNorm ? [rand(r, [Cout])] : []),
      rand(r, [Cout]),
      ...(skip ? [rand(r, [B, T, width])] : []),
    ],
    call: (impl, xs) => {
      const [x, w] = xs as [tf.Tensor3D, tf.Tensor2D];
      const weights: ConvWeights = weightNorm ? { v: w, g: xs[2] as tf.Tensor1D } : { kernel: w };
      const bias = xs[weightNorm ? 3 : 2] as tf.Tensor1D;
      const s = skip ? (xs[xs.length - 1] as tf.Tensor3D) : null;
      return [(impl as typeof causalConvUnit)(x, weights, bias, s, { kernelSize: K, dilation: D, activation })];
    },
  };
}

/** The reference with every fused kernel it could reach (the plain convolution) removed for the call. */
async function stockReference(op: OpCase, seed: number) {
  const backend = tf.getBackend();
  const conv = resolveKernel('causalConv1d');
  const wasFused = conv !== referenceKernel('causalConv1d');
  unregisterFusedKernel('causalConv1d', backend);
  try {
    return await outputsAndGrads(referenceKernel('causalConvUnit'), op, seed);
  } finally {
    if (wasFused) registerFusedKernel('causalConv1d', backend, conv);
  }
}

async function expectUnitMatches(shape: ConvShape, variant: Variant, seed: number): Promise<void> {
  expect(resolveKernel('causalConvUnit')).not.toBe(referenceKernel('causalConvUnit'));
  const op = unitCase(shape, variant);
  const fused = await outputsAndGrads(causalConvUnit as KernelFn, op, seed);
  const ref = await stockReference(op, seed);
  expect(fused.outs.length).toBe(1);
  expect(relDiff(fused.outs[0]!, ref.outs[0]!), 'output').toBeLessThanOrEqual(1e-4);
  expect(fused.grads.length).toBe(ref.grads.length);
  fused.grads.forEach((g, k) => expect(relDiff(g, ref.grads[k]!), `gradient w.r.t. input ${k}`).toBeLessThanOrEqual(1e-4));
  ref.grads.forEach((g, k) =>
    expect(
      g.some((v) => v !== 0),
      `reference gradient ${k} is non-zero`,
    ).toBe(true),
  );
}

const VARIANTS: Variant[] = [
  { activation: 'relu', weightNorm: false, skip: false },
  { activation: 'relu', weightNorm: true, skip: false },
  { activation: 'relu', weightNorm: false, skip: true },
  { activation: 'relu', weightNorm: true, skip: true },
  { activation: 'glu', weightNorm: false, skip: false },
  { activation: 'glu', weightNorm: true, skip: false },
  { activation: 'gatedTanh', weightNorm: false, skip: false },
  { activation: 'gatedTanh', weightNorm: true, skip: false },
];
const name = (v: Variant) => `${v.activation}${v.weightNorm ? ' + weight norm' : ''}${v.skip ? ' + skip' : ''}`;

// [B, T, Cin, Cout, K, D]; gated units take an even Cout (two halves).
const SHAPES_CPU: ConvShape[] = [
  [3, 11, 5, 14, 3, 2], // the odd shape (batch 3, T 11, 5 channels in, 7 out per half)
  [2, 5, 3, 6, 3, 4], // receptive field 9 > 5 steps: whole taps read only padding
  [1, 7, 17, 40, 2, 1], // widths past the micro-tile and the eight-lane rows of the activation
  [3, 100, 130, 40, 3, 8], // enough work to thread: rows split across the pool, the epilogue inside each part
  [2, 40, 200, 24, 3, 2], // depth 600: past KC = 512 too, the epilogue after the last depth block
  // 600 rows, depth 600: split with a shared packing of B (2+ threads), the epilogue inside each part after its last depth block
  [2, 300, 200, 40, 3, 2],
  [1, 40, 100, 300, 2, 1], // more columns than rows: columns split across the pool, the epilogue after them
];

describe.skipIf(!native).each(['cpu', 'wasm'] as const)('fused convolution unit on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend);
    installFusedKernels();
    expect(tf.getBackend()).toBe(backend);
  });

  const shapes = backend === 'cpu' ? SHAPES_CPU : SHAPES_CPU.slice(0, 1);
  const cases = VARIANTS.flatMap((v) => shapes.map((s) => [name(v), s, v] as const));
  it.each(cases)('%s, shape %j: output and gradients match the stock ops', (_, shape, variant) =>
    expectUnitMatches(shape, variant, shape[0] * 100 + shape[1]),
  );

  it('leaves no tensors behind', async () => {
    for (const variant of [VARIANTS[3]!, VARIANTS[7]!]) {
      const op = unitCase([3, 11, 5, 14, 3, 2], variant);
      await outputsAndGrads(causalConvUnit as KernelFn, op, 1);
      const before = tf.memory().numTensors;
      await outputsAndGrads(causalConvUnit as KernelFn, op, 2);
      expect(tf.memory().numTensors, name(variant)).toBe(before);
    }
  });

  it('refuses a gated unit of odd width and a skip with a gate, naming the problem', () => {
    const rng = new Rng(5);
    const x = rand(rng, [2, 4, 3]) as tf.Tensor3D;
    const w = rand(rng, [6, 5]) as tf.Tensor2D;
    const b = rand(rng, [5]) as tf.Tensor1D;
    const opts = { kernelSize: 2, dilation: 1 };
    expect(() => causalConvUnit(x, { kernel: w }, b, null, { ...opts, activation: 'glu' })).toThrow(/even Cout/);
    const w2 = rand(rng, [6, 4]) as tf.Tensor2D;
    const skip = rand(rng, [2, 4, 2]) as tf.Tensor3D;
    expect(() => causalConvUnit(x, { kernel: w2 }, tf.zeros([4]) as tf.Tensor1D, skip, { ...opts, activation: 'gatedTanh' })).toThrow(
      /skip input goes with relu only/,
    );
    tf.dispose([x, w, b, w2, skip]);
  });
});
