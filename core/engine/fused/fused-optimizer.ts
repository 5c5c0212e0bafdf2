// Native optimiser updates and gradient norm for the CPU backends: Adam and
// SGD update each parameter (and its moments) in one pass, where the stock
// ops run ~12 kernels and allocate three tensors per parameter; the norm
// reads every gradient where it lies. The pass writes copies that the
// variables are then assigned (in place was wrong on both CPU backends; see
// writableInPlace in host-memory.ts). Same arithmetic as the
// references in core/ml/train/optimizer.ts and clip.ts (compared in
// test/engine/fused-optimizer.test.ts).
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../ml/engine/kernel-registry.ts';
import type { AdamParamUpdate, AdamStep, SgdParamUpdate } from '../../ml/train/optimizer.ts';
import { hostView, writableInPlace } from './host-memory.ts';
import type { NativeKernels } from './native-binding.ts';

type F32 = Float32Array;

/**
 * Runs `update` on the storage of `written` (in place where allowed) and of
 * `read`; returns false, touching nothing, where a view is unavailable (then
 * the caller uses the reference). Copies are assigned back to their variables.
 */
function updateVariables(written: tf.Variable[], read: tf.Tensor, update: (w: F32[], r: F32) => void): boolean {
  if (read.dtype !== 'float32' || written.some((t) => t.dtype !== 'float32' || t.size !== read.size)) return false;
  const inPlace = written.every(writableInPlace);
  // Views taken together right before the call: no TF.js allocation in between (a wasm heap growth would detach them).
  const views = [...written, read].map(hostView);
  if (views.some((v) => v === null)) return false;
  const targets = inPlace ? (views.slice(0, -1) as F32[]) : (views.slice(0, -1) as F32[]).map((v) => v.slice());
  update(targets, views[views.length - 1]!);
  if (!inPlace) tf.tidy(() => written.forEach((t, i) => t.assign(tf.tensor(targets[i]!, t.shape, 'float32'))));
  return true;
}

/** The native `adamUpdate`: one pass per parameter over it, its gradient and its moments. */
export function fusedAdamUpdate(native: NativeKernels) {
  return (updates: readonly AdamParamUpdate[], s: AdamStep): void => {
    const rest = updates.filter(
      (u) =>
        !updateVariables([u.param, u.m, u.v], u.grad, ([w, m, v], g) =>
          native.adamUpdate(w!, m!, v!, g, s.beta1, s.beta2, s.epsilon, s.stepSize),
        ),
    );
    if (rest.length > 0) (referenceKernel('adamUpdate') as (u: readonly AdamParamUpdate[], s: AdamStep) => void)(rest, s);
  };
}

/** The native `sgdUpdate`: one pass per parameter. */
export function fusedSgdUpdate(native: NativeKernels) {
  return (updates: readonly SgdParamUpdate[], lr: number): void => {
    const rest = updates.filter((u) => !updateVariables([u.param], u.grad, ([w], g) => native.sgdUpdate(w!, g, lr)));
    if (rest.length > 0) (referenceKernel('sgdUpdate') as (u: readonly SgdParamUpdate[], lr: number) => void)(rest, lr);
  };
}

/** The native `globalNorm`: √(Σ over every gradient of Σ g²), summed in double, as a float32 scalar. */
export function fusedGlobalNorm(native: NativeKernels) {
  return (tensors: readonly tf.Tensor[]): tf.Scalar => {
    let sum = 0;
    for (const t of tensors) {
      const view = hostView(t);
      if (!view) return (referenceKernel('globalNorm') as (t: readonly tf.Tensor[]) => tf.Scalar)(tensors);
      sum += native.sumOfSquares(view);
    }
    return tf.scalar(Math.sqrt(sum), 'float32');
  };
}
