// The k-truncated model's batch as one batch of its base recurrent model, so
// the base's whole native step trains it (native-truncated-step.ts). Output t
// of the truncated model is the base run from a zero state over inputs
// max(0, t−k+1) … t (core/ml/models/truncated.ts). Every window is a row of
// one batch of equal length L, scored where its output belongs:
// - when k ≥ T the truncation changes nothing: the rows are the batch's own;
// - else one "head" row per sequence holds inputs 0 … k−1 and scores its
//   first k−1 positions (their windows begin at input 0); its last step is
//   fed but unscored, which changes none of the earlier outputs (causal);
// - and one row per full window (t ≥ k−1) holds inputs t−k+1 … t and scores
//   only its last position.
// Each position of the batch is scored exactly once, with the batch's own
// mask weight, so the masked mean over the rows is the truncated model's loss.
// No window is padded: a padded step would not leave the state at zero.
// Pure: no IO, no TF.js.
import type { Batch } from '../../ml/tasks/task-types.ts';

/**
 * @param batch inputs [B, T] int32 or [B, T, F] float32; targets [B, T] int32 or [B, T, V] float32; mask [B, T] or null
 * @param k the truncation, ≥ 1
 * @returns a batch of R rows × L steps (L = min(k, T)): inputs [R, L] or [R, L, F], targets [R, L] or [R, L, V],
 *   mask [R, L] (null when k ≥ T and the batch has none)
 */
export function truncatedWindows(batch: Batch, k: number): Batch {
  const [B, T] = batch.inputShape as [number, number];
  if (!Number.isInteger(k) || k < 1) throw new Error(`truncated windows: k must be a whole number ≥ 1, got ${k}`);
  if (k >= T) return batch;
  const full = T - k + 1; // windows per sequence, for t = k−1 … T−1
  const heads = k > 1 ? B : 0;
  const R = heads + B * full;
  /** [row's sequence, its first input, whether it is a head] of every row, heads first. */
  const rows: [number, number, boolean][] = [];
  for (let b = 0; b < heads; b++) rows.push([b, 0, true]);
  for (let b = 0; b < B; b++) for (let i = 0; i < full; i++) rows.push([b, i, false]);

  const inWidth = batch.inputShape.length === 3 ? batch.inputShape[2]! : 1;
  const outWidth = batch.targetShape.length === 3 ? batch.targetShape[2]! : 1;
  const inputs = new (batch.inputs.constructor as Int32ArrayConstructor | Float32ArrayConstructor)(R * k * inWidth);
  const targets = new (batch.targets.constructor as Int32ArrayConstructor | Float32ArrayConstructor)(R * k * outWidth);
  const mask = new Float32Array(R * k);
  rows.forEach(([b, start, head], r) => {
    inputs.set(batch.inputs.subarray((b * T + start) * inWidth, (b * T + start + k) * inWidth), r * k * inWidth);
    targets.set(batch.targets.subarray((b * T + start) * outWidth, (b * T + start + k) * outWidth), r * k * outWidth);
    // A head scores steps 0 … k−2; a full window only step k−1.
    const [from, to] = head ? [0, k - 1] : [k - 1, k];
    for (let j = from; j < to; j++) mask[r * k + j] = batch.mask ? batch.mask[b * T + start + j]! : 1;
  });
  return {
    inputs,
    inputShape: batch.inputShape.length === 3 ? [R, k, inWidth] : [R, k],
    targets,
    targetShape: batch.targetShape.length === 3 ? [R, k, outWidth] : [R, k],
    mask,
    reset: true,
  };
}
