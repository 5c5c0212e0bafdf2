// gruSequence on webgpu, PyTorch's reset-after variant (see
// core/ml/ops/gru-sequence.ts): r multiplies the recurrent term *after* its
// product, h_{t−1}·U_n + b_rec,n, so the recurrent and input sides of the
// n gate get different gradients. One dispatch forward and one backward for
// the whole window, laid out as lstm-webgpu.ts explains.
//
// Forward trace [batch, time, 5·hidden], row t: h_t | z | r | n | r̃_n (the
// recurrent pre-activation of n, bias included); its first `hidden` columns
// are hs, the op's output. Backward writes [batch, time + 1, 6·hidden],
// row t: dA (input side, 3·hidden) | dR̃ (recurrent side, 3·hidden), which
// differ only in the n part (dR̃_n = dA_n·r); row `time` holds dh0.
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../../ml/engine/kernel-registry.ts';
import type { GruSequenceResult } from '../../../ml/ops/gru-sequence.ts';
import { runProgram } from '../program.ts';
import { inputTerm, inputTermGrads, lastStep, previousStates, savingOp, stepRows } from './recurrent-grad-op.ts';
import { deviceLimits, persistentProgram, planRecurrence, type RecurrentLimits, type RecurrentPlan } from './recurrent-wgsl.ts';

/** Columns per trace row: h, z, r, n, r̃_n. */
const TRACE = 5;

/**
 * Inputs: xw [batch·time, 3H] = x·W, recurrent U [H, 3H], gateBias [2, 3H]
 * (input bias, recurrent bias), hInit [batch, H]. Output: the trace.
 */
