// The size class of a training workload: which backend is fastest depends on
// the model kind (a recurrence is a chain of small steps, a convolution one
// large product) and on how much work each step holds, so `auto` measures
// once per class, not per run. Classes round the width up to a power of two
// and the positions per step (batch × time) up to a power of four: runs that
// differ by less than that train at similar ratios between backends.
import type { ModelConfig } from '../../ml/models/model-config.ts';

export interface WorkloadClass {
  /** Model kind; the truncated model names its base, e.g. "truncated-lstm". */
  kind: string;
  /** The widest layer, rounded up to a power of two (at least 16). */
  width: number;
  /** batch × time of one training batch, rounded up to a power of four (at least 256). */
  positions: number;
}

/** The widest layer of a model: hidden size, or the widest of WaveNet's channel widths. */
export function modelWidth(model: ModelConfig): number {
  switch (model.kind) {
    case 'wavenet':
      return Math.max(model.residualChannels, model.dilationChannels, model.skipChannels);
    case 'truncated':
      return model.base.hiddenSize;
    default:
      return model.hiddenSize;
  }
}

function roundUpToPower(value: number, base: number, min: number): number {
  let p = min;
  while (p < value) p *= base;
  return p;
}

/** The class of a model trained on batches of `inputShape` ([batch, time] or [batch, time, features]). */
export function workloadClass(model: ModelConfig, inputShape: readonly number[]): WorkloadClass {
  const kind = model.kind === 'truncated' ? `truncated-${model.base.kind}` : model.kind;
  const positions = (inputShape[0] ?? 1) * (inputShape[1] ?? 1);
  return { kind, width: roundUpToPower(modelWidth(model), 2, 16), positions: roundUpToPower(positions, 4, 256) };
}

/** The class as a cache key and a label, e.g. "lstm h≤128 b×t≤4096". */
export function classKey(c: WorkloadClass): string {
  return `${c.kind} h≤${c.width} b×t≤${c.positions}`;
}
