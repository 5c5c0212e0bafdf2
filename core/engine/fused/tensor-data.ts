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
