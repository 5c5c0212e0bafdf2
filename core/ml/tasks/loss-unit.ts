// How a task's loss reads, from what its outputs mean: the one rule behind
// the CLI's loss column, the app's axis labels and the experiments' tables.
import type { OutputKind } from './task-types.ts';

export type LossUnit = 'nats' | 'nats per step' | 'MSE';

/** categorical: nats per symbol; bernoulli: nats per time step (summed over units); regression: MSE. */
export function lossUnitFor(output: OutputKind): LossUnit {
  return output === 'regression' ? 'MSE' : output === 'bernoulli' ? 'nats per step' : 'nats';
}
