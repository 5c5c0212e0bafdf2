// What "solved" means on Bai et al.'s memory tasks, at the lab's budget
// (issue 18): copy memory needs loss < 0.01 nats and recall accuracy > 0.99
// (the fraction of the 10 recalled symbols right); the adding problem needs
// MSE < 0.01. Pure: numbers in, a verdict out.

export const COPY_SOLVED_LOSS = 0.01;
export const COPY_SOLVED_ACCURACY = 0.99;
export const ADDING_SOLVED_MSE = 0.01;

/**
 * True when a member's valid figures meet the task's target; null when the
 * task is not a memory task or a figure is missing.
 * @param task 'copy' | 'adding' (other tasks: null)
 */
export function memoryTaskSolved(task: string, validLoss: number | null, recallAccuracy: number | null): boolean | null {
  if (validLoss === null || !Number.isFinite(validLoss)) return null;
  if (task === 'adding') return validLoss < ADDING_SOLVED_MSE;
  if (task !== 'copy') return null;
  if (recallAccuracy === null) return null;
  return validLoss < COPY_SOLVED_LOSS && recallAccuracy > COPY_SOLVED_ACCURACY;
}

/** The target in words, for notes and reports. */
export function memoryTaskTarget(task: string, baseline: number | null): string | null {
  const base = baseline === null ? '' : `; the memoryless baseline is ${baseline.toPrecision(4)}`;
  if (task === 'copy')
    return `solved = valid loss < ${COPY_SOLVED_LOSS} nats (cross-entropy over all T + 20 positions, as Bai et al. report it) and recall accuracy > ${COPY_SOLVED_ACCURACY} (the 10 recalled symbols)${base} nats`;
  if (task === 'adding') return `solved = valid MSE < ${ADDING_SOLVED_MSE} (the sum at the last step)${base} (always answering 1.0)`;
  return null;
}
