// Next-token cross-entropy in nats. One-hot · log-softmax rather than a gather
// of the target's log-probability, for the same wasm reason as embed-tokens.
import * as tf from '@tensorflow/tfjs';
import { defineKernel } from '../engine/kernel-registry.ts';

/**
 * Mean of −log softmax(logits)[target] over every position.
 * @param logits [batch, time, vocab] @param targets [batch, time] int32 in [0, vocab) @returns scalar
 */
function meanCrossEntropyReference(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[2];
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, vocab).toFloat()), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

// A kernel: on the CPU backends log-softmax, its one-hot product and their
// gradients were a tenth of a small model's training step.
export const meanCrossEntropy = defineKernel('meanCrossEntropy', meanCrossEntropyReference);

/**
 * Mean negative log-likelihood (nats per token).
 * @param logits [batch, time, vocab]
 * @param targets [batch, time] int32
 * @param fromStep only positions t ≥ fromStep count (context positions are skipped)
 * @returns scalar
 */
export function crossEntropy(logits: tf.Tensor3D, targets: tf.Tensor2D, fromStep = 0): tf.Scalar {
  return tf.tidy(() => {
    const [batch, time, vocab] = logits.shape;
    const kept = fromStep > 0 ? tf.slice(logits, [0, fromStep, 0], [batch, time - fromStep, vocab]) : logits;
    const keptTargets = fromStep > 0 ? tf.slice(targets, [0, fromStep], [batch, time - fromStep]) : targets;
    return meanCrossEntropy(kept as tf.Tensor3D, keptTargets as tf.Tensor2D);
  });
}
