// Scores several predictors on the same valid positions as a reference model
// and measures how far their outputs are from the reference's: the common
// core of the truncation sweep and of "truncated vs recurrent".
//
// The split is walked window by window, as the evaluator does. A recurrent
// reference carries its state across the windows of a streamed task (text)
// and restarts where a batch says `reset`; every other predictor is
// feed-forward with a left context c, and gets the last c inputs of the
// previous window of the same stream prepended (none after a reset, so near
// a stream's start it sees what the reference saw). So at every scored
// position all predictors see the same history, cut to their context.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import type { SequenceInput } from '../ops/project-input.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import type { TaskData } from '../tasks/task-types.ts';
import { batchTensors, scoredPositions } from '../tasks/batch-arrays.ts';
import { positionLoss } from '../train/task-loss.ts';

export interface Predictor {
  /** Steps of left context it needs (receptive field − 1); at most the window length is supplied. */
  context: number;
  /**
   * Outputs for an input window; output t may depend on inputs ≤ t only.
   * @param input [batch, time] int32 ids or [batch, time, features]
   * @returns [batch, time, width] (caller disposes)
   */
  forward(input: SequenceInput): tf.Tensor3D;
}

export interface PairedOptions {
  batchSize: number;
  /** Window length for streamed tasks (episodic tasks use whole sequences). */
  seqLen: number;
  /** Stop after about this many scored positions. */
  maxScored: number;
}

export interface PredictorScore {
  /** Mean loss per scored position (as the task scores it). */
  loss: number;
  /**
   * Mean over scored positions of ‖y_t − yᵖ_t‖₂, the Euclidean norm over the
   * output vector of the raw outputs (logits for classes and Bernoulli units,
   * values for regression) — the y_t = f(h_t) of Miller & Hardt, f linear.
   */
  distance: number;
}

export interface PairedResult {
  reference: { loss: number; /** Mean ‖y_t‖₂, to read distances against. */ norm: number };
  predictors: PredictorScore[];
  /** Positions scored (sum of mask weights). */
  scored: number;
}

/** Evaluates `reference` and `predictors` on the valid split over the same positions. */
export async function comparePredictors(
  reference: SequenceModel,
  predictors: readonly Predictor[],
  data: TaskData,
  opts: PairedOptions,
): Promise<PairedResult> {
  const refAsPredictor: Predictor | null = reference.recurrent
    ? null
    : { context: reference.receptiveField() - 1, forward: (x) => reference.forward(x, null, { training: false }).logits };
  let state: ModelState = null;
  let prev: SequenceInput | null = null;
  const sums = new Float64Array(2 + 2 * predictors.length);
  let scored = 0;
  const release = () => {
    state?.forEach((t) => t.dispose());
    prev?.dispose();
  };
  try {
    for (const batch of data.evalBatches('valid', { ...opts, context: 0 })) {
      const rows = batch.inputShape[0]!;
      const fresh = batch.reset || !data.stateful;
      if (fresh) {
        prev?.dispose();
        prev = null;
      }
      if (reference.recurrent && (fresh || !state)) {
        state?.forEach((t) => t.dispose());
        state = reference.initialState(rows);
      }
      const t = batchTensors(batch);
      const before: SequenceInput | null = prev;
      const out = tidy(() => {
        const weights = t.mask ?? tf.ones([rows, batch.inputShape[1]!]);
        const ref = refAsPredictor
          ? { logits: runWithContext(refAsPredictor, t.inputs, before), state: null }
          : reference.forward(t.inputs, state, { training: false });
        const y = ref.logits;
        const score = (logits: tf.Tensor3D) => tf.sum(tf.mul(positionLoss(data.output, logits, t.targets), weights)) as tf.Scalar;
        const parts: tf.Scalar[] = [score(y), tf.sum(tf.mul(tf.norm(y, 'euclidean', -1), weights)) as tf.Scalar];
        for (const p of predictors) {
          const yp = runWithContext(p, t.inputs, before);
          parts.push(score(yp), tf.sum(tf.mul(tf.norm(tf.sub(y, yp), 'euclidean', -1), weights)) as tf.Scalar);
        }
        return { values: tf.stack(parts), next: ref.state ? ref.state.map((s) => tf.keep(s)) : null };
      });
      const values = (await out.values.data()) as Float32Array;
      out.values.dispose();
      for (let i = 0; i < sums.length; i++) sums[i] = sums[i]! + values[i]!;
      scored += scoredPositions(batch);
      tf.dispose([t.targets, ...(t.mask ? [t.mask] : [])]);
      state?.forEach((s) => s.dispose());
      state = out.next;
      prev?.dispose();
      prev = t.inputs;
    }
  } finally {
    release();
  }
  if (scored === 0) throw new Error('data: the valid split has no positions to score');
  return {
    reference: { loss: sums[0]! / scored, norm: sums[1]! / scored },
    predictors: predictors.map((_, i) => ({ loss: sums[2 + 2 * i]! / scored, distance: sums[3 + 2 * i]! / scored })),
    scored,
  };
}

/** Runs a feed-forward predictor on `input` with up to `p.context` steps of `before` prepended; returns the outputs of `input`'s positions. */
function runWithContext(p: Predictor, input: SequenceInput, before: SequenceInput | null): tf.Tensor3D {
  const c = before ? Math.min(p.context, before.shape[1]) : 0;
  if (c === 0) return p.forward(input);
  const tail =
    before!.rank === 2
      ? tf.slice(before!, [0, before!.shape[1] - c], [-1, c])
      : tf.slice(before!, [0, before!.shape[1] - c, 0], [-1, c, -1]);
  const y = p.forward(tf.concat([tail, input], 1) as SequenceInput);
  return tf.slice(y, [0, c, 0], [-1, -1, -1]);
}
