// GRU recurrence over a window, in PyTorch's variant (torch.nn.GRU; Keras
// `reset_after: true`; ONNX GRU with linear_before_reset = 1): the reset gate
// multiplies the recurrent term *after* its matrix product, so each gate keeps
// its own recurrent bias. Weight layout as Keras/tfjs: gate order z, r, h in
// the columns, bias [2, 3·hidden] = [input bias; recurrent bias].
// (tfjs-layers' GRU only has reset_after = false, so it cannot run these weights.)
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';
import { timeSteps } from './time-steps.ts';

export interface GruSequenceResult {
  /** Hidden states of every step, [batch, time, hidden]. */
  hs: tf.Tensor3D;
  /** Last hidden state, [batch, hidden]. */
  h: tf.Tensor2D;
}

/**
 * a = x_t·W + b_in, r̃ = h_{t−1}·U + b_rec, split into (z, r, n) parts;
 * z = σ(a_z + r̃_z), r = σ(a_r + r̃_r), n = tanh(a_n + r ⊙ r̃_n), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}.
 * @param x [batch, time, in]
 * @param kernel W, [in, 3·hidden]
 * @param recurrentKernel U, [hidden, 3·hidden]
 * @param bias [2, 3·hidden]: row 0 input bias, row 1 recurrent bias
 * @param h0 [batch, hidden]
 */
function gruSequenceReference(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor2D,
  h0: tf.Tensor2D,
): GruSequenceResult {
  return tf.tidy(() => {
    const [inputBias, recurrentBias] = tf.unstack(bias, 0) as [tf.Tensor1D, tf.Tensor1D];
    // Cut into steps on the narrow input, as lstm-sequence.ts does (why: there).
    const steps = timeSteps(x);
    let h = h0;
    const hs: tf.Tensor2D[] = [];
    for (const xt of steps) {
      const [az, ar, an] = tf.split(tf.add(tf.matMul(xt, kernel), inputBias), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const [rz, rr, rn] = tf.split(tf.add(tf.matMul(h, recurrentKernel), recurrentBias), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const z = tf.sigmoid(tf.add(az, rz));
      const r = tf.sigmoid(tf.add(ar, rr));
      const n = tf.tanh(tf.add(an, tf.mul(r, rn)));
      h = tf.add(n, tf.mul(z, tf.sub(h, n))); // (1 − z)·n + z·h
      hs.push(h);
    }
    return { hs: tf.stack(hs, 1) as tf.Tensor3D, h };
  });
}

export const gruSequence = defineKernel('gruSequence', gruSequenceReference);
