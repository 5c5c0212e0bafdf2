// Datasets of the non-text task families: synthetic tasks (adding problem,
// copy memory), stored as their generator's parameters and regenerated on
// demand, and polyphonic music imported from MIDI or piano-roll JSON into a
// roll file. Like text imports, a failed import leaves no folder and no row.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { importMusic, type ImportedMusic } from '../data/music-import.ts';
import { createMusicTask } from '../ml/tasks/music-task.ts';
import { COPY_CLASSES, createSyntheticTask, syntheticTaskSchema, type SyntheticTaskInput } from '../ml/tasks/synthetic.ts';
import { decodePianoRolls } from '../ml/music/piano-roll.ts';
import type { DatasetRecord, History } from '../storage/history.ts';
import { checkDatasetName, newDatasetFolder } from './dataset-folders.ts';
import { majorityKind } from './folder-kind.ts';

/** Extensions that make an import a music import. */
export const MUSIC_EXTENSIONS = ['.mid', '.midi', '.json'] as const;

/** Stores a synthetic task as a dataset. */
export function createSyntheticDataset(history: History, input: SyntheticTaskInput & { name?: string }): DatasetRecord {
  const { name: requested, ...raw } = input;
  const params = syntheticTaskSchema.parse(raw);
  const name = checkDatasetName(requested ?? `${params.task}-T${params.length}${params.seed ? `-s${params.seed}` : ''}`);
  if (history.getDataset(name)) throw new Error(`name: dataset "${name}" already exists; pick another name`);
  const task = createSyntheticTask(params);
  const steps = params.task === 'copy' ? params.length + 20 : params.length;
  const total = params.trainSize + params.validSize + params.testSize;
  const label = params.task === 'adding' ? 'always predict 1.0' : 'blanks, then a uniform guess';
  const symbols = params.task === 'copy' ? ['_', ...Array.from({ length: COPY_CLASSES - 2 }, (_, i) => String(i + 1)), ':'] : ['sum'];
  return history.insertDataset({
    name,
    kind: 'synthetic',
    level: null,
    source: `generated: ${params.task === 'adding' ? 'adding problem' : 'copy memory'} (Bai et al. 2018), T = ${params.length}, seed ${params.seed}`,
    fingerprint: createHash('sha256').update(JSON.stringify(params)).digest('hex'),
    encoding: 'generated',
    vocab: { level: 'char', symbols, unknownId: -1 },
    stats: { sourceBytes: 0, files: 0, tokens: total * steps, vocabSize: task.outputSize, unknownTokens: 0, unigramEntropyBits: 0 },
    splits: {
      train: { start: 0, end: params.trainSize },
      valid: { start: params.trainSize, end: params.trainSize + params.validSize },
      test: { start: params.trainSize + params.validSize, end: total },
    },
    tokenFile: '',
    task: { ...params, baseline: { label, loss: task.baselineLoss } },
  });
}

/** Pitch names A0..C8 for the 88 rows of a piano roll. */
function pitchNames(offset: number, count: number): string[] {
  const names = ['C', 'C#', 'D', 'D#', 'E', 'F', 'F#', 'G', 'G#', 'A', 'A#', 'B'];
  return Array.from({ length: count }, (_, i) => `${names[(offset + i) % 12]}${Math.floor((offset + i) / 12) - 1}`);
}

/** Imports MIDI files / folders or one piano-roll JSON file as a music dataset. */
export async function importMusicDataset(
  history: History,
  dataDir: string,
  opts: { paths: string[]; name: string; stepsPerQuarter?: number; onProgress?: Parameters<typeof importMusic>[0]['onProgress'] },
): Promise<DatasetRecord & { refused: ImportedMusic['refused'] }> {
  const name = checkDatasetName(opts.name);
  if (history.getDataset(name)) throw new Error(`--name: dataset "${name}" already exists; pick another name`);
  const outDir = newDatasetFolder(dataDir, name);
  try {
    const m = await importMusic({ paths: opts.paths, outDir, ...(opts.stepsPerQuarter ? { stepsPerQuarter: opts.stepsPerQuarter } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    const task = createMusicTask(decodePianoRolls(fs.readFileSync(m.rollFile)));
    const record = history.insertDataset({
      name,
      kind: 'music',
      level: null,
      source: m.source,
      fingerprint: m.fingerprint,
      encoding: m.stats.stepsPerQuarter === null ? 'piano-roll json' : `midi, ${m.stats.stepsPerQuarter} step(s) per quarter`,
      vocab: { level: 'char', symbols: pitchNames(m.stats.pitchOffset, m.stats.numPitches), unknownId: -1 },
      stats: { sourceBytes: m.stats.sourceBytes, files: m.stats.files, tokens: m.stats.steps, vocabSize: m.stats.numPitches, unknownTokens: m.stats.droppedNotes, unigramEntropyBits: 0 },
      splits: m.splits,
      tokenFile: m.rollFile,
      task: { ...m.stats, refused: m.refused, baseline: { label: 'per-pitch frequencies', loss: task.baselineLoss } },
    });
    return { ...record, refused: m.refused };
  } catch (e) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

/** True when most recognised files given (or in a given folder) are MIDI or piano-roll JSON (see folder-kind.ts). */
export function looksLikeMusic(paths: string[]): boolean {
  return majorityKind(paths) === 'music';
}
