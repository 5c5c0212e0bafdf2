// Cutting a window into its time steps for the recurrent kernels.
import * as tf from '@tensorflow/tfjs';

/**
 * x[:, t, :] for every t. A one-step window is reshaped instead of unstacked:
 * TF.js 4.22's gradient of Unpack with a single output receives a bare tensor
 * instead of an array and fails in stack() ("Argument tensors passed to stack
 * must be a `Tensor[]`"), which a window of length 1 (a truncated model with
 * k ≤ 2, a state-Jacobian step, TBPTT with seqLen 1) would hit.
 * @param x [batch, time, width] @returns time tensors [batch, width]
 */
export function timeSteps(x: tf.Tensor3D): tf.Tensor2D[] {
  const [batch, time, width] = x.shape;
  return time === 1 ? [tf.reshape(x, [batch, width])] : (tf.unstack(x, 1) as tf.Tensor2D[]);
}
