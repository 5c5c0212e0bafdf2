// LSTM recurrence over a window of time steps, gate order i, f, c, o (as in
// Keras / tfjs-layers, so weights export to tf.layers.lstm unchanged).
// The input projection x·W + b is done by the caller for all steps at once;
// this op only runs the part that is truly sequential.
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';

export interface LstmSequenceResult {
  /** Hidden states of every step, [batch, time, hidden]. */
  hs: tf.Tensor3D;
  /** Last hidden state, [batch, hidden]. */
  h: tf.Tensor2D;
  /** Last cell state, [batch, hidden]. */
  c: tf.Tensor2D;
}

/**
 * i, f, g, o = split(xProj_t + h_{t-1}·U); c_t = σ(f)·c_{t-1} + σ(i)·tanh(g); h_t = σ(o)·tanh(c_t).
 * @param xProj [batch, time, 4·hidden] — x_t·W + b for every step
 * @param h0 [batch, hidden]
 * @param c0 [batch, hidden]
 * @param recurrentKernel U, [hidden, 4·hidden]
 */
function lstmSequenceReference(
  xProj: tf.Tensor3D,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
): LstmSequenceResult {
  return tf.tidy(() => {
    const steps = tf.unstack(xProj, 1) as tf.Tensor2D[];
    let h = h0;
    let c = c0;
    const hs: tf.Tensor2D[] = [];
    for (const x of steps) {
      const z = tf.add(x, tf.matMul(h, recurrentKernel));
      const [i, f, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      hs.push(h);
    }
    return { hs: tf.stack(hs, 1) as tf.Tensor3D, h, c };
  });
}

export const lstmSequence = defineKernel('lstmSequence', lstmSequenceReference);
