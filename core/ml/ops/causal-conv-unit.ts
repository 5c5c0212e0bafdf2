// A causal dilated convolution together with the rest of its unit: the
// activation (ReLU, GCNN's GLU, WaveNet's tanh·σ gate), a TCN block's residual
// add, and weight normalisation of the kernel. One named kernel, so a backend
// can fuse them into the convolution's epilogue (the native CPU kernels do);
// the reference here is the stock ops the models used before.
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';
import { causalConv1d } from './causal-conv.ts';

/**
 * relu: max(z, 0); glu: z[..., :H] ⊙ σ(z[..., H:]) (Dauphin et al. 2017);
 * gatedTanh: tanh(z[..., :H]) ⊙ σ(z[..., H:]) (WaveNet). The gated ones halve the width.
 */
export type ConvActivation = 'relu' | 'glu' | 'gatedTanh';

/** A kernel [k·Cin, Cout]: plain, or weight-normalised w = v·g/‖v‖ per output column (g: [Cout]). */
export type ConvWeights = { kernel: tf.Tensor2D } | { v: tf.Tensor2D; g: tf.Tensor1D };

export interface ConvUnitOptions {
  kernelSize: number;
  dilation: number;
  activation: ConvActivation;
}

/** w = v·(g/‖v‖) per column (Salimans & Kingma 2016), in the order of operations the models always used. */
function weightNormKernel(v: tf.Tensor2D, g: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(v, tf.div(g, tf.norm(v, 'euclidean', 0))) as tf.Tensor2D);
}

/** The effective kernel of `weights`. */
function convKernel(weights: ConvWeights): tf.Tensor2D {
  return 'kernel' in weights ? weights.kernel : weightNormKernel(weights.v, weights.g);
}

/**
 * out = act(causalConv1d(x, w, bias)), and with `skip` (relu only) relu(out + skip): the tail of a TCN block.
 * @param x [batch, time, Cin]
 * @param weights kernel [k·Cin, Cout] (or v and g); for the gated units columns [0, H) are the
 *   linear/filter half and [H, 2H) the gate half
 * @param bias [Cout]
 * @param skip [batch, time, Cout] or null
 * @returns [batch, time, Cout] for relu, [batch, time, Cout/2] for the gated units
 */
function causalConvUnitReference(
  x: tf.Tensor3D,
  weights: ConvWeights,
  bias: tf.Tensor1D,
  skip: tf.Tensor3D | null,
  options: ConvUnitOptions,
): tf.Tensor3D {
  return tf.tidy(() => {
    const z = causalConv1d(x, convKernel(weights), bias, options.kernelSize, options.dilation);
    if (options.activation === 'relu') {
      const y = tf.relu(z);
      return skip ? tf.relu(tf.add(y, skip) as tf.Tensor3D) : y;
    }
    if (skip) throw new Error('causalConvUnit: a skip input goes with relu only');
    const [a, gate] = tf.split(z, 2, 2) as [tf.Tensor3D, tf.Tensor3D];
    return tf.mul(options.activation === 'glu' ? a : tf.tanh(a), tf.sigmoid(gate)) as tf.Tensor3D;
  });
}

export const causalConvUnit = defineKernel('causalConvUnit', causalConvUnitReference);
