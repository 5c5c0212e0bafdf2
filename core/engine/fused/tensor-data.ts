// Moving tensor contents across the native boundary.
import * as tf from '@tensorflow/tfjs';

/** The values of a float32 tensor (on cpu the backing array itself: callers must not write to it). */
export function floats(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`fused kernel: expected a float32 tensor, got ${t.dtype} ${JSON.stringify(t.shape)}`);
  return t.dataSync() as Float32Array;
}

/** What a fused op's forward pass returns: its one output, and the gradient of every input as plain arrays. */
export interface FusedPass {
  value: tf.Tensor;
  /** Gradients in input order; each is shaped like its input. */
  gradFunc: (dy: tf.Tensor) => Float32Array[];
}

/**
 * tf.customGrad over typed arrays. The forward pass gets the inputs as one
 * list (TF.js also passes a save function after them, which the fused ops do
 * not use: they keep what the backward pass needs as plain arrays in the
 * closure), and the gradients come back shaped like the inputs they belong to.
 */
export function customOp(forward: (inputs: tf.Tensor[]) => FusedPass): (...inputs: tf.Tensor[]) => tf.Tensor {
  const f = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const inputs = args.filter((a): a is tf.Tensor => a instanceof tf.Tensor);
    const pass = forward(inputs);
    return { value: pass.value, gradFunc: (dy: tf.Tensor) => pass.gradFunc(dy).map((g, i) => tf.tensor(g, inputs[i]!.shape, 'float32')) };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (...inputs: tf.Tensor[]) => tf.Tensor;
}

/**
 * Elements [offset, offset + size of `shape`) of a flat tensor, as `shape`.
 * Unlike tf.slice of a strided region, nothing runs element by element: the
 * cpu backend slices a strided region, and pads the gradient of any slice
 * (tf.pad), through per-element index arithmetic, which cost an LSTM window of
 * [32, 200, 96] seconds per step (docs/benchmarks.md, issue 13). Here the part
 * is one contiguous copy and its gradient one zero-filled array with dy set in.
 * @param flat [n] @param shape of the part; its size + offset ≤ n
 */
export function flatPart(flat: tf.Tensor1D, offset: number, shape: number[]): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const n = flat.shape[0];
  if (offset < 0 || offset + size > n) throw new Error(`flatPart: [${offset}, ${offset + size}) is outside a tensor of ${n} elements`);
  const op = customOp(([t]) => ({
    value: tf.tensor(floats(t!).slice(offset, offset + size), shape, 'float32'),
    gradFunc: (dy) => {
      const grad = new Float32Array(n);
      grad.set(floats(dy), offset);
      return [grad];
    },
  }));
  return op(flat);
}
