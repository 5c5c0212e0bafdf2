// Data-dependent stability (Miller & Hardt, §4): a nominally unstable model may
// still be contractive on the data it sees. Measured as the spectral norm of
// the state Jacobian ∂s_t/∂s_{t−1} of the whole stacked cell (for an LSTM the
// state is (h, c) of every layer) along the real trajectory of an input from a
// zero state, averaged over steps and batch rows.
//
// Exact, no finite differences: the lab's rnn, gru and lstm have closed-form
// Jacobians (cell-jacobian.ts); any other recurrent model goes through
// reverse-mode autodiff with one replica of the batch per state unit (replica
// i's gradient of unit i is row i of J). The norm is Lanczos on JᵀJ.
// Cost per step with batch 8 on the CPU backend (busy 2-core machine): rnn
// H = 128 ≈ 40 ms, gru 128 ≈ 140 ms, lstm 2 × 128 ≈ 1 s (mostly the
// [batch, S, S] products composing the layers); autodiff took ~17 s per step
// for that LSTM (a forward and backward pass over batch × S rows), hence the
// closed forms. Keep probes to a few rows and steps.
import * as tf from '@tensorflow/tfjs';
import { isRecurrentModel, type RecurrentSequenceModel } from '../models/recurrent-model.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import type { SequenceInput } from '../ops/project-input.ts';
import { analyticStateJacobian } from './cell-jacobian.ts';
import { spectralNorm } from '../constraints/spectral.ts';

/** Rows (replicas × batch) per backward pass: bounds memory for wide states. */
const ROWS_PER_PASS = 4096;

/**
 * Mean over the first `maxSteps` steps and over the batch rows of ‖∂s_t/∂s_{t−1}‖₂.
 * @param input [batch, time] int32 ids or [batch, time, inputFeatures]
 * @returns null for feed-forward models
 */
export async function measureContraction(model: SequenceModel, input: SequenceInput, maxSteps = 32): Promise<number | null> {
  if (!isRecurrentModel(model)) return null;
  const [batch, time] = [input.shape[0], input.shape[1]];
  const steps = Math.min(time, maxSteps);
  if (steps < 1 || batch < 1) return null;
  const x = tf.tidy(() => model.embed(input));
  let state = model.initialState(batch);
  let sum = 0;
  try {
    for (let t = 0; t < steps; t++) {
      const xt = tf.tidy(() => tf.slice(x, [0, t, 0], [batch, 1, x.shape[2]]));
      try {
        const jacobian = analyticStateJacobian(model, xt, state) ?? stateJacobian(model, xt, state);
        try {
          for (const n of await spectralNorms(jacobian)) sum += n;
        } finally {
          jacobian.dispose();
        }
        const next = tf.tidy(() => model.recur(xt, state, { training: false }).state);
        tf.dispose(state);
        state = next;
      } finally {
        xt.dispose();
      }
    }
  } finally {
    tf.dispose([x, ...state]);
  }
  return sum / (steps * batch);
}

/**
 * ∂s_t/∂s_{t−1} of one step for every batch row, s the concatenated state, by
 * autodiff: works for any recurrent model (and checks the closed forms).
 * @param xt [batch, 1, embed] @param state layout of initialState()
 * @returns [batch, S, S] with J[b, i, j] = ∂s_t[b, i] / ∂s_{t−1}[b, j]
 */
export function stateJacobian(model: RecurrentSequenceModel, xt: tf.Tensor3D, state: tf.Tensor2D[]): tf.Tensor3D {
  return tf.tidy(() => {
    const batch = xt.shape[0];
    const sizes = state.map((s) => s.shape[1]);
    const width = sizes.reduce((a, b) => a + b, 0);
    const flat = tf.concat(state, 1);
    const chunk = Math.max(1, Math.min(width, Math.floor(ROWS_PER_PASS / batch)));
    const blocks: tf.Tensor3D[] = [];
    for (let from = 0; from < width; from += chunk) {
      const units = Math.min(chunk, width - from);
      // Replica r (rows r·batch … r·batch + batch − 1) differentiates unit from + r.
      const replicas = tf.tile(flat, [units, 1]);
      const xs = tf.tile(xt, [units, 1, 1]);
      const picks = tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: units * batch }, (_, row) => from + Math.floor(row / batch)),
            'int32',
          ),
          width,
        )
        .toFloat();
      const grad = tf.grad((s: tf.Tensor) => {
        const next = model.recur(xs, splitState(s as tf.Tensor2D, sizes), { training: false }).state;
        return tf.sum(tf.mul(tf.concat(next, 1), picks));
      })(replicas);
      blocks.push(tf.reshape(grad, [units, batch, width]));
    }
    const rows = blocks.length === 1 ? blocks[0]! : tf.concat(blocks, 0); // [S, batch, S]
    return tf.transpose(rows, [1, 0, 2]) as tf.Tensor3D;
  });
}

/**
 * The concatenated state cut back into its tensors. Slices, not tf.split:
 * TF.js 4.22's gradient of a split into one piece fails (it receives a bare
 * tensor where it expects an array), and a one-layer rnn has one piece.
 * @param s [rows, S] @param sizes widths of the state tensors
 */
function splitState(s: tf.Tensor2D, sizes: number[]): tf.Tensor2D[] {
  let from = 0;
  return sizes.map((width) => {
    const part = tf.slice(s, [0, from], [-1, width]);
    from += width;
    return part;
  });
}

/** Spectral norm of each matrix of a batch (Lanczos, spectral.ts). @param j [batch, S, S] @returns batch values */
async function spectralNorms(j: tf.Tensor3D): Promise<Float64Array> {
  const [batch, rows, cols] = j.shape;
  const values = (await j.data()) as Float32Array;
  // 1e-7: a read-out, and Lanczos' estimate is settled far below its last change.
  return Float64Array.from({ length: batch }, (_, b) => spectralNorm(values, rows, cols, b * rows * cols, 1e-7));
}
