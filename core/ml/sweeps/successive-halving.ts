// Successive halving (Jamieson & Talwalkar 2016; the rung schedule of
// Li et al.'s Hyperband with eta = 2): every trial trains a small budget,
// the better half continues with twice the steps, and so on until one
// survivor trains the sweep's full steps. Pure: the runner asks which trials
// continue; it never decides that itself.

/** Each rung halves the trials and doubles the steps. */
export const HALVING_ETA = 2;

/** One rung: train the surviving trials up to `steps`; `keep` of them enter it. */
export interface Rung {
  /** Total optimiser steps a trial has trained at the end of this rung. */
  steps: number;
  /** How many trials train in this rung. */
  keep: number;
}

/**
 * The rung schedule for `trials` trials and a full budget of `steps`:
 * rung k trains ceil(trials / 2^k) trials to round(steps / 2^(R - k)) steps,
 * R = floor(log2 trials). E.g. 8 trials, 200 steps: 8→25, 4→50, 2→100, 1→200.
 */
export function halvingRungs(trials: number, steps: number): Rung[] {
  if (!Number.isInteger(trials) || trials < 1) throw new Error(`trials: must be a whole number of at least 1 (got ${trials})`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps: must be a whole number of at least 1 (got ${steps})`);
  const last = Math.floor(Math.log2(trials));
  const rungs: Rung[] = [];
  for (let k = 0; k <= last; k++) {
    const rungSteps = Math.max(1, Math.round(steps / HALVING_ETA ** (last - k)));
    const keep = Math.ceil(trials / HALVING_ETA ** k);
    // With a tiny budget two rungs may share their steps: the later one then only prunes.
    rungs.push({ steps: rungSteps, keep });
  }
  return rungs;
}

/** A trial's standing at the end of a rung. */
export interface RungResult {
  index: number;
  /** The metric at the rung's last step; null (diverged, crashed, never validated) ranks last. */
  metric: number | null;
}

/**
 * The `keep` trials that continue: lowest metric first, ties and missing
 * metrics broken by trial index, so the choice is the same on every rerun.
 * Returns their indices in ascending order.
 */
export function survivors(results: readonly RungResult[], keep: number): number[] {
  const rank = (m: number | null) => (m === null || !Number.isFinite(m) ? Infinity : m);
  return [...results]
    .sort((a, b) => rank(a.metric) - rank(b.metric) || a.index - b.index)
    .slice(0, Math.max(0, keep))
    .map((r) => r.index)
    .sort((a, b) => a - b);
}
