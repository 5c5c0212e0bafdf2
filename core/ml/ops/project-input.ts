// The input projection every model starts with. Token tasks (text, copy
// memory) feed int32 ids, which are projected as one-hot · W + b; feature
// tasks (adding problem, piano rolls, later audio features) feed float vectors,
// projected as x · W + b. Both are the same dense map, so a model holds one
// `input/kernel` [inputWidth, embed] whichever it reads.
import type * as tf from '@tensorflow/tfjs';
import { embedTokens, timeDistributedDense } from './embed-tokens.ts';

/** A model's input window: token ids [batch, time] (int32) or features [batch, time, width] (float32). */
export type SequenceInput = tf.Tensor2D | tf.Tensor3D;

/**
 * @param input [batch, time] int32 ids in [0, width) or [batch, time, width] float32
 * @param weight [width, embed]
 * @param bias [embed]
 * @returns [batch, time, embed]
 */
export function projectInput(input: SequenceInput, weight: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor3D {
  if (input.rank === 2) {
    if (input.dtype !== 'int32') throw new Error(`input: token ids must be int32, got ${input.dtype}`);
    return embedTokens(input as tf.Tensor2D, weight, bias);
  }
  if (input.shape[2] !== weight.shape[0])
    throw new Error(`input: feature width ${input.shape[2]} does not match the model's ${weight.shape[0]}`);
  return timeDistributedDense(input as tf.Tensor3D, weight, bias);
}
