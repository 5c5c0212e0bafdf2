// Next-token cross-entropy in nats. One-hot · log-softmax rather than a gather
// of the target's log-probability, for the same wasm reason as embed-tokens.
import * as tf from '@tensorflow/tfjs';

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
    const logProbs = tf.logSoftmax(kept);
    const picked = tf.sum(tf.mul(logProbs, tf.oneHot(keptTargets, vocab).toFloat()), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
