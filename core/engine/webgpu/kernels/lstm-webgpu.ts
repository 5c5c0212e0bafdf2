// lstmSequence on webgpu: the whole window in one dispatch forward and one
// backward (plus a handful of products), instead of a dozen stock kernels
// per time step. Same function as core/ml/ops/lstm-sequence.ts (gate order
// i, f, c, o); test/engine/webgpu-recurrent-kernels.test.ts compares outputs
// and gradients.
//
// Forward: x·W for all steps is one matMul; then one workgroup per batch row
// runs the recurrence with h_{t−1} in workgroup memory and writes a trace
// [batch, time + 1, 6·hidden]: row t holds h_t | c_t | σ(i) | σ(f) | tanh(g) | σ(o),
// row `time` holds c_T in its first `hidden` columns. The first `hidden`
// columns are therefore hs stacked over c_T, the op's one output (a
// customGrad op has one), which the wrapper slices apart as the CPU kernel
// does. Backward: one workgroup per batch row walks the window in reverse
// with the four gate gradients of a step in workgroup memory (dh_{t−1} = dZ_t·Uᵀ),
// writing dZ [batch, time + 1, 4·hidden] (row `time`: dh0 | dc0); the weight
// gradients are products over dZ.
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../../ml/engine/kernel-registry.ts';
import type { LstmSequenceResult } from '../../../ml/ops/lstm-sequence.ts';
import { runProgram } from '../program.ts';
import { inputTerm, inputTermGrads, lastStep, previousStates, savingOp, stepRows } from './recurrent-grad-op.ts';
import { deviceLimits, persistentProgram, planRecurrence, type RecurrentLimits, type RecurrentPlan } from './recurrent-wgsl.ts';

/** Columns per trace row: h, c, and the four gate activations. */
const TRACE = 6;

/**
 * Inputs: xw [batch·time, 4H] = x·W, recurrent U [H, 4H], gateBias b [4H],
 * hInit, cInit [batch, H]. Output: the trace described at the top of the file.
 */
function forwardProgram(plan: RecurrentPlan) {
  const { batch, time, hidden } = plan;
  return persistentProgram(
    'lstm_forward',
    plan,
    ['xw', 'recurrent', 'gateBias', 'hInit', 'cInit'],
    [batch, time + 1, TRACE * hidden],
    `
  const G : i32 = 4 * NH;
  const W : i32 = ${TRACE} * NH;
  var<workgroup> hShared : array<f32, ${hidden}>;

  fn recur(b : i32, lid : i32) {
    var c : array<f32, UPI>;
    var hNext : array<f32, UPI>;
    for (var u = 0; u < UPI; u++) {
      let j = lid + u * WG;
      if (j < NH) {
        hShared[j] = hInit[b * NH + j];
        c[u] = cInit[b * NH + j];
      }
    }
    workgroupBarrier();
    for (var t = 0; t < NT; t++) {
      let row = (b * NT + t) * G;
      let out = (b * (NT + 1) + t) * W;
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          var zi = xw[row + j] + gateBias[j];
          var zf = xw[row + NH + j] + gateBias[NH + j];
          var zg = xw[row + 2 * NH + j] + gateBias[2 * NH + j];
          var zo = xw[row + 3 * NH + j] + gateBias[3 * NH + j];
          for (var k = 0; k < NH; k++) {
            let hk = hShared[k];
            let at = k * G + j;
            zi += hk * recurrent[at];
            zf += hk * recurrent[at + NH];
            zg += hk * recurrent[at + 2 * NH];
            zo += hk * recurrent[at + 3 * NH];
          }
          let i = sigmoidOf(zi);
          let f = sigmoidOf(zf);
          let g = tanhOf(zg);
          let o = sigmoidOf(zo);
          let cNew = f * c[u] + i * g;
          let h = o * tanhOf(cNew);
          c[u] = cNew;
          hNext[u] = h;
          result[out + j] = h;
          result[out + NH + j] = cNew;
          result[out + 2 * NH + j] = i;
          result[out + 3 * NH + j] = f;
          result[out + 4 * NH + j] = g;
          result[out + 5 * NH + j] = o;
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
    let last = (b * (NT + 1) + NT) * W;
    for (var u = 0; u < UPI; u++) {
      let j = lid + u * WG;
      if (j < NH) {
        result[last + j] = c[u];
        for (var q = 1; q < ${TRACE}; q++) {
          result[last + q * NH + j] = 0.0;
        }
      }
    }
  }
  `,
  );
}

/**
 * Inputs: the forward trace, recurrentT Uᵀ [4H, H], dy [batch, time + 1, H]
 * (dhs rows, then dc_T), cInit [batch, H]. Output: dZ [batch, time + 1, 4H],
 * row `time` = dh0 | dc0 | 0 | 0.
 */
