// Convolution kernels with optional weight normalisation w = g·v/‖v‖ per
// output column (Salimans & Kingma 2016), as locuslab/TCN and the gated
// convolutional LM use them. Shared by every convolutional model so the
// parameter names (`<name>/v`, `<name>/g` or `<name>/kernel`) are the same
// everywhere (exports and checkpoints read them by name). The folding itself
// is the convolution unit's (core/ml/ops/causal-conv-unit.ts).
import * as tf from '@tensorflow/tfjs';
import type { ConvWeights } from '../ops/causal-conv-unit.ts';
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

/** The kernel's parameters as a convolution unit takes them (v and g unfolded: a fused unit folds them itself). */
export function convWeightsOf(p: ParamStore, name: string, weightNorm: boolean): ConvWeights {
  if (!weightNorm) return { kernel: p.get(`${name}/kernel`) as tf.Tensor2D };
  return { v: p.get(`${name}/v`) as tf.Tensor2D, g: p.get(`${name}/g`) as tf.Tensor1D };
}

/**
 * Kernels side by side, as one of their summed output widths (a gated unit's
 * two halves). Weight norm is per output column, so concatenating v and g
 * normalises each half as its own kernel would.
 */
export function concatConvWeights(parts: ConvWeights[]): ConvWeights {
  const normed = parts.filter((w): w is { v: tf.Tensor2D; g: tf.Tensor1D } => 'v' in w);
  if (normed.length === parts.length)
    return {
      v: tf.concat(
        normed.map((w) => w.v),
        1,
      ),
      g: tf.concat(normed.map((w) => w.g)),
    };
  if (normed.length > 0) throw new Error('concatConvWeights: every part weight-normalised or none');
  return {
    kernel: tf.concat(
      parts.map((w) => (w as { kernel: tf.Tensor2D }).kernel),
      1,
    ),
  };
}
