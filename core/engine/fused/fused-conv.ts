// Fused causal dilated convolution for the CPU backends: im2col, one product
// and the bias in one native call, and its whole backward pass in another.
// Same function as core/ml/ops/causal-conv.ts (compared in test/engine).
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from './native-binding.ts';
import { customOp, floats } from './tensor-data.ts';

export function fusedCausalConv1d(native: NativeKernels) {
  return (x: tf.Tensor3D, w: tf.Tensor2D, bias: tf.Tensor1D, kernelSize: number, dilation: number): tf.Tensor3D => {
    const [B, T, Cin] = x.shape;
    const Cout = w.shape[1];
    if (w.shape[0] !== kernelSize * Cin)
      throw new Error(`causalConv1d: kernel has ${w.shape[0]} rows, expected kernelSize·Cin = ${kernelSize * Cin}`);
    const op = customOp((inputs) => {
      const [xd, wd, bd] = inputs.map(floats) as [Float32Array, Float32Array, Float32Array];
      const [y] = native.convForward(B, T, Cin, Cout, kernelSize, dilation, xd, wd, bd);
      const gradFunc = (dy: tf.Tensor) => native.convBackward(B, T, Cin, Cout, kernelSize, dilation, xd, wd, floats(dy));
      return { value: tf.tensor3d(y, [B, T, Cout]), gradFunc };
    });
    return op(x, w, bias) as tf.Tensor3D;
  };
}
