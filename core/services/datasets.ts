// Dataset operations shared by the CLI and the app: import files into the data
// folder and the history (through the module of the files' kind), and
// materialise the built-in corpora on first use. A failed import leaves
// neither a folder nor a history row behind (storeDataset).
import fs from 'node:fs';
import path from 'node:path';
import { IMPORT_EXTENSIONS } from '../contract/kinds.ts';
import { importTextString, type ImportProgress } from '../data/text-import.ts';
import { TextImportError } from '../ml/text/decode.ts';
import { importFilesOf } from '../datasets/registry.ts';
import { textDatasetFrom } from '../datasets/text.ts';
import type { TextLevel } from '../ml/data/dataset-types.ts';
import { BUILTIN_CORPORA } from '../ml/text/builtin-corpora.ts';
import type { DatasetRecord, History } from '../storage/history.ts';
import { checkDatasetName } from './dataset-folders.ts';
import type { SyntheticTaskInput } from '../ml/tasks/synthetic.ts';
import { createSyntheticDataset } from './task-datasets.ts';
import { createMelodiesDataset, MELODIES_DESCRIPTION, MELODIES_NAME } from './audio-datasets.ts';
import { majorityKind } from './folder-kind.ts';
import { storeDataset } from './store-dataset.ts';
import { FieldError } from '../contract/structured-error.ts';

export interface ImportDatasetOptions {
  paths: string[];
  name?: string;
  /** Text imports: char (default) or word tokens. */
  level?: TextLevel;
  maxVocab?: number;
  encoding?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Audio imports: dataset sample rate (8000, 16000 or 22050; default 16000). */
  rate?: number;
  /** Audio imports: trim leading/trailing audio quieter than this many dBFS (e.g. -40). */
  trimSilenceDb?: number;
}

/**
 * The dataset name a path gives when none was chosen. Its refusal names the
 * path, not a flag the user never passed (a file called "..wav" gives no name).
 */
function nameFromPath(p: string): string {
  const base = path.basename(path.resolve(p));
  const ext = IMPORT_EXTENSIONS.find((e) => base.toLowerCase().endsWith(e));
  const derived = ext ? base.slice(0, -ext.length) : base;
  try {
    return checkDatasetName(derived);
  } catch {
    throw new Error(
      `path: "${base}" gives no usable dataset name ("${derived}" must be 1-64 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit); choose a name for the dataset`,
    );
  }
}

/** Imports text files or folders as a new dataset; MIDI files and piano-roll JSON become a music dataset, audio files an audio dataset. */
export async function importDataset(history: History, dataDir: string, opts: ImportDatasetOptions): Promise<DatasetRecord> {
  if (opts.paths.length === 0) throw new Error('path: give a .txt file or a folder of them');
  for (const p of opts.paths) if (!fs.existsSync(p)) throw new Error(`path: ${p} does not exist`);
  const name = opts.name !== undefined ? checkDatasetName(opts.name) : nameFromPath(opts.paths[0]!);
  // A clash with a name taken from the file is the path's, not a --name the user never passed.
  if (opts.name === undefined && history.getDataset(name))
    throw new Error(`path: a dataset named "${name}" (from the file name) already exists; choose another name for the dataset`);
  // The majority of recognised files decides; with none, the text importer explains what it needs.
  const kind = majorityKind(opts.paths) ?? 'text';
  if (kind === 'text' && (opts.rate !== undefined || opts.trimSilenceDb !== undefined))
    throw new FieldError(opts.rate !== undefined ? 'rate' : 'trimSilenceDb', 'applies only to audio files (.wav, .flac, .mp3, .ogg)');
  const importFiles = importFilesOf(kind);
  const { paths, name: _name, level, ...options } = opts;
  try {
    return await storeDataset(history, dataDir, name, (outDir) => importFiles(paths, outDir, { ...options, level: level ?? 'char', name }));
  } catch (e) {
    // Bytes that seem to be in another encoding: a refusal of the encoding field, with the one that would work.
    if (e instanceof TextImportError && e.suggestion)
      throw new FieldError('encoding', e.suggestion.reason, { suggestion: e.suggestion.encoding }, { cause: e });
    throw e;
  }
}

/** Built-in synthetic tasks at the lengths the experiments use (generated on first use, offline). */
export const BUILTIN_SYNTHETIC: readonly { name: string; description: string; params: SyntheticTaskInput }[] = [
  {
    name: 'adding-200',
    description: 'adding problem, T = 200 (Bai et al. 2018): MSE of the sum of two marked values',
    params: { task: 'adding', length: 200 },
  },
  {
    name: 'copy-100',
    description: 'copy memory, T = 100 (Bai et al. 2018): recall 10 symbols after 100 blanks',
    params: { task: 'copy', length: 100 },
  },
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
  return storeDataset(history, dataDir, name, async (outDir) =>
    textDatasetFrom(
      await importTextString({ text: corpus.generate(), name, outDir, level: 'char' }),
      name,
      `built-in: ${corpus.description}`,
    ),
  );
}

/** Finds a dataset by name or id; built-in names are materialised on demand. */
export async function resolveDataset(history: History, dataDir: string, ref: string): Promise<DatasetRecord> {
  const found = history.getDataset(/^\d+$/.test(ref) ? Number(ref) : ref);
  if (found) return found;
  if (BUILTIN_NAMES.includes(ref)) return ensureBuiltinDataset(history, dataDir, ref);
  const known = history.listDatasets().map((d) => d.name);
  throw new FieldError('dataset', `no dataset "${ref}" (known: ${[...new Set([...known, ...BUILTIN_NAMES])].join(', ')})`, {
    hint: 'import one with: seqlab datasets import <path>',
  });
}