function forwardProgram(plan: RecurrentPlan) {
  const { batch, time, hidden } = plan;
  return persistentProgram(
    'gru_forward',
    plan,
    ['xw', 'recurrent', 'gateBias', 'hInit'],
    [batch, time, TRACE * hidden],
    `
  const G : i32 = 3 * NH;
  const W : i32 = ${TRACE} * NH;
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
      let row = (b * NT + t) * G;
      let out = (b * NT + t) * W;
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          var rz = gateBias[G + j];
          var rr = gateBias[G + NH + j];
          var rn = gateBias[G + 2 * NH + j];
          for (var k = 0; k < NH; k++) {
            let hk = hShared[k];
            let at = k * G + j;
            rz += hk * recurrent[at];
            rr += hk * recurrent[at + NH];
            rn += hk * recurrent[at + 2 * NH];
          }
          let z = sigmoidOf(xw[row + j] + gateBias[j] + rz);
          let r = sigmoidOf(xw[row + NH + j] + gateBias[NH + j] + rr);
          let n = tanhOf(xw[row + 2 * NH + j] + gateBias[2 * NH + j] + r * rn);
          let h = n + z * (hShared[j] - n);
          hNext[u] = h;
          result[out + j] = h;
          result[out + NH + j] = z;
          result[out + 2 * NH + j] = r;
          result[out + 3 * NH + j] = n;
          result[out + 4 * NH + j] = rn;
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

/**
 * Inputs: the forward trace, recurrentT Uᵀ [3H, H], dy = dhs [batch, time, H],
 * hInit [batch, H]. Output described at the top of the file.
 */
function backwardProgram(plan: RecurrentPlan) {
  const { batch, time, hidden } = plan;
  return persistentProgram(
    'gru_backward',
    plan,
    ['trace', 'recurrentT', 'dy', 'hInit'],
    [batch, time + 1, 6 * hidden],
    `
  const G : i32 = 3 * NH;
  const W : i32 = ${TRACE} * NH;
  const O : i32 = 6 * NH;
  var<workgroup> drShared : array<f32, ${3 * hidden}>;

  fn recur(b : i32, lid : i32) {
    var dhCarry : array<f32, UPI>;
    var dhDirect : array<f32, UPI>;
    for (var u = 0; u < UPI; u++) {
      dhCarry[u] = 0.0;
    }
    for (var s = 0; s < NT; s++) {
      let t = NT - 1 - s;
      let tr = (b * NT + t) * W;
      let out = (b * (NT + 1) + t) * O;
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          let z = trace[tr + NH + j];
          let r = trace[tr + 2 * NH + j];
          let n = trace[tr + 3 * NH + j];
          let rn = trace[tr + 4 * NH + j];
          var hPrev = 0.0;
          if (t == 0) {
            hPrev = hInit[b * NH + j];
          } else {
            hPrev = trace[tr - W + j];
          }
          let dh = dy[(b * NT + t) * NH + j] + dhCarry[u];
          let dan = dh * (1.0 - z) * (1.0 - n * n);
          let daz = dh * (hPrev - n) * z * (1.0 - z);
          let dar = dan * rn * r * (1.0 - r);
          let drn = dan * r;
          dhDirect[u] = dh * z;
          result[out + j] = daz;
          result[out + NH + j] = dar;
          result[out + 2 * NH + j] = dan;
          result[out + G + j] = daz;
          result[out + G + NH + j] = dar;
          result[out + G + 2 * NH + j] = drn;
          drShared[j] = daz;
          drShared[NH + j] = dar;
          drShared[2 * NH + j] = drn;
        }
      }
      workgroupBarrier();
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          var acc = dhDirect[u];
          for (var k = 0; k < G; k++) {
            acc += drShared[k] * recurrentT[k * NH + j];
          }
          dhCarry[u] = acc;
        }
      }
      workgroupBarrier();
    }
    let last = (b * (NT + 1) + NT) * O;
    for (var u = 0; u < UPI; u++) {
      let j = lid + u * WG;
      if (j < NH) {
        result[last + j] = dhCarry[u];
        for (var q = 1; q < 6; q++) {
          result[last + q * NH + j] = 0.0;
        }
      }
    }
  }
  `,
  );
}

/**
 * The persistent plan for a GRU of these sizes, or undefined. The backward
 * kernel's 3·hidden shared floats and its output (or U) bound it.
 */
export function planGru(batch: number, time: number, hidden: number, limits: RecurrentLimits): RecurrentPlan | undefined {
  const bufferFloats = Math.max(batch * (time + 1) * 6 * hidden, 3 * hidden * hidden);
  return planRecurrence(batch, time, hidden, { sharedFloats: 3 * hidden, bufferFloats }, limits);
}

/** The fused gruSequence for webgpu; falls back to the reference where the persistent kernels do not fit `limits` (default: the device's). */
export function webgpuGruSequence(limits?: RecurrentLimits) {
  function fused(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor2D, h0: tf.Tensor2D): GruSequenceResult {
    const [B, T] = x.shape;
    const H = recurrentKernel.shape[0];
    const plan = planGru(B, T, H, limits ?? deviceLimits());
    if (!plan) return (referenceKernel('gruSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0);
    const op = savingOp(([xi, W, U, b, hi]) => {
      const trace = runProgram(forwardProgram(plan), [inputTerm(xi as tf.Tensor3D, W as tf.Tensor2D), U!, b!, hi!]) as tf.Tensor3D;
      return {
        value: tf.slice(trace, [0, 0, 0], [B, T, H]),
        save: [xi!, W!, U!, hi!, trace],
        gradFunc: (dy, saved) => {
          const [sx, sW, sU, sh0, sTrace] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D];
          const grads = runProgram(backwardProgram(plan), [sTrace, tf.transpose(sU), dy, sh0]) as tf.Tensor3D;
          const dA = stepRows(grads, T, 0, 3 * H);
          const dR = stepRows(grads, T, 3 * H, 3 * H);
          const { dx, dW } = inputTermGrads(sx, sW, dA);
          const dU = tf.matMul(previousStates(sh0, sTrace, T), dR, true, false);
          const dBias = tf.stack([tf.sum(dA, 0), tf.sum(dR, 0)]);
          const dh0 = tf.reshape(tf.slice(grads, [0, T, 0], [B, 1, H]), [B, H]);
          return [dx, dW, dU, dBias, dh0];
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
