// How the UI names a dataset's kind and the unit of its loss: bits per symbol
// only for text, negative log-likelihood per time step for music, mean
// squared error for the adding problem.
import type { DatasetSummary } from './types.ts';

export type LossUnit = DatasetSummary['lossUnit'];

/** The option text of a dataset in pickers. */
export function datasetLabel(d: DatasetSummary): string {
  if (d.kind === 'text') return `${d.name} (${d.level ?? 'text'}, ${d.tokens.toLocaleString('en-US')} tokens)`;
  if (d.kind === 'audio') return `${d.name} (audio, ${audioStats(d).seconds.toFixed(1)} s)`;
  return `${d.name} (${d.kind === 'music' ? 'music' : syntheticName(d)})`;
}

/** "copy memory" or "adding problem" for synthetic datasets, from the task line. */
export function syntheticName(d: DatasetSummary): string {
  return /^adding/i.test(d.task) ? 'adding problem' : /^copy/i.test(d.task) ? 'copy memory' : 'synthetic';
}

/** Copy memory reports recall accuracy at validation. */
export function isCopyTask(d: DatasetSummary | null | undefined): boolean {
  return !!d && d.kind === 'synthetic' && /^copy/i.test(d.task);
}

export function lossUnitText(unit: LossUnit): string {
  return unit === 'nats per step' ? 'NLL per step (nats)' : unit === 'MSE' ? 'MSE' : 'nats';
}

/** Title and y-axis label of a loss chart for this unit. */
export function lossAxis(unit: LossUnit | null): { title: string; y: string } {
  if (unit === 'nats per step') return { title: 'NLL per step', y: 'nats per step' };
  if (unit === 'MSE') return { title: 'MSE', y: 'MSE' };
  return { title: 'Loss', y: unit === 'nats' ? 'nats' : 'loss' };
}

/** A loss as the header shows it: nats with bits for text, otherwise in the task's own unit. */
export function formatTaskLoss(value: number | null | undefined, unit: LossUnit | null, text: boolean): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (unit === 'MSE') return `${value.toPrecision(4)} MSE`;
  if (unit === 'nats per step') return `${value.toFixed(4)} nats per step`;
  return text || unit === null ? `${value.toFixed(4)} (${(value / Math.LN2).toFixed(3)} bits)` : `${value.toFixed(4)} nats`;
}

export interface AudioStats {
  clips: number;
  seconds: number;
  sampleRate: number;
  originalRates: number[];
}

/** Clips, total duration, the dataset's rate and the files' own rates of an audio dataset (zeros for other kinds). */
export function audioStats(d: DatasetSummary): AudioStats {
  const a = d.audio;
  return a
    ? { clips: a.clips, seconds: a.seconds, sampleRate: a.sampleRate, originalRates: a.originalRates }
    : { clips: d.files, seconds: 0, sampleRate: 0, originalRates: [] };
}

/** The unit of a run's loss column, short: nats/char, nats/word, nats/sample, NLL/step, MSE, nats/symbol. */
export function lossUnitShort(d: DatasetSummary | null | undefined): string {
  if (!d) return '';
  if (d.lossUnit === 'MSE') return 'MSE';
  if (d.lossUnit === 'nats per step') return 'NLL/step';
  if (d.kind === 'text') return `nats/${d.level === 'word' ? 'word' : 'char'}`;
  if (d.kind === 'audio') return 'nats/sample';
  return 'nats/symbol';
}
