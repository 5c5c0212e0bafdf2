// Fused input embedding and dense layers for the CPU backends. On wasm the
// stock gradient of a dense layer is two transposed matMuls, each ~10× slower
// than a plain product of the same size (measured: 2048×128·128×64 in 1.6 ms,
// its two gradient products in 16 and 14 ms), and the embedding's one-hot
// product wastes a vocab-wide multiply on zeros. Same functions as the
// references in core/ml/ops/embed-tokens.ts (compared in test/engine).
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './native-binding.ts';
import { customOp, floats } from './tensor-data.ts';

/** Adds bias[j] to column j of a [rows, cols] buffer, in place. */
function addBias(m: Float32Array, cols: number, bias: Float32Array): void {
  for (let r = 0; r < m.length; r += cols) for (let j = 0; j < cols; j++) m[r + j]! += bias[j]!;
}

/** Column sums of a [rows, cols] buffer. */
function columnSums(m: Float32Array, cols: number): Float32Array {
  const out = new Float32Array(cols);
  for (let r = 0; r < m.length; r += cols) for (let j = 0; j < cols; j++) out[j]! += m[r + j]!;
  return out;
}

/** x·W + b on every time step: one native product forward, two (no transposed copies) backward. */
export function fusedTimeDistributedDense(native: NativeKernels) {
  return (x: tf.Tensor3D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D => {
    const [batch, time, K] = x.shape;
    const N = weight.shape[1];
    const M = batch * time;
    const op = customOp((inputs) => {
      const [xd, wd, bd] = inputs.map(floats) as [Float32Array, Float32Array, Float32Array];
      const [y] = native.matmul(M, N, K, xd, false, wd, false);
      addBias(y, N, bd);
      const gradFunc = (dy: tf.Tensor) => {
        const dyd = floats(dy);
        const [dx] = native.matmul(M, K, N, dyd, false, wd, true);
        const [dw] = native.matmul(K, N, M, xd, true, dyd, false);
        return [dx, dw, columnSums(dyd, N)];
      };
      return { value: tf.tensor3d(y, [batch, time, N]), gradFunc };
    });
    return op(x, weight, bias) as tf.Tensor3D;
  };
}

/** W[token] + b by row look-up; the gradient adds each step's dy into its token's row. */
export function fusedEmbedTokens() {
  return (tokens: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D => {
    const [batch, time] = tokens.shape;
    const [vocab, embed] = weight.shape;
    const ids = tokens.dataSync() as Int32Array;
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i]! >= 0 && ids[i]! < vocab))
        throw new Error(`embedTokens: token id ${ids[i]} at position ${i} is outside 0..${vocab - 1}`);
    }
    // Token ids are data, not parameters: the op differentiates weight and bias only.
    const op = customOp((inputs) => {
      const [wd, bd] = inputs.map(floats) as [Float32Array, Float32Array];
      const y = new Float32Array(ids.length * embed);
      for (let i = 0; i < ids.length; i++) {
        const row = ids[i]! * embed;
        for (let j = 0; j < embed; j++) y[i * embed + j] = wd[row + j]! + bd[j]!;
      }
      const gradFunc = (dy: tf.Tensor) => {
        const dyd = floats(dy);
        const dw = new Float32Array(vocab * embed);
        for (let i = 0; i < ids.length; i++) {
          const row = ids[i]! * embed;
          for (let j = 0; j < embed; j++) dw[row + j]! += dyd[i * embed + j]!;
        }
        return [dw, columnSums(dyd, embed)];
      };
      return { value: tf.tensor3d(y, [batch, time, embed]), gradFunc };
    });
    return op(weight, bias) as tf.Tensor3D;
  };
}
