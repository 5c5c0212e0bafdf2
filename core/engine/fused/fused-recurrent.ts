// Fused LSTM / GRU / RNN sequence kernels for the CPU backends: the whole
// window, forward and backward, in one native call each (no per-time-step
// JavaScript, no per-step TF.js kernels), wrapped with tf.customGrad so
// autodiff sees one op. Same functions as the references in core/ml/ops;
// test/engine compares outputs and gradients.
//
// The last hidden state is a slice of hs, so its gradient reaches the op
// through hs. tf.customGrad ops have exactly one output tensor, so the LSTM
// returns its states and its last cell state packed end to end in one flat
// tensor [batch·time·hidden + batch·hidden], and the wrapper cuts the two
// contiguous parts out with flatPart (not tf.slice: see flatPart, issue 13).
import * as tf from '@tensorflow/tfjs';
import { referenceKernel } from '../../ml/engine/kernel-registry.ts';
import type { GruSequenceResult } from '../../ml/ops/gru-sequence.ts';
import type { LstmSequenceResult } from '../../ml/ops/lstm-sequence.ts';
import type { RnnSequenceResult } from '../../ml/ops/rnn-sequence.ts';
import type { NativeKernels } from './native-binding.ts';
import { customOp, flatPart, floats } from './tensor-data.ts';

type Dims = [batch: number, time: number, input: number, hidden: number];

/** The last step of [batch, time, hidden] as [batch, hidden] (its gradient flows into hs). */
function lastStep(hs: tf.Tensor3D): tf.Tensor2D {
  const [batch, time, hidden] = hs.shape;
  return tf.reshape(tf.slice(hs, [0, time - 1, 0], [batch, 1, hidden]), [batch, hidden]);
}

/** [batch, time, input, hidden] of a sequence op's x and recurrent kernel. */
function dimsOf(x: tf.Tensor3D, recurrentKernel: tf.Tensor2D): Dims {
  return [x.shape[0], x.shape[1], x.shape[2], recurrentKernel.shape[0]];
}

/**
 * GRU and RNN: one state, the op's value is hs. `pass` runs the native
 * forward on the inputs' values and returns hs with the backward pass for dhs.
 */
function singleStateSequence(
  inputs: [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor, tf.Tensor2D],
  pass: (dims: Dims, values: Float32Array[]) => { hs: Float32Array; backward: (dhs: Float32Array) => Float32Array[] },
): { hs: tf.Tensor3D; h: tf.Tensor2D } {
  const dims = dimsOf(inputs[0], inputs[2]);
  const [B, T, , H] = dims;
  const op = customOp((args) => {
    const { hs, backward } = pass(dims, args.map(floats));
    return { value: tf.tensor3d(hs, [B, T, H]), gradFunc: (dy) => backward(floats(dy)) };
  });
  return tf.tidy(() => {
    const hs = op(...inputs) as tf.Tensor3D;
    return { hs, h: lastStep(hs) };
  });
}

export function fusedLstmSequence(native: NativeKernels) {
  function fused(
    x: tf.Tensor3D,
    kernel: tf.Tensor2D,
    recurrentKernel: tf.Tensor2D,
    bias: tf.Tensor1D,
    h0: tf.Tensor2D,
    c0: tf.Tensor2D,
  ): LstmSequenceResult {
    const [B, T, I, H] = dimsOf(x, recurrentKernel);
    if (T === 0) return (referenceKernel('lstmSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0, c0);
    const hsSize = B * T * H;
    const op = customOp((args) => {
      const [xd, Wd, Ud, bd, h0d, c0d] = args.map(floats) as [
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
        Float32Array,
      ];
      const [hs, cT, gates, cs] = native.lstmForward(B, T, I, H, xd, Wd, Ud, bd, h0d, c0d);
      // Packed [hs (B·T·H) | cT (B·H)], flat.
      const packed = new Float32Array(hsSize + B * H);
      packed.set(hs);
      packed.set(cT, hsSize);
      const gradFunc = (dy: tf.Tensor) => {
        const dyd = floats(dy);
        return native.lstmBackward(B, T, I, H, xd, Wd, Ud, h0d, c0d, gates, cs, hs, dyd.subarray(0, hsSize), dyd.subarray(hsSize));
      };
      return { value: tf.tensor1d(packed), gradFunc };
    });
    return tf.tidy(() => {
      const packed = op(x, kernel, recurrentKernel, bias, h0, c0) as tf.Tensor1D;
      const hs = flatPart(packed, 0, [B, T, H]) as tf.Tensor3D;
      const c = flatPart(packed, hsSize, [B, H]) as tf.Tensor2D;
      return { hs, h: lastStep(hs), c };
    });
  }
  return fused;
}

export function fusedGruSequence(native: NativeKernels) {
  function fused(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor2D, h0: tf.Tensor2D): GruSequenceResult {
    if (x.shape[1] === 0) return (referenceKernel('gruSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0);
    return singleStateSequence([x, kernel, recurrentKernel, bias, h0], ([B, T, I, H], [xd, Wd, Ud, bd, h0d]) => {
      const [hs, cache] = native.gruForward(B, T, I, H, xd!, Wd!, Ud!, bd!, h0d!);
      return { hs, backward: (dhs) => native.gruBackward(B, T, I, H, xd!, Wd!, Ud!, h0d!, hs, cache, dhs) };
    });
  }
  return fused;
}

export function fusedRnnSequence(native: NativeKernels) {
  function fused(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, h0: tf.Tensor2D): RnnSequenceResult {
    if (x.shape[1] === 0) return (referenceKernel('rnnSequence') as typeof fused)(x, kernel, recurrentKernel, bias, h0);
    return singleStateSequence([x, kernel, recurrentKernel, bias, h0], ([B, T, I, H], [xd, Wd, Ud, bd, h0d]) => {
      const [hs] = native.rnnForward(B, T, I, H, xd!, Wd!, Ud!, bd!, h0d!);
      return { hs, backward: (dhs) => native.rnnBackward(B, T, I, H, xd!, Wd!, Ud!, h0d!, hs, dhs) };
    });
  }
  return fused;
}
