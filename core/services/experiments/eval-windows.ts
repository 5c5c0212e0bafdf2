// Evaluation settings the analyses share: batches and windows like the
// run's validation, with the scored positions capped so an analysis stays
// short next to training.
import type { PairedOptions } from '../../ml/experiments/paired-outputs.ts';
import type { TaskData } from '../../ml/tasks/task-types.ts';
import type { TrainConfig } from '../../ml/train/train-config.ts';

/** Upper bound on scored positions per analysis pass. */
export const ANALYSIS_MAX_SCORED = 8192;

export function evalOptions(train: TrainConfig, maxScored = Math.min(train.validTokens, ANALYSIS_MAX_SCORED)): PairedOptions {
  return { batchSize: Math.min(train.batchSize, 32), seqLen: train.seqLen, maxScored };
}

/**
 * Steps in one evaluation window: the training window for a streamed task
 * (text), the whole sequence for an episodic one.
 */
export function windowLength(data: TaskData, train: TrainConfig): number {
  if (data.stateful) return train.seqLen;
  const first = data.evalBatches('valid', { batchSize: 1, seqLen: train.seqLen, maxScored: 1, context: 0 })[Symbol.iterator]().next();
  if (first.done) throw new Error('data: the valid split is empty');
  return first.value.inputShape[1]!;
}

/** Least-squares λ in distance ≈ c·λᵏ (a line through log distance against k); null with fewer than 3 positive points. */
export function fitContraction(points: readonly { k: number; distance: number }[], floor = 0): number | null {
  // Distances at float32 round-off (the floor) no longer shrink with k and would flatten the fit.
  const usable = points.filter((p) => p.distance > floor && Number.isFinite(p.distance));
  if (usable.length < 3) return null;
  const n = usable.length;
  const mx = usable.reduce((a, p) => a + p.k, 0) / n;
  const my = usable.reduce((a, p) => a + Math.log(p.distance), 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of usable) {
    sxy += (p.k - mx) * (Math.log(p.distance) - my);
    sxx += (p.k - mx) ** 2;
  }
  return sxx > 0 ? Math.exp(sxy / sxx) : null;
}
