// Whether a run's loss went the wrong way: a figure for the header and for
// History to warn with, so a run that climbed from 3.9 to 85 nats does not
// end looking like any other "completed" one, and the settings that likely
// did it. Pure: rows or a summary in, verdict out.
import type { MetricRow } from './types.ts';

/** The median of `xs` (NaN when empty). */
export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Last steps whose median stands for the "end" (noise on single steps is large). */
const ENDS = 5;
/** The end's train loss over the start's beyond which a run counts as diverging. */
const RISE = 1.5;

export interface LossHealth {
  state: 'ok' | 'diverging' | 'non-finite';
  /** The first step's train loss (the untrained model's: a blown-up run is off by step 2) and the median over the last few. */
  start: number;
  end: number;
  /** Likely causes read from the run's settings (e.g. "learning rate 10 is high", "no gradient clipping"). */
  causes: string[];
}

/**
 * Judges a run's train loss: non-finite if any step's loss (train or valid) was
 * Infinity/NaN, diverging if its end is more than RISE times its first step's.
 * `train`: the run's learning rate and clipping threshold, when known.
 */
export function lossHealth(rows: MetricRow[], train: { lr: number; clip: number } | null): LossHealth {
  const finite = rows.map((r) => r.trainLoss).filter((y): y is number => y !== null && Number.isFinite(y));
  const start = finite[0] ?? NaN;
  const end = median(finite.slice(-ENDS));
  // A null loss is one the core could not carry as a number (it lists it in nonFinite), so it counts too.
  const nonFinite = rows.some(
    (r) =>
      r.trainLoss === null ||
      !Number.isFinite(r.trainLoss) ||
      (r.validLoss !== null && !Number.isFinite(r.validLoss)) ||
      !!r.nonFinite?.['trainLoss'] ||
      !!r.nonFinite?.['validLoss'],
  );
  const rising = finite.length >= ENDS && end > start * RISE;
  const state = nonFinite ? 'non-finite' : rising ? 'diverging' : 'ok';
  return { state, start, end, causes: state !== 'ok' && train ? likelyCauses(train) : [] };
}

/** The settings of a run that went the wrong way that likely made it ("learning rate 10 is high", "no gradient clipping"). */
export function likelyCauses(train: { lr: number; clip: number }): string[] {
  const causes: string[] = [];
  // Adam's usual rates are 1e-4 to 1e-2; SGD's go higher, but 0.1 and up is where runs blow up.
  if (train.lr >= 0.05) causes.push(`learning rate ${train.lr} is high`);
  if (train.clip === 0) causes.push('no gradient clipping');
  return causes;
}

/**
 * History's verdict on a finished run from its summary alone: its final loss
 * ended well above where an untrained model starts (a uniform guess: ln V
 * nats for V classes, ln 2 per pitch for music) or above its dataset's
 * trivial baseline, whichever is higher; or it is not finite. Null when the
 * run looks fine or cannot be judged (running, an MSE task, unknown dataset).
 */
export function finalLossVerdict(
  run: { status: string; validLoss: number | null; trainLoss: number | null },
  d: { kind: string; vocabSize: number; baseline: { loss: number } | null } | undefined,
): string | null {
  if (run.status === 'running' || run.status === 'queued' || run.status === 'diverged') return null;
  const loss = run.validLoss ?? run.trainLoss;
  if (!d || loss === null || (d.kind !== 'text' && d.kind !== 'audio' && d.kind !== 'music')) return null;
  if (!Number.isFinite(loss)) return 'its loss became non-finite';
  const untrained = d.kind === 'music' ? d.vocabSize * Math.LN2 : Math.log(d.vocabSize);
  const start = Math.max(untrained, d.baseline?.loss ?? 0);
  return loss > RISE * start
    ? `its loss ended at ${Number(loss.toPrecision(3))}, far above the ${Number(start.toPrecision(3))} an untrained model starts near`
    : null;
}
