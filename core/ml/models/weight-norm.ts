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
export function addConvKernel(
  p: ParamStore,
  name: string,
  shape: [number, number],
  init: (rng: Rng, size: number) => Float32Array,
  weightNorm: boolean,
): void {
  if (!weightNorm) {
    p.add(`${name}/kernel`, shape, init);
    return;
  }
  let drawn: Float32Array | undefined;
  p.add(`${name}/v`, shape, (rng, size) => (drawn = init(rng, size)));
  // From the drawn values, not read back from the variable: a synchronous read is impossible on webgpu in Node.
  const norms = columnNorms(drawn!, shape[0], shape[1]);
  p.add(`${name}/g`, [shape[1]], () => norms);
}

/**
 * Euclidean norm of every column of a row-major [rows, cols] matrix, rounded
 * as TF.js's cpu backend rounds `tf.norm(v, 'euclidean', 0)` (float32 squares,
 * summed down the column in double precision, stored as float32, float32 root),
 * so the initial `g` is the one a read-back would have given there.
 */
export function columnNorms(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const x = values[r * cols + c]!;
      sum += Math.fround(x * x);
    }
    out[c] = Math.sqrt(Math.fround(sum));
  }
  return out;
}

/** The effective kernel [rows, cols] with weight norm folded in. */
export function convKernelOf(p: ParamStore, name: string, weightNorm: boolean): tf.Tensor2D {
  if (!weightNorm) return p.get(`${name}/kernel`) as tf.Tensor2D;
  return tf.tidy(() => {
    const v = p.get(`${name}/v`);
    return tf.mul(v, tf.div(p.get(`${name}/g`), tf.norm(v, 'euclidean', 0))) as tf.Tensor2D;
  });
}
