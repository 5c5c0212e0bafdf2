// Shared helpers for the storage tests: temp data folders and a sample dataset.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import type { History, NewDataset } from '../../core/storage/history.ts';

/** Repository root, so child processes resolve `tsx` from node_modules. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Fixture scripts run in child processes. */
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

const made: string[] = [];

/** A fresh temp folder, removed by {@link cleanupTempDirs}. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-'));
  made.push(dir);
  return dir;
}

/** Removes the folders made by {@link tempDir} (restoring write permission first). */
export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) {
    try {
      fs.chmodSync(dir, 0o755);
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A small valid dataset. */
export function sampleDataset(name = 'tiny'): NewDataset {
  return {
    name,
    kind: 'text',
    level: 'char',
    source: '/corpora/tiny.txt',
    fingerprint: 'fp-' + name,
    encoding: 'utf-8',
    vocab: { level: 'char', symbols: ['a', 'b', '\n'], unknownId: -1 },
    stats: { sourceBytes: 12, files: 1, tokens: 12, vocabSize: 3, unknownTokens: 0, unigramEntropyBits: 1.5 },
    splits: { train: { start: 0, end: 10 }, valid: { start: 10, end: 11 }, test: { start: 11, end: 12 } },
    tokenFile: '/data/tiny.tokens',
    task: { baseline: null },
  };
}

/** Inserts a dataset and a queued run on it; returns the run id. */
export function seedRun(h: History, datasetName = 'tiny'): number {
  const ds = h.getDataset(datasetName) ?? h.insertDataset(sampleDataset(datasetName));
  return h.createRun({
    datasetId: ds.id,
    modelKind: 'lstm',
    config: { hidden: 32, layers: 1 },
    seed: 7,
    datasetFingerprint: ds.fingerprint,
    totalSteps: 1000,
    paramCount: 1234,
  }).id;
}

/** The pid of a process that has already exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid!;
  await new Promise((resolve) => child.once('exit', resolve));
  return pid;
}
