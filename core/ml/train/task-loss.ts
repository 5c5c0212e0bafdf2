// The loss of every task, read from what the model's output means
// (core/ml/tasks/task-types.ts OutputKind), averaged over scored positions.
import * as tf from '@tensorflow/tfjs';
import type { Batch, OutputKind } from '../tasks/task-types.ts';
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
        return tf.sum(tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))), -1) as tf.Tensor2D;
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

/** Batch arrays as tensors: inputs, targets and mask (null when every position counts). Caller disposes. */
export function batchTensors(batch: Batch): { inputs: tf.Tensor2D | tf.Tensor3D; targets: tf.Tensor; mask: tf.Tensor2D | null } {
  // Batch shapes are checked against the array lengths by the tensor constructors.
  const shape = (s: number[]) => s as [number, number, number];
  const inputs = tf.tensor(batch.inputs, shape(batch.inputShape), batch.inputs instanceof Int32Array ? 'int32' : 'float32') as tf.Tensor2D | tf.Tensor3D;
  const targets = tf.tensor(batch.targets, shape(batch.targetShape), batch.targets instanceof Int32Array ? 'int32' : 'float32');
  const mask = batch.mask ? (tf.tensor(batch.mask, batch.inputShape.slice(0, 2) as [number, number], 'float32') as tf.Tensor2D) : null;
  return { inputs, targets, mask };
}

/** Number of scored positions of a batch. */
export function scoredPositions(batch: Batch): number {
  if (!batch.mask) return batch.inputShape[0]! * batch.inputShape[1]!;
  let n = 0;
  for (const w of batch.mask) n += w;
  return n;
}

/**
 * Accuracy of a categorical output over the scored positions, computed on the
 * host (argmax of each row): how copy memory is read besides its loss.
 * @param logits [batch·time·classes] row-major
 */
export function categoricalAccuracy(logits: Float32Array, batch: Batch, positions: Float32Array | null = batch.mask): { correct: number; scored: number } {
  const classes = logits.length / batch.targets.length;
  let correct = 0;
  let scored = 0;
  for (let p = 0; p < batch.targets.length; p++) {
    const w = positions ? positions[p]! : 1;
    if (w === 0) continue;
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[p * classes + c]! > logits[p * classes + best]!) best = c;
    scored += w;
    if (best === batch.targets[p]) correct += w;
  }
  return { correct, scored };
}