function backwardProgram(plan: RecurrentPlan) {
  const { batch, time, hidden } = plan;
  return persistentProgram(
    'lstm_backward',
    plan,
    ['trace', 'recurrentT', 'dy', 'cInit'],
    [batch, time + 1, 4 * hidden],
    `
  const G : i32 = 4 * NH;
  const W : i32 = ${TRACE} * NH;
  var<workgroup> dzShared : array<f32, ${4 * hidden}>;

  fn recur(b : i32, lid : i32) {
    var dhCarry : array<f32, UPI>;
    var dcCarry : array<f32, UPI>;
    for (var u = 0; u < UPI; u++) {
      let j = lid + u * WG;
      if (j < NH) {
        dhCarry[u] = 0.0;
        dcCarry[u] = dy[(b * (NT + 1) + NT) * NH + j];
      }
    }
    for (var s = 0; s < NT; s++) {
      let t = NT - 1 - s;
      let tr = (b * (NT + 1) + t) * W;
      let out = (b * (NT + 1) + t) * G;
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          let c = trace[tr + NH + j];
          let i = trace[tr + 2 * NH + j];
          let f = trace[tr + 3 * NH + j];
          let g = trace[tr + 4 * NH + j];
          let o = trace[tr + 5 * NH + j];
          var cPrev = 0.0;
          if (t == 0) {
            cPrev = cInit[b * NH + j];
          } else {
            cPrev = trace[tr - W + NH + j];
          }
          let dh = dy[(b * (NT + 1) + t) * NH + j] + dhCarry[u];
          let tc = tanhOf(c);
          let dc = dcCarry[u] + dh * o * (1.0 - tc * tc);
          let dzi = dc * g * i * (1.0 - i);
          let dzf = dc * cPrev * f * (1.0 - f);
          let dzg = dc * i * (1.0 - g * g);
          let dzo = dh * tc * o * (1.0 - o);
          dcCarry[u] = dc * f;
          result[out + j] = dzi;
          result[out + NH + j] = dzf;
          result[out + 2 * NH + j] = dzg;
          result[out + 3 * NH + j] = dzo;
          dzShared[j] = dzi;
          dzShared[NH + j] = dzf;
          dzShared[2 * NH + j] = dzg;
          dzShared[3 * NH + j] = dzo;
        }
      }
      workgroupBarrier();
      for (var u = 0; u < UPI; u++) {
        let j = lid + u * WG;
        if (j < NH) {
          var acc = 0.0;
          for (var k = 0; k < G; k++) {
            acc += dzShared[k] * recurrentT[k * NH + j];
          }
          dhCarry[u] = acc;
        }
      }
      workgroupBarrier();
    }
    let last = (b * (NT + 1) + NT) * G;
    for (var u = 0; u < UPI; u++) {
      let j = lid + u * WG;
      if (j < NH) {
        result[last + j] = dhCarry[u];
        result[last + NH + j] = dcCarry[u];
        result[last + 2 * NH + j] = 0.0;
        result[last + 3 * NH + j] = 0.0;
      }
    }
  }
  `,
  );
}

/**
 * The persistent plan for an LSTM of these sizes, or undefined. The backward
 * kernel's 4·hidden shared floats and the forward trace (or U) bound it.
 */
export function planLstm(batch: number, time: number, hidden: number, limits: RecurrentLimits): RecurrentPlan | undefined {
  const bufferFloats = Math.max(batch * (time + 1) * TRACE * hidden, 4 * hidden * hidden);
  return planRecurrence(batch, time, hidden, { sharedFloats: 4 * hidden, bufferFloats }, limits);
}

/**
 * The fused lstmSequence for webgpu. `limits` (default: the device's) decide
 * whether the persistent kernels fit; where they do not, the stock-op
 * reference runs.
 */
export function webgpuLstmSequence(limits?: RecurrentLimits) {
  function fused(
    x: tf.Tensor3D,
    kernel: tf.Tensor2D,
    recurrentKernel: tf.Tensor2D,
    bias: tf.Tensor1D,
    h0: tf.Tensor2D,
    c0: tf.Tensor2D,
  ): LstmSequenceResult {
    const [B, T] = x.shape;
    const H = recurrentKernel.shape[0];
    const plan = planLstm(B, T, H, limits ?? deviceLimits());
    if (!plan) return (referenceKernel('lstmSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0, c0);
    const op = savingOp(([xi, W, U, b, hi, ci]) => {
      const trace = runProgram(forwardProgram(plan), [inputTerm(xi as tf.Tensor3D, W as tf.Tensor2D), U!, b!, hi!, ci!]) as tf.Tensor3D;
      return {
        value: tf.slice(trace, [0, 0, 0], [B, T + 1, H]),
        save: [xi!, W!, U!, hi!, ci!, trace],
        gradFunc: (dy, saved) => {
          const [sx, sW, sU, sh0, sc0, sTrace] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D];
          const dZall = runProgram(backwardProgram(plan), [sTrace, tf.transpose(sU), dy, sc0]) as tf.Tensor3D;
          const dZ = stepRows(dZall, T, 0, 4 * H);
          const tail = tf.reshape(tf.slice(dZall, [0, T, 0], [B, 1, 2 * H]), [B, 2 * H]);
          const { dx, dW } = inputTermGrads(sx, sW, dZ);
          const dU = tf.matMul(previousStates(sh0, sTrace, T), dZ, true, false);
          return [dx, dW, dU, tf.sum(dZ, 0), tf.slice(tail, [0, 0], [B, H]), tf.slice(tail, [0, H], [B, H])];
        },
      };
    });
    return tf.tidy(() => {
      const packed = op(x, kernel, recurrentKernel, bias, h0, c0) as tf.Tensor3D;
      const hs = tf.slice(packed, [0, 0, 0], [B, T, H]);
      const c = tf.reshape(tf.slice(packed, [0, T, 0], [B, 1, H]), [B, H]) as tf.Tensor2D;
      return { hs, h: lastStep(hs), c };
    });
  }
  return fused;
}
