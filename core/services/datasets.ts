// Dataset operations shared by the CLI and the app: import files into the data
// folder and the history, and materialise the built-in corpora on first use.
// A failed import leaves neither a token folder nor a history row behind.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { importTextCorpus, importTextString, type ImportedCorpus, type ImportProgress } from '../data/text-import.ts';
import type { TextLevel } from '../ml/data/dataset-types.ts';
import { BUILTIN_CORPORA } from '../ml/text/builtin-corpora.ts';
import type { DatasetRecord, History } from '../storage/history.ts';

export interface ImportDatasetOptions {
  paths: string[];
  name?: string;
  level: TextLevel;
  maxVocab?: number;
  encoding?: string;
  onProgress?: (p: ImportProgress) => void;
}

const NAME_RE = /^[\p{L}\p{N}][\p{L}\p{N}._ -]{0,63}$/u;

function checkName(name: string): string {
  if (!NAME_RE.test(name)) throw new Error(`--name: "${name}" must be 1-64 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit`);
  return name;
}

/** Folder for a new dataset's token file: <dataDir>/datasets/<slug>-<random>. */
function newDatasetFolder(dataDir: string, name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'dataset';
  const dir = path.join(dataDir, 'datasets', `${slug}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function store(history: History, dataDir: string, name: string, make: (outDir: string) => Promise<ImportedCorpus>, source: string): Promise<DatasetRecord> {
  if (history.getDataset(name)) throw new Error(`--name: dataset "${name}" already exists; pick another name`);
  const outDir = newDatasetFolder(dataDir, name);
  try {
    const c = await make(outDir);
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
    });
  } catch (e) {
    fs.rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

/** Imports text files or folders as a new dataset. */
export async function importDataset(history: History, dataDir: string, opts: ImportDatasetOptions): Promise<DatasetRecord> {
  if (opts.paths.length === 0) throw new Error('path: give a .txt file or a folder of them');
  for (const p of opts.paths) if (!fs.existsSync(p)) throw new Error(`path: ${p} does not exist`);
  const name = checkName(opts.name ?? path.basename(path.resolve(opts.paths[0]!)).replace(/\.txt$/i, ''));
  return store(history, dataDir, name, (outDir) => importTextCorpus({ ...opts, outDir }), opts.paths.map((p) => path.resolve(p)).join(', '));
}

export const BUILTIN_NAMES = BUILTIN_CORPORA.map((c) => c.name);

/** The built-in corpus `name`, generated and stored on first use. */
export async function ensureBuiltinDataset(history: History, dataDir: string, name: string): Promise<DatasetRecord> {
  const existing = history.getDataset(name);
  if (existing) return existing;
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
