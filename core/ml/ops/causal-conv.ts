// Causal dilated 1-D convolution, built as left-pad + shifted slices + one matMul
// (im2col). Why not tf.conv1d: TF.js 4.22 has no gradient for dilation > 1
// ("dilation rates greater than 1 are not yet supported in gradients"), and
// tf.layers.conv1d({padding: 'causal'}) returns the wrong length when dilated.
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';

/**
 * y[b, t, o] = bias[o] + sum_{j<k, c} x[b, t - (k-1-j)·d, c] · w[j·Cin + c, o], with x = 0 before t = 0.
 * @param x [batch, time, Cin]
 * @param w [kernelSize·Cin, Cout] — tap j (oldest first) occupies rows j·Cin..(j+1)·Cin-1
 * @param bias [Cout]
 * @returns [batch, time, Cout]; output t depends only on inputs t-(k-1)·d .. t.
 */
function causalConv1dReference(
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  bias: tf.Tensor1D,
  kernelSize: number,
  dilation: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, time, cin] = x.shape;
    const pad = (kernelSize - 1) * dilation;
    const padded = pad > 0 ? tf.pad(x, [[0, 0], [pad, 0], [0, 0]]) : x;
    const taps: tf.Tensor3D[] = [];
    for (let j = 0; j < kernelSize; j++) taps.push(tf.slice(padded, [0, j * dilation, 0], [batch, time, cin]));
    const cols = taps.length === 1 ? taps[0]! : tf.concat(taps, 2);
    const y = tf.matMul(tf.reshape(cols, [batch * time, kernelSize * cin]), w);
    return tf.reshape(tf.add(y, bias), [batch, time, w.shape[1]]);
  });
}

export const causalConv1d = defineKernel('causalConv1d', causalConv1dReference);

/** Receptive field, in steps, of `convs` stacked causal convolutions with the given dilations. */
export function stackedReceptiveField(kernelSize: number, dilations: number[]): number {
  return 1 + dilations.reduce((sum, d) => sum + (kernelSize - 1) * d, 0);
}
