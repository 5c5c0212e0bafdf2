// Where each trial of a sweep stands now: the stored state, overridden for a
// Slurm sweep by what the scheduler says (squeue) and the bundles present
// (core/services/sweep-bundles/slurm-progress.ts).
import type { TrialState } from '../../ml/sweeps/sweep-states.ts';
import { slurmTrialStates } from '../../services/sweep-bundles/slurm-progress.ts';
import { loadSweep } from '../../services/sweeps/sweep-store.ts';
import type { History } from '../../storage/history.ts';

/** Live state per trial index; trials not in the map keep their stored state. */
export async function liveTrialStates(history: History, sweepId: number): Promise<Map<number, { state: TrialState; detail?: string }>> {
  const sweep = loadSweep(history, sweepId);
  if (sweep.execution?.kind !== 'slurm') return new Map();
  return slurmTrialStates(history, sweep);
}
