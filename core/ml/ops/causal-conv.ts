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
function causalConv1dReference(x: tf.Tensor3D, w: tf.Tensor2D, bias: tf.Tensor1D, kernelSize: number, dilation: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, time, cin] = x.shape;
    const cout = w.shape[1];
    const pad = (kernelSize - 1) * dilation;
    // Time-major inside: each tap is then a contiguous slice (and its gradient
    // a contiguous pad), and taps are summed after one matMul each instead of
    // concatenated on the channel axis, whose gradient is a strided split.
    const xt = tf.transpose(x, [1, 0, 2]); // [time, batch, Cin]
    const padded =
      pad > 0
        ? tf.pad(xt, [
            [pad, 0],
            [0, 0],
            [0, 0],
          ])
        : xt;
    let y: tf.Tensor2D | undefined;
    for (let j = 0; j < kernelSize; j++) {
      const tap = tf.reshape(tf.slice(padded, [j * dilation, 0, 0], [time, batch, cin]), [time * batch, cin]) as tf.Tensor2D;
      const wj = tf.slice(w, [j * cin, 0], [cin, cout]);
      const part = tf.matMul(tap, wj) as tf.Tensor2D;
      y = y ? (tf.add(y, part) as tf.Tensor2D) : part;
    }
    return tf.transpose(tf.reshape(tf.add(y!, bias), [time, batch, cout]), [1, 0, 2]) as tf.Tensor3D;
  });
}

export const causalConv1d = defineKernel('causalConv1d', causalConv1dReference);

/** Receptive field, in steps, of `convs` stacked causal convolutions with the given dilations. */
export function stackedReceptiveField(kernelSize: number, dilations: number[]): number {
  return 1 + dilations.reduce((sum, d) => sum + (kernelSize - 1) * d, 0);
}
