// A sweep's own folder in the shared directory that cluster tasks see:
// sweep.json (the trials' configs and the dataset record), a copy of the
// dataset's file, the sbatch script, each task's log, each trial's work
// folder while it trains and its sealed bundle after. Tasks read only this
// folder, never the main history (another machine may not see it, and SQLite
// over NFS with many writers is not safe).
//
//   <shared>/sweep-<id>/sweep.json
//                      dataset/<token or roll file>
//                      submit.sbatch
//                      logs/trial-<i>.log
//                      work/trial-<i>/        (bundle-run-store.ts)
//                      bundles/trial-<i>/     (a sealed bundle, bundle-files.ts)
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DATASET_KINDS } from '../../storage/history.ts';
import { DATASET_TASK_SCHEMAS } from '../../storage/dataset-tasks.ts';
import type { DatasetRecord } from '../../storage/history.ts';
import { fsyncDirSync, writeFileExactlySync } from '../../storage/exact-write.ts';
import { runConfigSchema, type RunConfig } from '../../ml/train/run-config.ts';
import { seqlabVersion } from '../seqlab-version.ts';
import { BUNDLE_VERSION } from './bundle-format.ts';
import { describeIssues } from '../../ml/zod-issues.ts';

export const SHARED_SWEEP_FILE = 'sweep.json';

/** The sweep's folder inside a shared directory. */
export const sweepFolderIn = (sharedDir: string, sweepId: number): string => path.join(path.resolve(sharedDir), `sweep-${sweepId}`);
/** Where trial `i` trains (the run's records as it goes). */
export const trialWorkDir = (folder: string, i: number): string => path.join(folder, 'work', `trial-${i}`);
/** Where trial `i`'s sealed bundle lands. */
export const trialBundleDir = (folder: string, i: number): string => path.join(folder, 'bundles', `trial-${i}`);
/** Trial `i`'s log (the Slurm task's stdout and stderr). */
export const trialLogPath = (folder: string, i: number): string => path.join(folder, 'logs', `trial-${i}.log`);

/** What a task needs to run trial i: the sweep's identity, its trials' configs and the dataset. */
export interface SharedSweep {
  folder: string;
  sweepId: number;
  /** Every trial's full run config, by index. */
  trials: RunConfig[];
  /** The dataset, its file resolved inside the sweep folder. */
  dataset: DatasetRecord;
}

const sharedSweepFileSchema = z
  .object({
    format: z.literal('seqlab-sweep'),
    bundleVersion: z.number().int().positive(),
    seqlabVersion: z.string(),
    sweepId: z.number().int().positive(),
    trials: z.array(z.unknown()),
    /** The dataset record with `tokenFile` relative to the sweep folder ('' for a synthetic task). */
    dataset: z.looseObject({ kind: z.enum(DATASET_KINDS), tokenFile: z.string(), task: z.unknown() }),
  })
  .strict();

/** Copies `src` to `dest` exactly: to a temporary name, fsynced, renamed, folder fsynced. */
function copyFileExactlySync(src: string, dest: string): void {
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    fs.copyFileSync(src, tmp);
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
      const want = fs.statSync(src).size;
      const got = fs.fstatSync(fd).size;
      if (got !== want) throw new Error(`could not copy ${src} to ${tmp}: ${got} of ${want} bytes`);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, dest);
    fsyncDirSync(path.dirname(dest));
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes the sweep's folder for cluster tasks: the dataset's file copied in
 * (nodes may not see the data folder), then sweep.json, each written exactly.
 * @returns the folder
 */
export function writeSharedSweep(sharedDir: string, sweepId: number, dataset: DatasetRecord, trials: readonly RunConfig[]): string {
  const folder = sweepFolderIn(sharedDir, sweepId);
  for (const sub of ['dataset', 'logs', 'work', 'bundles']) fs.mkdirSync(path.join(folder, sub), { recursive: true });
  let tokenFile = '';
  if (dataset.tokenFile) {
    tokenFile = path.join('dataset', path.basename(dataset.tokenFile));
    copyFileExactlySync(dataset.tokenFile, path.join(folder, tokenFile));
  }
  const file = {
    format: 'seqlab-sweep',
    bundleVersion: BUNDLE_VERSION,
    seqlabVersion: seqlabVersion(),
    sweepId,
    trials,
    dataset: { ...dataset, tokenFile },
  };
  writeFileExactlySync(path.join(folder, SHARED_SWEEP_FILE), Buffer.from(`${JSON.stringify(file, null, 1)}\n`));
  return folder;
}

/** Reads `<folder>/sweep.json`; errors name the file and the bad field. */
export function readSharedSweep(folder: string): SharedSweep {
  const file = path.join(folder, SHARED_SWEEP_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the shared sweep ${file}: ${(e as Error).message}`, { cause: e });
  }
  const version = (raw as { bundleVersion?: unknown } | null)?.bundleVersion;
  if (typeof version === 'number' && version > BUNDLE_VERSION) {
    throw new Error(
      `${file} was written for run bundle version ${version}; this seqlab (${seqlabVersion()}) writes and reads version ${BUNDLE_VERSION}: run the trial with a newer seqlab`,
    );
  }
  const parsed = sharedSweepFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: ${describeIssues(parsed.error)}`);
  const { dataset } = parsed.data;
  const task = DATASET_TASK_SCHEMAS[dataset.kind].safeParse(dataset.task);
  if (!task.success) throw new Error(`${file}: ${describeIssues(task.error, { prefix: 'dataset.task' })}`);
  const trials = parsed.data.trials.map((c, i) => {
    const config = runConfigSchema.safeParse(c);
    if (!config.success) throw new Error(`${file}: ${describeIssues(config.error, { prefix: `trials.${i}` })}`);
    return config.data;
  });
  const resolved = {
    ...dataset,
    task: task.data,
    tokenFile: dataset.tokenFile ? path.join(folder, dataset.tokenFile) : '',
  } as unknown as DatasetRecord;
  return { folder, sweepId: parsed.data.sweepId, trials, dataset: resolved };
}
