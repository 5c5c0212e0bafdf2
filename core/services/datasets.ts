// Dataset operations shared by the CLI and the app: import files into the data
// folder and the history, and materialise the built-in corpora on first use.
// A failed import leaves neither a token folder nor a history row behind.
import fs from 'node:fs';
import path from 'node:path';
import { importTextCorpus, importTextString, type ImportedCorpus, type ImportProgress } from '../data/text-import.ts';
import type { TextLevel } from '../ml/data/dataset-types.ts';
import { BUILTIN_CORPORA } from '../ml/text/builtin-corpora.ts';
import { openTokenFile } from '../data/token-file.ts';
import { CapacityError } from '../ml/baselines/int-key-map.ts';
import { NgramModel } from '../ml/baselines/ngram.ts';
import type { DatasetRecord, History } from '../storage/history.ts';
import { checkDatasetName, newDatasetFolder } from './dataset-folders.ts';
import type { SyntheticTaskInput } from '../ml/tasks/synthetic.ts';
import { createSyntheticDataset, importMusicDataset, looksLikeMusic } from './task-datasets.ts';
import { createMelodiesDataset, importAudioDataset, looksLikeAudio, MELODIES_DESCRIPTION, MELODIES_NAME } from './audio-datasets.ts';

export interface ImportDatasetOptions {
  paths: string[];
  name?: string;
  level: TextLevel;
  maxVocab?: number;
  encoding?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Audio imports: dataset sample rate (8000, 16000 or 22050; default 16000). */
  rate?: number;
  /** Audio imports: trim leading/trailing audio quieter than this many dBFS (e.g. -40). */
  trimSilenceDb?: number;
}


