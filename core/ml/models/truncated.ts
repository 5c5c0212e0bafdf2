// Miller & Hardt's k-truncated version of a recurrent model: output t comes
// from the recurrence restarted at a zero state and run over inputs
// t−k+1 … t only (fewer near the start). For a λ-contractive model it is
// within O(λ^k) of the full model.
//
// Computed in two batched runs, not one position at a time:
// - positions t < k−1 have windows that begin at input 0, so they are the
//   plain run from zero over the first k−1 inputs;
// - positions t ≥ k−1 have full windows; all T−k+1 of them are stacked into
//   one batch [batch·(T−k+1), k, embed] and run from zero, keeping the last step.
// No window is zero-padded: a padded step would not leave the state at zero
// (the projected input of a zero vector is the bias), so padding would not be
// the same as starting later.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import type { SequenceInput } from '../ops/project-input.ts';
import type { RecurrentSequenceModel } from './recurrent-model.ts';
import type { ForwardOptions } from './sequence-model.ts';

/**
 * @param input [batch, time] int32 ids or [batch, time, inputFeatures]
 * @param k context length in steps, ≥ 1; k ≥ time gives the recurrent model's outputs
 * @returns logits [batch, time, vocabSize]
 */
export function truncatedForward(
  model: RecurrentSequenceModel,
  input: SequenceInput,
  k: number,
  options: ForwardOptions = { training: false },
): tf.Tensor3D {
  if (!Number.isInteger(k) || k < 1) throw new Error(`truncated: k must be a whole number ≥ 1, got ${k}`);
  return tidy(() => {
    const x = model.embed(input);
    const [batch, time, embed] = x.shape;
    const head = Math.min(k - 1, time);
    const parts: tf.Tensor3D[] = [];
    if (head > 0) {
      const first = head === time ? x : tf.slice(x, [0, 0, 0], [batch, head, embed]);
      parts.push(model.recur(first, model.initialState(batch), options).hs);
    }
    const n = time - head;
    if (n > 0) {
      // windows[b·n + i] = x[b, i … i+k−1], the window of position t = i + k − 1
      const taps = Array.from({ length: k }, (_, j) => tf.slice(x, [0, j, 0], [batch, n, embed]));
      const windows = tf.reshape(tf.stack(taps, 2), [batch * n, k, embed]) as tf.Tensor3D;
      const { hs } = model.recur(windows, model.initialState(batch * n), options);
      const hidden = hs.shape[2];
      parts.push(tf.reshape(tf.slice(hs, [0, k - 1, 0], [batch * n, 1, hidden]), [batch, n, hidden]) as tf.Tensor3D);
    }
    const hs = parts.length === 1 ? parts[0]! : (tf.concat(parts, 1) as tf.Tensor3D);
    return model.readout(hs, options);
  });
}
