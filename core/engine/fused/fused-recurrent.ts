// Fused LSTM / GRU / RNN sequence kernels for the CPU backends: the whole
// window, forward and backward, in one native call each (no per-time-step
// JavaScript, no per-step TF.js kernels), wrapped with tf.customGrad so
// autodiff sees one op. Same functions as the references in core/ml/ops;
// test/engine compares outputs and gradients.
//
// tf.customGrad ops have exactly one output tensor, so the LSTM returns its
// states and its last cell state packed as [batch, time + 1, hidden] and the
// wrapper slices them apart (slices' gradients flow back into the pack).
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../ml/engine/kernel-registry.ts';
import type { GruSequenceResult } from '../../ml/ops/gru-sequence.ts';
import type { LstmSequenceResult } from '../../ml/ops/lstm-sequence.ts';
import type { RnnSequenceResult } from '../../ml/ops/rnn-sequence.ts';
import type { NativeKernels } from './native-binding.ts';
import { customOp, floats, sliceRows } from './tensor-data.ts';

/** The last step of [batch, time, hidden] as [batch, hidden] (its gradient flows into hs). */
function lastStep(hs: tf.Tensor3D): tf.Tensor2D {
  const [batch, time, hidden] = hs.shape;
  return tf.reshape(tf.slice(hs, [0, time - 1, 0], [batch, 1, hidden]), [batch, hidden]);
}

export function fusedLstmSequence(native: NativeKernels) {
  function fused(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, h0: tf.Tensor2D, c0: tf.Tensor2D): LstmSequenceResult {
    const [B, T, I] = x.shape;
    const H = recurrentKernel.shape[0];
    if (T === 0) return (referenceKernel('lstmSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0, c0);
    const op = customOp((args) => {
      const [xd, Wd, Ud, bd, h0d, c0d] = args.map(floats) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const [hs, , cT, gates, cs] = native.lstmForward(B, T, I, H, xd, Wd, Ud, bd, h0d, c0d);
      // Pack [hs | cT] per batch item: [B, T + 1, H].
      const packed = new Float32Array(B * (T + 1) * H);
      for (let b = 0; b < B; b++) {
        packed.set(hs.subarray(b * T * H, (b + 1) * T * H), b * (T + 1) * H);
        packed.set(cT.subarray(b * H, (b + 1) * H), (b * (T + 1) + T) * H);
      }
      const gradFunc = (dy: tf.Tensor) => {
        const dyd = floats(dy);
        const dhs = sliceRows(dyd, B, T + 1, H, 0, T);
        const dcT = sliceRows(dyd, B, T + 1, H, T, 1);
        const [dx, dW, dU, db, dh0, dc0] = native.lstmBackward(B, T, I, H, xd, Wd, Ud, h0d, c0d, gates, cs, hs, dhs, new Float32Array(B * H), dcT);
        return [tf.tensor3d(dx, [B, T, I]), tf.tensor2d(dW, [I, 4 * H]), tf.tensor2d(dU, [H, 4 * H]), tf.tensor1d(db), tf.tensor2d(dh0, [B, H]), tf.tensor2d(dc0, [B, H])];
      };
      return { value: tf.tensor3d(packed, [B, T + 1, H]), gradFunc };
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

export function fusedGruSequence(native: NativeKernels) {
  function fused(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor2D, h0: tf.Tensor2D): GruSequenceResult {
    const [B, T, I] = x.shape;
    const H = recurrentKernel.shape[0];
    if (T === 0) return (referenceKernel('gruSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0);
    const op = customOp((args) => {
      const [xd, Wd, Ud, bd, h0d] = args.map(floats) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const [hs, , cache] = native.gruForward(B, T, I, H, xd, Wd, Ud, bd, h0d);
      const gradFunc = (dy: tf.Tensor) => {
        const [dx, dW, dU, dbias, dh0] = native.gruBackward(B, T, I, H, xd, Wd, Ud, h0d, hs, cache, floats(dy), new Float32Array(B * H));
        return [tf.tensor3d(dx, [B, T, I]), tf.tensor2d(dW, [I, 3 * H]), tf.tensor2d(dU, [H, 3 * H]), tf.tensor2d(dbias, [2, 3 * H]), tf.tensor2d(dh0, [B, H])];
      };
      return { value: tf.tensor3d(hs, [B, T, H]), gradFunc };
    });
    return tf.tidy(() => {
      const hs = op(x, kernel, recurrentKernel, bias, h0) as tf.Tensor3D;
      return { hs, h: lastStep(hs) };
    });
  }
  return fused;
}

export function fusedRnnSequence(native: NativeKernels) {
  function fused(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, h0: tf.Tensor2D): RnnSequenceResult {
    const [B, T, I] = x.shape;
    const H = recurrentKernel.shape[0];
    if (T === 0) return (referenceKernel('rnnSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0);
    const op = customOp((args) => {
      const [xd, Wd, Ud, bd, h0d] = args.map(floats) as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
      const [hs] = native.rnnForward(B, T, I, H, xd, Wd, Ud, bd, h0d);
      const gradFunc = (dy: tf.Tensor) => {
        const [dx, dW, dU, db, dh0] = native.rnnBackward(B, T, I, H, xd, Wd, Ud, h0d, hs, floats(dy), new Float32Array(B * H));
        return [tf.tensor3d(dx, [B, T, I]), tf.tensor2d(dW, [I, H]), tf.tensor2d(dU, [H, H]), tf.tensor1d(db), tf.tensor2d(dh0, [B, H])];
      };
      return { value: tf.tensor3d(hs, [B, T, H]), gradFunc };
    });
    return tf.tidy(() => {
      const hs = op(x, kernel, recurrentKernel, bias, h0) as tf.Tensor3D;
      return { hs, h: lastStep(hs) };
    });
  }
  return fused;
}
