// One harness for "a fused kernel computes its reference's function", shared by
// the native (cpu, wasm) and WGSL (webgpu) kernel tests: random inputs of a
// case, outputs and gradients w.r.t. every float input of Σ_k sum(out_k · R_k)
// with R_k fixed random, compared within 1e-4 relative. Reads back with
// `await data()` (webgpu has no synchronous read in Node).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { referenceKernel, resolveKernel } from '../../core/ml/engine/kernel-registry.ts';
import { causalConv1d } from '../../core/ml/ops/causal-conv.ts';
import { embedTokens, timeDistributedDense } from '../../core/ml/ops/embed-tokens.ts';
import { gruSequence } from '../../core/ml/ops/gru-sequence.ts';
import { lstmSequence } from '../../core/ml/ops/lstm-sequence.ts';
import { rnnSequence } from '../../core/ml/ops/rnn-sequence.ts';
import { Rng } from '../../core/ml/rng.ts';
import { meanCrossEntropy } from '../../core/ml/train/loss.ts';

export type KernelFn = (...args: never[]) => unknown;

/** An op under test: builds its float inputs for a case, and calls an implementation returning every output to differentiate. */
export interface OpCase {
  inputs: (rng: Rng) => tf.Tensor[];
  call: (impl: KernelFn, inputs: tf.Tensor[]) => tf.Tensor[];
}

/** A tensor of `shape` with normal(0, scale) entries from `rng`. */
export const rand = (rng: Rng, shape: number[], scale = 0.6) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * scale),
    shape,
  );

/** Outputs and gradients as tensors (kept; the caller disposes them). */
export function outputsAndGradTensors(impl: KernelFn, op: OpCase, seed: number): { outs: tf.Tensor[]; grads: tf.Tensor[] } {
  return tf.tidy(() => {
    const inputs = op.inputs(new Rng(seed));
    const outs = op.call(impl, inputs);
    const rng = new Rng(seed + 1000);
    const weights = outs.map((o) => rand(rng, o.shape, 1));
    const loss = (...xs: tf.Tensor[]) => tf.addN(op.call(impl, xs).map((o, k) => tf.sum(tf.mul(o, weights[k]!)))) as tf.Scalar;
    return { outs, grads: tf.grads(loss)(inputs) };
  });
}

