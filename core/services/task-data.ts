// Opens the training task of a stored dataset: text streams over its token
// file, piano rolls from its roll file, a synthetic task regenerated from
// its stored generator parameters, or mu-law audio codes streamed like text.
// The one place that knows how each dataset kind becomes a TaskData.
import { openRollFile } from '../data/music-import.ts';
import { openTokenFile } from '../data/token-file.ts';
import { createMusicTask } from '../ml/tasks/music-task.ts';
import { createSyntheticTask, syntheticTaskSchema } from '../ml/tasks/synthetic.ts';
import { createTextTask } from '../ml/tasks/text-task.ts';
import { lossUnitFor, type LossUnit } from '../ml/tasks/loss-unit.ts';
import type { OutputKind, TaskData } from '../ml/tasks/task-types.ts';
import type { DatasetRecord } from '../storage/history.ts';
import { MU_LAW_CLASSES } from '../ml/audio/mu-law.ts';
import { audioTaskOf } from './audio-datasets.ts';

export interface OpenedTask {
  data: TaskData;
  /** Releases the files the task reads. */
  close(): void;
}

/** The TaskData of `dataset`. Throws naming the dataset when its files or parameters are unusable. */
export function openTaskData(dataset: DatasetRecord): OpenedTask {
  switch (dataset.kind) {
    case 'text': {
      const source = openTokenFile(dataset.tokenFile);
      return { data: createTextTask(source, dataset.splits, dataset.vocab.symbols.length), close: () => source.close() };
    }
    case 'music':
      return { data: createMusicTask(openRollFile(dataset.tokenFile)), close: () => {} };
    case 'audio': {
      // Next-sample prediction over 256 mu-law classes: the text task's streams, labelled audio.
      const task = audioTaskOf(dataset);
      const source = openTokenFile(dataset.tokenFile);
      return { data: { ...createTextTask(source, dataset.splits, MU_LAW_CLASSES), task: 'audio', baselineLoss: task.baseline.loss }, close: () => source.close() };
    }
    case 'synthetic': {
      const params = syntheticTaskSchema.safeParse(dataset.task);
      if (!params.success) throw new Error(`dataset "${dataset.name}": its stored task parameters are invalid (${params.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
      return { data: createSyntheticTask(params.data), close: () => {} };
    }
  }
}

/** Model widths a dataset's task needs: output classes/units and input features (0 = token ids). */
export function taskWidths(dataset: DatasetRecord): { vocabSize: number; inputFeatures: number } {
  const opened = openTaskData(dataset);
  try {
    return { vocabSize: opened.data.outputSize, inputFeatures: opened.data.inputFeatures };
  } finally {
    opened.close();
  }
}

/** One line saying what a dataset's task asks and how it is scored (for lists and the New-run form). */
export function describeDatasetTask(dataset: DatasetRecord): string {
  switch (dataset.kind) {
    case 'text':
      return `next ${dataset.level === 'word' ? 'word' : 'character'} prediction: cross-entropy over ${dataset.stats.vocabSize} symbols (bits per symbol)`;
    case 'music':
      return `polyphonic music, ${dataset.stats.vocabSize} pitches: negative log-likelihood per time step`;
    case 'audio': {
      const t = dataset.task ?? {};
      const stats = (t['stats'] ?? {}) as { clips?: number; seconds?: number };
      return `audio, next-sample prediction at ${String(t['sampleRate'])} Hz: cross-entropy over 256 mu-law codes (nats per sample); ${String(stats.clips)} clip(s), ${(stats.seconds ?? 0).toFixed(1)} s`;
    }
    case 'synthetic': {
      const t = dataset.task ?? {};
      return t['task'] === 'adding'
        ? `adding problem, T = ${String(t['length'])}: mean squared error of the sum at the last step`
        : `copy memory, T = ${String(t['length'])}: cross-entropy over 10 symbols, and recall accuracy`;
    }
  }
}

/** The trivial predictor's valid loss stored with the dataset (task_json.baseline), or null. */
export function datasetBaseline(dataset: DatasetRecord): { label: string; loss: number } | null {
  const b = dataset.task?.['baseline'] as { label?: unknown; loss?: unknown } | undefined;
  return b && typeof b.label === 'string' && typeof b.loss === 'number' ? { label: b.label, loss: b.loss } : null;
}

export type { LossUnit };

/** What a dataset's model outputs mean, from its record alone (no files opened). */
export function outputKindOf(dataset: DatasetRecord): OutputKind {
  if (dataset.kind === 'music') return 'bernoulli';
  if (dataset.kind === 'synthetic' && dataset.task?.['task'] === 'adding') return 'regression';
  return 'categorical';
}

/** How the task's loss is measured. */
export function lossUnitOf(dataset: DatasetRecord): LossUnit {
  return lossUnitFor(outputKindOf(dataset));
}
