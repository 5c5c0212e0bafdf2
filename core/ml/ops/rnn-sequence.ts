// Vanilla (Elman) RNN recurrence over a window: h_t = tanh(x_t·W + h_{t−1}·U + b),
// the model of Miller & Hardt's stability analysis (tanh is 1-Lipschitz, so
// ‖U‖₂ < 1 makes the step a contraction in h). Same as tf.layers.simpleRNN and
// torch.nn.RNN (whose two biases sum to our one). A backend may register a
// fused kernel under the same name (see engine/kernel-registry.ts).
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';
import { timeSteps } from './time-steps.ts';

export interface RnnSequenceResult {
  /** Hidden states of every step, [batch, time, hidden]. */
  hs: tf.Tensor3D;
  /** Last hidden state, [batch, hidden]. */
  h: tf.Tensor2D;
}

/**
 * @param x [batch, time, in]
 * @param kernel W, [in, hidden]
 * @param recurrentKernel U, [hidden, hidden]
 * @param bias b, [hidden]
 * @param h0 [batch, hidden]
 */
function rnnSequenceReference(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  h0: tf.Tensor2D,
): RnnSequenceResult {
  return tf.tidy(() => {
    // Cut into steps on the narrow input, as lstm-sequence.ts does (why: there).
    const steps = timeSteps(x);
    let h = h0;
    const hs: tf.Tensor2D[] = [];
    for (const xt of steps) {
      h = tf.tanh(tf.add(tf.add(tf.matMul(xt, kernel), tf.matMul(h, recurrentKernel)), bias)) as tf.Tensor2D;
      hs.push(h);
    }
    return { hs: tf.stack(hs, 1) as tf.Tensor3D, h };
  });
}

export const rnnSequence = defineKernel('rnnSequence', rnnSequenceReference);
