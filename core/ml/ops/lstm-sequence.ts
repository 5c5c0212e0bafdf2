// LSTM recurrence over a window of time steps, gate order i, f, c, o (as in
// Keras / tfjs-layers, so weights export to tf.layers.lstm unchanged).
// The reference is built from stock ops; a backend can register a fused
// kernel under the same name (see engine/kernel-registry.ts).
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';
import { timeSteps } from './time-steps.ts';

export interface LstmSequenceResult {
  /** Hidden states of every step, [batch, time, hidden]. */
  hs: tf.Tensor3D;
  /** Last hidden state, [batch, hidden]. */
  h: tf.Tensor2D;
  /** Last cell state, [batch, hidden]. */
  c: tf.Tensor2D;
}

/**
 * z_t = x_t·W + h_{t−1}·U + b;  i, f, g, o = split(z_t);
 * c_t = σ(f)·c_{t−1} + σ(i)·tanh(g);  h_t = σ(o)·tanh(c_t).
 * @param x [batch, time, in]
 * @param kernel W, [in, 4·hidden]
 * @param recurrentKernel U, [hidden, 4·hidden]
 * @param bias b, [4·hidden]
 * @param h0 [batch, hidden]
 * @param c0 [batch, hidden]
 */
function lstmSequenceReference(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
): LstmSequenceResult {
  return tf.tidy(() => {
    // The window is cut into steps on the narrow input (x, not x·W): on wasm
    // the cost of Unpack (and of the gradient of stack) grows with the tensor's
    // size, and slicing x·W per step would make the backward pass O(T²).
    // Measured against tfjs-layers' LSTM in docs/benchmarks.md.
    const steps = timeSteps(x);
    let h = h0;
    let c = c0;
    const hs: tf.Tensor2D[] = [];
    for (const xt of steps) {
      const z = tf.add(tf.add(tf.matMul(xt, kernel), tf.matMul(h, recurrentKernel)), bias);
      const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      hs.push(h);
    }
    return { hs: tf.stack(hs, 1) as tf.Tensor3D, h, c };
  });
}

export const lstmSequence = defineKernel('lstmSequence', lstmSequenceReference);
