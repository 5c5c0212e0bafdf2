// The lifecycle words of sweeps and their trials, owned here once: the
// history's CHECK constraints, the storage module and the contract use these.

/** A sweep: created (nothing trained yet), running, or ended; stopped and failed sweeps can be run again. */
export const SWEEP_STATES = ['created', 'running', 'completed', 'failed', 'stopped'] as const;
export type SweepState = (typeof SWEEP_STATES)[number];

/** A trial: pruned means successive halving stopped it early (its run is kept, status stopped). */
export const TRIAL_STATES = ['pending', 'running', 'completed', 'failed', 'pruned'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
