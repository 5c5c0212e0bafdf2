// Experiment 1, the analysis: how a trained recurrent model's predictions
// change when it may look only k steps back (Miller & Hardt's k-truncated
// model: restart from a zero state at t − k + 1). For a λ-contractive model
// the distance ‖y_t − yᵏ_t‖ shrinks like λᵏ: a straight line against k on a
// log scale.
import type { RecurrentSequenceModel } from '../models/recurrent-model.ts';
import type { TaskData } from '../tasks/task-types.ts';
import { truncatedForward } from '../models/truncated.ts';
import { comparePredictors, type PairedOptions } from './paired-outputs.ts';

export interface TruncationRow {
  /** Context k in steps; null for the full recurrent model. */
  k: number | null;
  /** Mean valid loss per scored position. */
  loss: number;
  /** Mean ‖y_t − yᵏ_t‖₂ over scored positions, on the raw outputs (0 for the full model). */
  distance: number;
}

export interface TruncationSweep {
  rows: TruncationRow[];
  /** Mean ‖y_t‖₂ of the full model: distances read against it. */
  outputNorm: number;
  scored: number;
}

/** 1, 2, 4, … up to `maxK` (and `maxK` itself when it is no power of two). */
export function defaultKs(maxK: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= maxK; k *= 2) ks.push(k);
  if (ks.at(-1) !== maxK && maxK >= 1) ks.push(maxK);
  return ks;
}

/**
 * Valid loss and output distance of the k-truncated model for each k, and the
 * full model's loss, over the same positions.
 * @param ks ascending context lengths (≥ 1)
 */
export async function truncationSweep(
  model: RecurrentSequenceModel,
  data: TaskData,
  ks: readonly number[],
  opts: PairedOptions,
): Promise<TruncationSweep> {
  const sorted = [...ks].sort((a, b) => a - b);
  const predictors = sorted.map((k) => ({
    context: k - 1,
    forward: (x: Parameters<typeof truncatedForward>[1]) => truncatedForward(model, x, k),
  }));
  const r = await comparePredictors(model, predictors, data, opts);
  return {
    rows: [
      ...sorted.map((k, i) => ({ k, loss: r.predictors[i]!.loss, distance: r.predictors[i]!.distance })),
      { k: null, loss: r.reference.loss, distance: 0 },
    ],
    outputNorm: r.reference.norm,
    scored: r.scored,
  };
}
