// Polyphonic music: MIDI files or one piano-roll JSON file imported into a
// bit-packed roll file; trained as padded whole sequences with a mask,
// scored per time step (Bernoulli over the pitches); the baseline is the
// per-pitch frequencies of the training split.
import fs from 'node:fs';
import { DATASET_FILE_EXTENSIONS } from '../contract/kinds.ts';
import { importMusic, openRollFile } from '../data/music-import.ts';
import { decodePianoRolls } from '../ml/music/piano-roll.ts';
import { createMusicTask } from '../ml/tasks/music-task.ts';
import { musicTaskSchema, type MusicDataset } from '../storage/dataset-tasks.ts';
import type { DatasetKindModule, OpenedTask } from './dataset-kind.ts';

/** Pitch names (e.g. A0..C8 for the 88 rows of a piano roll). */
function pitchNames(offset: number, count: number): string[] {
  const names = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
  return Array.from({ length: count }, (_, i) => `${names[(offset + i) % 12]}${Math.floor((offset + i) / 12) - 1}`);
}

function openTask(d: MusicDataset): OpenedTask {
  return { data: createMusicTask(openRollFile(d.tokenFile)), close: () => {} };
}

/** The first validation sequence, one line per step with its sounding pitches. */
function preview(d: MusicDataset): string {
  const batch = openTask(d).data.evalBatches('valid', { batchSize: 3, seqLen: 1, maxScored: 1, context: 0 })[Symbol.iterator]().next();
  if (batch.done) return '';
  const b = batch.value;
  const steps = b.inputShape[1]!;
  const width = b.inputShape[2]!;
  const lines = [`valid sequence 1 (${steps} steps shown, padded to the longest in its batch), sounding pitches per step:`];
  for (let t = 0; t < steps; t++) {
    if (b.mask && b.mask[t] === 0) break;
    const on: string[] = [];
    for (let p = 0; p < width; p++) if (b.inputs[t * width + p]! > 0) on.push(d.vocab.symbols[p] ?? String(p));
    lines.push(`${String(t + 1).padStart(4)}  ${on.join(' ') || '(rest)'}`);
  }
  return lines.join('\n');
}

const describe = (d: MusicDataset): string => `polyphonic music, ${d.stats.vocabSize} pitches: negative log-likelihood per time step`;

export const musicKind: DatasetKindModule<'music'> = {
  kind: 'music',
  taskSchema: musicTaskSchema,
  extensions: DATASET_FILE_EXTENSIONS.music,
  importFiles: async (paths, outDir, opts) => {
    const m = await importMusic({ paths, outDir });
    const baselineLoss = createMusicTask(decodePianoRolls(fs.readFileSync(m.rollFile))).baselineLoss!;
    return {
      name: opts.name,
      kind: 'music',
      level: null,
      source: m.source,
      fingerprint: m.fingerprint,
      encoding: m.stats.stepsPerQuarter === null ? 'piano-roll json' : `midi, ${m.stats.stepsPerQuarter} step(s) per quarter`,
      vocab: { level: 'char', symbols: pitchNames(m.stats.pitchOffset, m.stats.numPitches), unknownId: -1 },
      stats: {
        sourceBytes: m.stats.sourceBytes,
        files: m.stats.files,
        tokens: m.stats.steps,
        vocabSize: m.stats.numPitches,
        unknownTokens: m.stats.droppedNotes,
        unigramEntropyBits: 0,
      },
      splits: m.splits,
      tokenFile: m.rollFile,
      task: { ...m.stats, refused: m.refused, baseline: { label: 'per-pitch frequencies', loss: baselineLoss } },
    };
  },
  streamsTokens: false,
  trainingSamples: 'none',
  // The roll's rows are both the input features and the Bernoulli outputs.
  widths: (d) => ({ vocabSize: d.task.numPitches, inputFeatures: d.task.numPitches }),
  outputKind: () => 'bernoulli',
  openTask,
  describe,
  baseline: (d) => d.task.baseline,
  preview: (d, chars) => preview(d).slice(0, chars),
  summaryLine: (d) =>
    `${describe(d)}; ${d.splits.train.end - d.splits.train.start}/${d.splits.valid.end - d.splits.valid.start}/${d.splits.test.end - d.splits.test.start} train/valid/test sequences, ${d.stats.tokens.toLocaleString('en')} steps, ${d.stats.files} file(s), ${d.encoding}`,
  summaryDetails: () => ({}),
  refused: (d) => d.task.refused,
};
