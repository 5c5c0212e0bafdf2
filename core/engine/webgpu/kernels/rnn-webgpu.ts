// rnnSequence on webgpu: h_t = tanh(x_t·W + h_{t−1}·U + b) for the whole
// window in one dispatch forward and one backward, laid out as
// lstm-webgpu.ts explains. The forward output is hs itself (it is all the
// backward pass needs: tanh' = 1 − h²). Backward writes
// [batch, time + 1, hidden]: rows t hold the pre-activation gradients dZ_t,
// row `time` holds dh0.
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../../ml/engine/kernel-registry.ts';
import type { RnnSequenceResult } from '../../../ml/ops/rnn-sequence.ts';
import { runProgram } from '../program.ts';
import { inputTerm, inputTermGrads, lastStep, previousStates, savingOp, stepRows } from './recurrent-grad-op.ts';
import { deviceLimits, persistentProgram, planRecurrence, type RecurrentLimits, type RecurrentPlan } from './recurrent-wgsl.ts';

/** Inputs: xw [batch·time, H] = x·W, recurrent U [H, H], gateBias b [H], hInit [batch, H]. Output: hs [batch, time, H]. */
function forwardProgram(plan: RecurrentPlan) {
  const { batch, time, hidden } = plan;
  return persistentProgram(
    'rnn_forward',
    plan,
    ['xw', 'recurrent', 'gateBias', 'hInit'],
    [batch, time, hidden],
    `
  var<workgroup> hShared : array<f32, ${hidden}>;

  fn recur(b : i32, lid : i32) {
    var hNext : array<f32, UPI>;
    for (var u = 0; u < UPI; u++) {
      let j = lid + u * WG;
      if (j < NH) {
        hShared[j] = hInit[b * NH + j];
      }
    }
    workgroupBarrier();
    for (var t = 0; t < NT; t++) {
      let row = (b * NT + t) * NH;
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          var z = xw[row + j] + gateBias[j];
          for (var k = 0; k < NH; k++) {
            z += hShared[k] * recurrent[k * NH + j];
          }
          let h = tanhOf(z);
          hNext[u] = h;
          result[row + j] = h;
        }
      }
      workgroupBarrier();
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          hShared[j] = hNext[u];
        }
      }
      workgroupBarrier();
    }
  }
  `,
  );
}

/** Inputs: hs [batch, time, H], recurrentT Uᵀ [H, H], dy = dhs [batch, time, H]. Output described at the top of the file. */
function backwardProgram(plan: RecurrentPlan) {
  const { batch, time, hidden } = plan;
  return persistentProgram(
    'rnn_backward',
    plan,
    ['hs', 'recurrentT', 'dy'],
    [batch, time + 1, hidden],
    `
  var<workgroup> dzShared : array<f32, ${hidden}>;

  fn recur(b : i32, lid : i32) {
    var dhCarry : array<f32, UPI>;
    for (var u = 0; u < UPI; u++) {
      dhCarry[u] = 0.0;
    }
    for (var s = 0; s < NT; s++) {
      let t = NT - 1 - s;
      let at = (b * NT + t) * NH;
      let out = (b * (NT + 1) + t) * NH;
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          let h = hs[at + j];
          let dz = (dy[at + j] + dhCarry[u]) * (1.0 - h * h);
          result[out + j] = dz;
          dzShared[j] = dz;
        }
      }
      workgroupBarrier();
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          var acc = 0.0;
          for (var k = 0; k < NH; k++) {
            acc += dzShared[k] * recurrentT[k * NH + j];
          }
          dhCarry[u] = acc;
        }
      }
      workgroupBarrier();
    }
    for (var u = 0; u < UPI; u++) {
      let j = lid + u * WG;
      if (j < NH) {
        result[(b * (NT + 1) + NT) * NH + j] = dhCarry[u];
      }
    }
  }
  `,
  );
}

/** The persistent plan for an RNN of these sizes (`hidden` shared floats in both directions; the backward output or U bounds the buffers), or undefined. */
export function planRnn(batch: number, time: number, hidden: number, limits: RecurrentLimits): RecurrentPlan | undefined {
  const bufferFloats = Math.max(batch * (time + 1) * hidden, hidden * hidden);
  return planRecurrence(batch, time, hidden, { sharedFloats: hidden, bufferFloats }, limits);
}

/** The fused rnnSequence for webgpu; falls back to the reference where the persistent kernels do not fit `limits` (default: the device's). */
export function webgpuRnnSequence(limits?: RecurrentLimits) {
  function fused(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, h0: tf.Tensor2D): RnnSequenceResult {
    const [B, T] = x.shape;
    const H = recurrentKernel.shape[0];
    const plan = planRnn(B, T, H, limits ?? deviceLimits());
    if (!plan) return (referenceKernel('rnnSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0);
    const op = savingOp(([xi, W, U, b, hi]) => {
      const hs = runProgram(forwardProgram(plan), [inputTerm(xi as tf.Tensor3D, W as tf.Tensor2D), U!, b!, hi!]) as tf.Tensor3D;
      return {
        value: hs,
        save: [xi!, W!, U!, hi!, hs],
        gradFunc: (dy, saved) => {
          const [sx, sW, sU, sh0, sHs] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D];
          const grads = runProgram(backwardProgram(plan), [sHs, tf.transpose(sU), dy]) as tf.Tensor3D;
          const dZ = stepRows(grads, T, 0, H);
          const { dx, dW } = inputTermGrads(sx, sW, dZ);
          const dU = tf.matMul(previousStates(sh0, sHs, T), dZ, true, false);
          const dh0 = tf.reshape(tf.slice(grads, [0, T, 0], [B, 1, H]), [B, H]);
          return [dx, dW, dU, tf.sum(dZ, 0), dh0];
        },
      };
    });
    return tf.tidy(() => {
      const hs = op(x, kernel, recurrentKernel, bias, h0) as tf.Tensor3D;
      return { hs, h: lastStep(hs) };
    });
  }
  return fused;
}
