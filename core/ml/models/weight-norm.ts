// Convolution kernels with optional weight normalisation w = g·v/‖v‖ per
// output column (Salimans & Kingma 2016), as locuslab/TCN and the gated
// convolutional LM use them. Shared by every convolutional model so the
// parameter names (`<name>/v`, `<name>/g` or `<name>/kernel`) and the folding
// are the same everywhere (exports and checkpoints read them by name).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng.ts';
import type { ParamStore } from './params.ts';

/**
 * Adds one kernel [rows, cols]: `<name>/v` drawn from `init` and `<name>/g`
 * set to ‖v‖ per column (so w = v at step 0), or a plain `<name>/kernel`.
 */
export function addConvKernel(p: ParamStore, name: string, shape: [number, number], init: (rng: Rng, size: number) => Float32Array, weightNorm: boolean): void {
  if (!weightNorm) {
    p.add(`${name}/kernel`, shape, init);
    return;
  }
  const v = p.add(`${name}/v`, shape, init);
  const norms = tf.tidy(() => tf.norm(v, 'euclidean', 0).dataSync() as Float32Array);
  p.add(`${name}/g`, [shape[1]], () => Float32Array.from(norms));
}

/** The effective kernel [rows, cols] with weight norm folded in. */
export function convKernelOf(p: ParamStore, name: string, weightNorm: boolean): tf.Tensor2D {
  if (!weightNorm) return p.get(`${name}/kernel`) as tf.Tensor2D;
  return tf.tidy(() => {
    const v = p.get(`${name}/v`);
    return tf.mul(v, tf.div(p.get(`${name}/g`), tf.norm(v, 'euclidean', 0))) as tf.Tensor2D;
  });
}
