// Reading a task's Batch: its arrays as tensors, how many positions it
// scores, and a categorical accuracy computed on the host. Below the trainer,
// so tasks, stability read-outs and experiments use them without reaching up.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './task-types.ts';

/** Batch arrays as tensors: inputs, targets and mask (null when every position counts). Caller disposes. */
export function batchTensors(batch: Batch): { inputs: tf.Tensor2D | tf.Tensor3D; targets: tf.Tensor; mask: tf.Tensor2D | null } {
  // Batch shapes are checked against the array lengths by the tensor constructors.
  const shape = (s: number[]) => s as [number, number, number];
  const inputs = tf.tensor(batch.inputs, shape(batch.inputShape), batch.inputs instanceof Int32Array ? 'int32' : 'float32') as
    tf.Tensor2D | tf.Tensor3D;
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
export function categoricalAccuracy(
  logits: Float32Array,
  batch: Batch,
  positions: Float32Array | null = batch.mask,
): { correct: number; scored: number } {
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