async function store(history: History, dataDir: string, name: string, make: (outDir: string) => Promise<ImportedCorpus>, source: string): Promise<DatasetRecord> {
  if (history.getDataset(name)) throw new Error(`--name: dataset "${name}" already exists; pick another name`);
  const outDir = newDatasetFolder(dataDir, name);
  try {
    const c = await make(outDir);
    const baseline = ngramBaseline(c);
    return history.insertDataset({
      name,
      kind: 'text',
      level: c.vocab.level,
      source,
      fingerprint: c.fingerprint,
      encoding: c.encoding,
      vocab: c.vocab,
      stats: c.stats,
      splits: c.splits,
      tokenFile: c.tokenFile,
      task: baseline ? { baseline } : null,
    });
  } catch (e) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The valid loss of an interpolated Kneser-Ney n-gram model trained on the
 * train split: the trivial baseline text curves are read against. Trained on
 * at most NGRAM_TRAIN_TOKENS so a huge corpus costs under a second; a
 * corpus whose n-grams overflow the table simply gets no baseline.
 */
function ngramBaseline(c: ImportedCorpus): { label: string; loss: number } | null {
  const order = c.vocab.level === 'word' ? 3 : 5;
  const source = openTokenFile(c.tokenFile);
  try {
    const train = { start: c.splits.train.start, end: Math.min(c.splits.train.end, c.splits.train.start + NGRAM_TRAIN_TOKENS) };
    const valid = { start: c.splits.valid.start, end: Math.min(c.splits.valid.end, c.splits.valid.start + NGRAM_VALID_TOKENS) };
    if (valid.end - valid.start < 1 || train.end - train.start < order) return null;
    const model = NgramModel.train(source, { order, vocabSize: c.vocab.symbols.length }, train);
    return { label: `${order}-gram, Kneser-Ney`, loss: model.evaluate(source, valid).loss };
  } catch (e) {
    if (e instanceof CapacityError) return null;
    throw e;
  } finally {
    source.close();
  }
}

// Caps keep the baseline to well under a second: it runs inside the import request.
const NGRAM_TRAIN_TOKENS = 1_000_000;
const NGRAM_VALID_TOKENS = 200_000;

/**
 * The dataset name a path gives when none was chosen. Its refusal names the
 * path, not a flag the user never passed (a file called "..wav" gives no name).
 */
function nameFromPath(p: string): string {
  const base = path.basename(path.resolve(p));
  const derived = base.replace(/\.(txt|json|midi?|wave?|flac|mp3|ogg|oga|opus)$/i, '');
  try {
    return checkDatasetName(derived);
  } catch {
    throw new Error(`path: "${base}" gives no usable dataset name ("${derived}" must be 1-64 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit); choose a name for the dataset`);
  }
}

/** Imports text files or folders as a new dataset; MIDI files and piano-roll JSON become a music dataset, audio files an audio dataset. */
export async function importDataset(history: History, dataDir: string, opts: ImportDatasetOptions): Promise<DatasetRecord> {
  if (opts.paths.length === 0) throw new Error('path: give a .txt file or a folder of them');
  for (const p of opts.paths) if (!fs.existsSync(p)) throw new Error(`path: ${p} does not exist`);
  const name = opts.name !== undefined ? checkDatasetName(opts.name) : nameFromPath(opts.paths[0]!);
  // A clash with a name taken from the file is the path's, not a --name the user never passed.
  if (opts.name === undefined && history.getDataset(name)) throw new Error(`path: a dataset named "${name}" (from the file name) already exists; choose another name for the dataset`);
  if (looksLikeMusic(opts.paths)) return importMusicDataset(history, dataDir, { paths: opts.paths, name });
  if (looksLikeAudio(opts.paths)) {
    const onProgress = opts.onProgress;
    return importAudioDataset(history, dataDir, {
      paths: opts.paths,
      name,
      ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
      ...(opts.trimSilenceDb !== undefined ? { trimSilenceDb: opts.trimSilenceDb } : {}),
      // Decoding is the one pass of an audio import: report it as the encode phase, in source bytes.
      ...(onProgress ? { onProgress: (p: { bytesDone: number; bytesTotal: number }) => onProgress({ phase: 'encode', bytesDone: p.bytesDone, bytesTotal: p.bytesTotal }) } : {}),
    });
  }
  if (opts.rate !== undefined || opts.trimSilenceDb !== undefined) throw new Error('--rate / --trim-silence: only apply to audio files (.wav, .flac, .mp3, .ogg)');
  return store(history, dataDir, name, (outDir) => importTextCorpus({ ...opts, outDir }), opts.paths.map((p) => path.resolve(p)).join(', '));
}

/** Built-in synthetic tasks at the lengths the experiments use (generated on first use, offline). */
export const BUILTIN_SYNTHETIC: readonly { name: string; description: string; params: SyntheticTaskInput }[] = [
  { name: 'adding-200', description: 'adding problem, T = 200 (Bai et al. 2018): MSE of the sum of two marked values', params: { task: 'adding', length: 200 } },
  { name: 'copy-100', description: 'copy memory, T = 100 (Bai et al. 2018): recall 10 symbols after 100 blanks', params: { task: 'copy', length: 100 } },
];

/** Every built-in dataset with a one-line description (text corpora, synthetic tasks, the synthesised audio). */
export const BUILTIN_DATASETS: { name: string; description: string }[] = [
  ...BUILTIN_CORPORA.map((c) => ({ name: c.name, description: c.description })),
  ...BUILTIN_SYNTHETIC.map((s) => ({ name: s.name, description: s.description })),
  { name: MELODIES_NAME, description: MELODIES_DESCRIPTION },
];

export const BUILTIN_NAMES = [...BUILTIN_CORPORA.map((c) => c.name), ...BUILTIN_SYNTHETIC.map((s) => s.name), MELODIES_NAME];

/** The built-in corpus `name`, generated and stored on first use. */
export async function ensureBuiltinDataset(history: History, dataDir: string, name: string): Promise<DatasetRecord> {
  const existing = history.getDataset(name);
  if (existing) return existing;
  const synthetic = BUILTIN_SYNTHETIC.find((s) => s.name === name);
  if (synthetic) return createSyntheticDataset(history, { ...synthetic.params, name });
  if (name === MELODIES_NAME) return createMelodiesDataset(history, dataDir, name);
  const corpus = BUILTIN_CORPORA.find((c) => c.name === name);
  if (!corpus) throw new Error(`no built-in corpus "${name}" (built-ins: ${BUILTIN_NAMES.join(', ')})`);
  return store(history, dataDir, name, (outDir) => importTextString({ text: corpus.generate(), name, outDir, level: 'char' }), `built-in: ${corpus.description}`);
}

/** Finds a dataset by name or id; built-in names are materialised on demand. */
export async function resolveDataset(history: History, dataDir: string, ref: string): Promise<DatasetRecord> {
  const found = history.getDataset(/^\d+$/.test(ref) ? Number(ref) : ref);
  if (found) return found;
  if (BUILTIN_NAMES.includes(ref)) return ensureBuiltinDataset(history, dataDir, ref);
  const known = history.listDatasets().map((d) => d.name);
  throw new Error(`--dataset: no dataset "${ref}" (known: ${[...new Set([...known, ...BUILTIN_NAMES])].join(', ')}); import one with: seqlab datasets import <path>`);
}
