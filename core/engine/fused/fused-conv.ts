// Fused causal dilated convolution for the CPU backends: im2col, one product
// and the bias in one native call, and its whole backward pass in another;
// and the same with the rest of a convolution unit (activation, residual,
// weight norm) fused in. Same functions as core/ml/ops/causal-conv.ts and
// causal-conv-unit.ts (compared in test/engine).
import * as tf from '@tensorflow/tfjs';
import type { ConvActivation, ConvUnitOptions, ConvWeights } from '../../ml/ops/causal-conv-unit.ts';
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

const ACTIVATION_CODES: Record<ConvActivation, number> = { relu: 0, glu: 1, gatedTanh: 2 };
const NONE = new Float32Array(0);

/**
 * The convolution unit (core/ml/ops/causal-conv-unit.ts) in two native calls:
 * the forward product with the activation (and a TCN block's residual add) in
 * its epilogue, and a backward pass that turns dout into the pre-activation
 * gradient before the convolution's own. Weight norm is folded natively.
 */
export function fusedCausalConvUnit(native: NativeKernels) {
  return (x: tf.Tensor3D, weights: ConvWeights, bias: tf.Tensor1D, skip: tf.Tensor3D | null, options: ConvUnitOptions): tf.Tensor3D => {
    const { kernelSize, dilation, activation } = options;
    const [B, T, Cin] = x.shape;
    const normed = 'v' in weights;
    const w = normed ? weights.v : weights.kernel;
    const Cout = w.shape[1];
    if (w.shape[0] !== kernelSize * Cin)
      throw new Error(`causalConvUnit: kernel has ${w.shape[0]} rows, expected kernelSize·Cin = ${kernelSize * Cin}`);
    if (activation !== 'relu' && Cout % 2 !== 0)
      throw new Error(`causalConvUnit: ${activation} needs an even Cout (two halves), got ${Cout}`);
    if (skip && activation !== 'relu') throw new Error('causalConvUnit: a skip input goes with relu only');
    const width = activation === 'relu' ? Cout : Cout / 2;
    const code = ACTIVATION_CODES[activation];
    const inputs: tf.Tensor[] = [x, w, ...(normed ? [weights.g] : []), bias, ...(skip ? [skip] : [])];
    const op = customOp((tensors) => {
      const data = tensors.map(floats);
      const [xd, wd] = data as [Float32Array, Float32Array];
      const gd = normed ? data[2]! : NONE;
      const bd = data[normed ? 3 : 2]!;
      const sd = skip ? data[data.length - 1]! : NONE;
      const [out, z] = native.convUnitForward(B, T, Cin, Cout, kernelSize, dilation, code, xd, wd, gd, bd, sd);
      const gradFunc = (dy: tf.Tensor) => {
        const [dx, dw, dg, dbias, dskip] = native.convUnitBackward(
          B,
          T,
          Cin,
          Cout,
          kernelSize,
          dilation,
          code,
          xd,
          wd,
          gd,
          !!skip,
          z,
          out,
          floats(dy),
        );
        return [dx, dw, ...(normed ? [dg] : []), dbias, ...(skip ? [dskip] : [])];
      };
      return { value: tf.tensor3d(out, [B, T, width]), gradFunc };
    });
    return op(...inputs) as tf.Tensor3D;
  };
}
