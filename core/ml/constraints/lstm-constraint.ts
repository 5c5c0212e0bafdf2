// Miller & Hardt's stable LSTM, as their code does it (millerjohnp/TCN,
// TCN/poly_music/model.py, `stabilize()`, called after every optimiser step):
// each gate's recurrent block is *rescaled to* (not clipped at) a fixed ℓ1
// norm per input unit — weight * c / sum(|weight|, dim 0) on PyTorch's
// [4H out, H in] weight_hh, i.e. per row of one gate's columns in our
// [in, 4H] layout — and the forget gate's input block to 0.25. Their model has
// one layer; here every layer gets the same treatment. Their init also fills
// the forget slice of both PyTorch biases (bias_ih, bias_hh) with 10, an
// effective 20; ours has one bias and starts it at 10 (σ(10) ≈ 1 − 5e-5).
import * as tf from '@tensorflow/tfjs';

/** ℓ1 norm per input unit of each gate's recurrent block, gate order i, f, c, o. */
export const STABLE_RECURRENT_NORMS = [0.395, 0.155, 0.099, 0.395] as const;
/** ℓ1 norm per input unit of the forget gate's input block. */
export const STABLE_FORGET_INPUT_NORM = 0.25;
/** Initial forget-gate bias of a stabilised LSTM. */
export const STABLE_FORGET_BIAS = 10;

/**
 * Rescales, for every row j and every gate g with a target, the row's slice of
 * that gate's columns to ℓ1 norm target[g]. Rows of a gate that are all zero
 * stay zero (the authors' code would divide by zero there).
 * @param kernel [rows, 4·hidden], gates i, f, c, o in column blocks
 * @param targets per gate: the ℓ1 norm, or null to leave the gate alone
 */
function rescaleGateRows(kernel: tf.Variable, hidden: number, targets: readonly (number | null)[]): void {
  tf.tidy(() => {
    const rows = kernel.shape[0]!;
    const w = tf.reshape(kernel, [rows, 4, hidden]);
    const l1 = tf.sum(tf.abs(w), 2, true); // [rows, 4, 1]
    const target = tf.tensor3d(
      targets.map((t) => t ?? 0),
      [1, 4, 1],
    );
    const active = tf.tensor3d(
      targets.map((t) => (t === null ? 0 : 1)),
      [1, 4, 1],
    );
    const rescale = tf.logicalAnd(tf.greater(l1, 0), tf.greater(active, 0));
    const scale = tf.where(rescale, tf.div(target, tf.maximum(l1, 1e-30)), tf.onesLike(l1));
    kernel.assign(tf.reshape(tf.mul(w, scale), kernel.shape));
  });
}

/** The constraint for one layer. @param kernel [in, 4h] @param recurrentKernel [h, 4h] */
export function stabilizeLstmLayer(kernel: tf.Variable, recurrentKernel: tf.Variable, hidden: number): void {
  rescaleGateRows(recurrentKernel, hidden, STABLE_RECURRENT_NORMS);
  rescaleGateRows(kernel, hidden, [null, STABLE_FORGET_INPUT_NORM, null, null]);
}

/** Largest ℓ1 norm per input unit (row) over one gate's column block. @param w [rows, 4·hidden] */
function gateNorm(w: Float32Array, rows: number, hidden: number, gate: number): number {
  let best = 0;
  for (let j = 0; j < rows; j++) {
    let s = 0;
    const base = j * 4 * hidden + gate * hidden;
    for (let i = 0; i < hidden; i++) s += Math.abs(w[base + i]!);
    best = Math.max(best, s);
  }
  return best;
}

/**
 * A contraction factor of one LSTM layer's step in its state (c, h), from
 * the norms the constraint controls (a_g: recurrent block of gate g, b_f:
 * forget input block, each the largest ℓ1 norm per input unit). With
 * |h|, |x| ≤ 1 and biases left out (the constraint does not touch them):
 * forget gate f ≤ f̄ = σ(a_f + b_f), |c| ≤ c̄ = 1/(1 − f̄), and
 * ‖Δ(c_t, h_t)‖ ≤ (f̄ + c̄·a_f/4 + a_i/4 + a_c + a_o/4)·‖Δ(c, h)‖
 * (σ' ≤ 1/4, tanh' ≤ 1). At the authors' norms it is 0.993 < 1, which is
 * presumably how they were chosen. Derived here along the lines of the
 * paper's sufficient condition, not copied from it, and it is a read-out to
 * compare runs, NOT a proof of contraction: it leaves out the biases (the
 * stable LSTM starts its forget bias at 10, which would push f̄ to ≈ 1 and c̄
 * far above 1), and bounding the gates' pre-activations strictly would need
 * the per-output row sums, not these per-input column sums.
 * @param kernel [in, 4h] @param recurrentKernel [h, 4h]
 */
export function lstmLayerBound(kernel: Float32Array, recurrentKernel: Float32Array, inSize: number, hidden: number): number {
  const [ai, af, ac, ao] = [0, 1, 2, 3].map((g) => gateNorm(recurrentKernel, hidden, hidden, g)) as [number, number, number, number];
  const bf = gateNorm(kernel, inSize, hidden, 1);
  const fBar = 1 / (1 + Math.exp(-(af + bf)));
  const cBar = 1 / (1 - fBar);
  return fBar + (cBar * af) / 4 + ai / 4 + ac + ao / 4;
}