/** The same, read back as plain arrays. */
export async function outputsAndGrads(impl: KernelFn, op: OpCase, seed: number): Promise<{ outs: Float32Array[]; grads: Float32Array[] }> {
  const { outs, grads } = outputsAndGradTensors(impl, op, seed);
  const read = (ts: tf.Tensor[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
  const result = { outs: await read(outs), grads: await read(grads) };
  tf.dispose([...outs, ...grads]);
  return result;
}

/** max |a − b| / max(1, max |b|); Infinity when a holds a NaN. */
export function relDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return Number.isNaN(diff) || a.some(Number.isNaN) ? Infinity : diff / scale;
}

/** `impl` against the reference of kernel `name`: outputs and every gradient within 1e-4 relative, and the reference's gradients non-zero. */
export async function expectMatchesReference(name: string, impl: KernelFn, op: OpCase, seed: number): Promise<void> {
  const fused = await outputsAndGrads(impl, op, seed);
  const ref = await outputsAndGrads(referenceKernel(name), op, seed);
  fused.outs.forEach((o, k) => expect(relDiff(o, ref.outs[k]!), `${name} output ${k}`).toBeLessThanOrEqual(1e-4));
  expect(fused.grads.length).toBe(ref.grads.length);
  fused.grads.forEach((g, k) => expect(relDiff(g, ref.grads[k]!), `${name} gradient w.r.t. input ${k}`).toBeLessThanOrEqual(1e-4));
  // Gradients are not trivially zero (a dropped gradient would agree with nothing).
  ref.grads.forEach((g, k) =>
    expect(
      g.some((v) => v !== 0),
      `${name} reference gradient ${k} is non-zero`,
    ).toBe(true),
  );
}

/** The public op, which must resolve to a fused kernel on the active backend (not a tautology), against the reference. */
export async function expectFusedMatchesReference(name: string, publicOp: KernelFn, op: OpCase, seed: number): Promise<void> {
  expect(resolveKernel(name)).not.toBe(referenceKernel(name));
  await expectMatchesReference(name, publicOp, op, seed);
}

/** [batch, time, in, hidden] */
export type RecurrentShape = [number, number, number, number];
/** [batch, time, Cin, Cout, kernelSize, dilation] */
export type ConvShape = [number, number, number, number, number, number];
/** [batch, time, in, out] (dense) or [batch, time, vocab, embed] (embedding) */
export type DenseShape = [number, number, number, number];
/** [batch, time, vocab] */
export type XentShape = [number, number, number];

// `scale`: the spread of every input (large values saturate the gates).
export const lstmCase = ([B, T, I, H]: RecurrentShape, scale = 0.6): OpCase => ({
  inputs: (r) => [
    rand(r, [B, T, I], scale),
    rand(r, [I, 4 * H], scale),
    rand(r, [H, 4 * H], scale),
    rand(r, [4 * H], scale),
    rand(r, [B, H], scale),
    rand(r, [B, H], scale),
  ],
  call: (impl, xs) => {
    const out = (impl as typeof lstmSequence)(...(xs as Parameters<typeof lstmSequence>));
    return [out.hs, out.h, out.c];
  },
});
export const gruCase = ([B, T, I, H]: RecurrentShape, scale = 0.6): OpCase => ({
  inputs: (r) => [
    rand(r, [B, T, I], scale),
    rand(r, [I, 3 * H], scale),
    rand(r, [H, 3 * H], scale),
    rand(r, [2, 3 * H], scale),
    rand(r, [B, H], scale),
  ],
  call: (impl, xs) => {
    const out = (impl as typeof gruSequence)(...(xs as Parameters<typeof gruSequence>));
    return [out.hs, out.h];
  },
});
export const rnnCase = ([B, T, I, H]: RecurrentShape, scale = 0.6): OpCase => ({
  inputs: (r) => [rand(r, [B, T, I], scale), rand(r, [I, H], scale), rand(r, [H, H], scale), rand(r, [H], scale), rand(r, [B, H], scale)],
  call: (impl, xs) => {
    const out = (impl as typeof rnnSequence)(...(xs as Parameters<typeof rnnSequence>));
    return [out.hs, out.h];
  },
});
export const convCase = ([B, T, Cin, Cout, K, D]: ConvShape): OpCase => ({
  inputs: (r) => [rand(r, [B, T, Cin]), rand(r, [K * Cin, Cout]), rand(r, [Cout])],
  call: (impl, xs) => [(impl as typeof causalConv1d)(xs[0] as tf.Tensor3D, xs[1] as tf.Tensor2D, xs[2] as tf.Tensor1D, K, D)],
});
export const denseCase = ([B, T, I, O]: DenseShape): OpCase => ({
  inputs: (r) => [rand(r, [B, T, I]), rand(r, [I, O]), rand(r, [O])],
  call: (impl, xs) => [(impl as typeof timeDistributedDense)(...(xs as Parameters<typeof timeDistributedDense>))],
});
/** The ids are data (fixed per case), only W and b are differentiated; ids repeat when B·T > V, so gradients must accumulate. */
export const embedCase = ([B, T, V, E]: DenseShape): OpCase => {
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 7 + 3) % V);
  return {
    inputs: (r) => [rand(r, [V, E]), rand(r, [E])],
    call: (impl, xs) => [
      tf.tidy(() => (impl as typeof embedTokens)(tf.tensor2d(ids, [B, T], 'int32'), xs[0] as tf.Tensor2D, xs[1] as tf.Tensor1D)),
    ],
  };
};
/** The targets are data (fixed per case), only the logits are differentiated. */
export const xentCase = ([B, T, V]: XentShape): OpCase => {
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % V);
  return {
    inputs: (r) => [rand(r, [B, T, V], 3)],
    call: (impl, xs) => [tf.tidy(() => (impl as typeof meanCrossEntropy)(xs[0] as tf.Tensor3D, tf.tensor2d(ids, [B, T], 'int32')))],
  };
};
