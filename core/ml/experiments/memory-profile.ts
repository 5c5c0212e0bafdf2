// Experiment 4, the analysis: how far back the loss reaches. For the loss at
// position t, the norm of its gradient with respect to the input at t − j,
// for lags j = 0 … J, averaged over positions t and batch rows. Token inputs
// are fed as one-hot float vectors (projectInput maps them with the same input
// kernel), so the gradient with respect to the input exists; a feed-forward
// model's profile is exactly 0 beyond its receptive field.
import * as tf from '@tensorflow/tfjs';
import type { SequenceModel } from '../models/sequence-model.ts';
import type { Batch, OutputKind } from '../tasks/task-types.ts';
import { batchTensors } from '../tasks/batch-arrays.ts';
import { positionLoss } from '../train/task-loss.ts';

export interface LagProfileOptions {
  /** Largest lag J. */
  maxLag: number;
  /** Positions t the profile averages over (evenly spread over the eligible ones). */
  positions?: number;
  /** Batch rows used (the first ones). */
  rows?: number;
}

export interface LagProfile {
  /** norms[j] = mean over (row, t) of ‖∂ℓ_t/∂x_{t−j}‖₂, j = 0 … J. */
  norms: number[];
  /** Positions t averaged over. */
  positions: number[];
  /** (row, t) pairs averaged over: pairs whose position is not scored are skipped. */
  pairs: number;
}

/**
 * Gradient-lag profile of `model` on one batch. The model runs from a zero
 * state over the batch's window; eligible positions are the scored ones with
 * t ≥ J, so every lag up to J exists.
 * @param output how the task scores the model's outputs
 * @param inputWidth the model's input alphabet or feature width
 */
export async function gradientLagProfile(
  model: SequenceModel,
  batch: Batch,
  output: OutputKind,
  inputWidth: number,
  opts: LagProfileOptions,
): Promise<LagProfile> {
  const J = opts.maxLag;
  const [allRows, time] = batch.inputShape as [number, number];
  const rows = Math.min(opts.rows ?? 16, allRows);
  const scoredAt = (r: number, t: number) => (batch.mask ? batch.mask[r * time + t]! : 1);
  const eligible: number[] = [];
  for (let t = J; t < time; t++) if (Array.from({ length: rows }, (_, r) => scoredAt(r, t)).some((w) => w > 0)) eligible.push(t);
  if (eligible.length === 0)
    throw new Error(`maxLag: ${J} leaves no scored position t ≥ ${J} in windows of ${time} steps; use a smaller lag or longer windows`);
  const want = Math.min(opts.positions ?? 8, eligible.length);
  const positions = Array.from({ length: want }, (_, i) => eligible[Math.floor(((i + 0.5) * eligible.length) / want)]!);

  const t = batchTensors(batch);
  const x = tf.tidy(() => {
    const inputs = t.inputs.slice(0, rows) as tf.Tensor;
    // One-hot ids as floats: the same map as the token path, now differentiable.
    return (inputs.rank === 2 ? tf.oneHot(inputs as tf.Tensor2D, inputWidth).toFloat() : inputs) as tf.Tensor3D;
  });
  const targets = t.targets.slice(0, rows);
  const mask = t.mask ? t.mask.slice(0, rows) : null;
  tf.dispose([t.inputs, t.targets, ...(t.mask ? [t.mask] : [])]);

  const sums = new Float64Array(J + 1);
  let pairs = 0;
  try {
    for (const pos of positions) {
      const perRow = tf.tidy(() => {
        const lossAt = (input: tf.Tensor): tf.Scalar => {
          const state = model.recurrent ? model.initialState(rows) : null;
          const logits = model.forward(input as tf.Tensor3D, state, { training: false }).logits;
          const loss = positionLoss(output, logits, targets).slice([0, pos], [rows, 1]);
          return tf.sum(mask ? tf.mul(loss, mask.slice([0, pos], [rows, 1])) : loss) as tf.Scalar;
        };
        // Rows are independent, so the gradient of the summed loss gives every row's own gradient.
        const g = tf.grad(lossAt)(x);
        const norms = tf.norm(g, 'euclidean', -1); // [rows, time]
        return tf.reverse(norms.slice([0, pos - J], [rows, J + 1]), 1); // column j = lag j
      });
      const values = (await perRow.data()) as Float32Array;
      perRow.dispose();
      for (let r = 0; r < rows; r++) {
        if (scoredAt(r, pos) <= 0) continue;
        pairs++;
        for (let j = 0; j <= J; j++) sums[j] = sums[j]! + values[r * (J + 1) + j]!;
      }
    }
  } finally {
    tf.dispose([x, targets, ...(mask ? [mask] : [])]);
  }
  return { norms: Array.from(sums, (s) => (pairs > 0 ? s / pairs : 0)), positions, pairs };
}
