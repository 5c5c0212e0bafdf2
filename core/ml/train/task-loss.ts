// The loss of every task, read from what the model's output means
// (core/ml/tasks/task-types.ts OutputKind), averaged over scored positions.
import * as tf from '@tensorflow/tfjs';
import type { OutputKind } from '../tasks/task-types.ts';
import { crossEntropy } from './loss.ts';

/**
 * Per-position loss [batch, time]:
 * - categorical: −log softmax(logits)[target] (nats);
 * - bernoulli: Σ over units of sigmoid cross-entropy (nats per time step, as
 *   Bai et al. report polyphonic music);
 * - regression: mean over units of the squared error.
 * @param logits [batch, time, width]
 * @param targets [batch, time] int32 (categorical) or [batch, time, width] float32
 */
export function positionLoss(output: OutputKind, logits: tf.Tensor3D, targets: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => {
    switch (output) {
      case 'categorical': {
        const vocab = logits.shape[2];
        const oneHot = tf.oneHot(targets as tf.Tensor2D, vocab).toFloat();
        return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), -1)) as tf.Tensor2D;
      }
      case 'bernoulli':
        // max(z, 0) − z·y + log(1 + e^−|z|): the stable form of sigmoid cross-entropy.
        return tf.sum(
          tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))),
          -1,
        ) as tf.Tensor2D;
      case 'regression':
        return tf.mean(tf.square(tf.sub(logits, targets)), -1) as tf.Tensor2D;
    }
  });
}

/**
 * Mean loss over the scored positions.
 * @param mask [batch, time] weights, or null to score every position
 * @returns scalar
 */
export function taskLoss(output: OutputKind, logits: tf.Tensor3D, targets: tf.Tensor, mask: tf.Tensor2D | null): tf.Scalar {
  if (output === 'categorical' && !mask) return crossEntropy(logits, targets as tf.Tensor2D);
  return tf.tidy(() => {
    const perPosition = positionLoss(output, logits, targets);
    if (!mask) return tf.mean(perPosition) as tf.Scalar;
    return tf.div(tf.sum(tf.mul(perPosition, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
