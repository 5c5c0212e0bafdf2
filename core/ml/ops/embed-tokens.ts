// Token ids -> vectors. Done as one-hot · W + b rather than tf.gather because
// the gradient of gather (UnsortedSegmentSum) is missing on the wasm backend;
// a backend that has it can register a gather-based kernel under this name.
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';

/**
 * @param tokens [batch, time] int32 ids in [0, vocab)
 * @param weight [vocab, embed]
 * @param bias [embed]
 * @returns [batch, time, embed]
 */
function embedTokensReference(tokens: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, time] = tokens.shape;
    const [vocab, embed] = weight.shape;
    const oneHot = tf.oneHot(tf.reshape(tokens, [batch * time]), vocab).toFloat() as tf.Tensor2D;
    return tf.reshape(tf.add(tf.matMul(oneHot, weight), bias), [batch, time, embed]);
  });
}

export const embedTokens = defineKernel('embedTokens', embedTokensReference);

/**
 * Applies a dense layer to every time step.
 * @param x [batch, time, in] @param weight [in, out] @param bias [out] @returns [batch, time, out]
 */
function timeDistributedDenseReference(x: tf.Tensor3D, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, time, inSize] = x.shape;
    const y = tf.add(tf.matMul(tf.reshape(x, [batch * time, inSize]), weight), bias);
    return tf.reshape(y, [batch, time, weight.shape[1]]);
  });
}

// A kernel, because the stock gradient (two transposed matMuls) is the slow
// path of the wasm backend: ~10× a plain product of the same size.
export const timeDistributedDense = defineKernel('timeDistributedDense', timeDistributedDenseReference);
