// Moving tensor contents across the native boundary.
import * as tf from '@tensorflow/tfjs';

/** The values of a float32 tensor (on cpu the backing array itself: callers must not write to it). */
export function floats(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`fused kernel: expected a float32 tensor, got ${t.dtype} ${JSON.stringify(t.shape)}`);
  return t.dataSync() as Float32Array;
}

/** Rows [from, from + count) of every batch item of a [batch, rows, width] buffer, as a new [batch, count, width] buffer. */
export function sliceRows(data: Float32Array, batch: number, rows: number, width: number, from: number, count: number): Float32Array {
  const out = new Float32Array(batch * count * width);
  for (let b = 0; b < batch; b++) out.set(data.subarray((b * rows + from) * width, (b * rows + from + count) * width), b * count * width);
  return out;
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
