// `seqlab sweep submit S --slurm`: the sweep's folder in the shared directory
// (shared-sweep.ts), an sbatch script with one array task per trial, each
// running `seqlab sweep trial S --index $SLURM_ARRAY_TASK_ID`, submitted with
// `sbatch --parsable`; the job id and folder are stored on the sweep. The
// scheduler is the cluster's own: no job runner of ours.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeFileExactlySync } from '../../storage/exact-write.ts';
import type { History } from '../../storage/history.ts';
import { loadSweep, markTrial, setSweepExecution, setSweepState, type SweepRecord } from '../sweeps/sweep-store.ts';
import { trialLogPath, writeSharedSweep } from './shared-sweep.ts';

const run = promisify(execFile);

export interface SlurmSubmitOptions {
  /** The shared directory every node sees; the sweep's folder is made inside it. */
  sharedDir: string;
  partition?: string;
  /** Slurm time limit per task, e.g. "01:00:00". */
  time?: string;
  gpusPerTask?: number;
  /** CPUs per task; SEQLAB_THREADS (the fused kernels' threads) follows it. */
  cpusPerTask: number;
  /** How a node starts seqlab; default: this Node and this checkout's bin/seqlab.mjs (the install must be visible at the same path). */
  seqlabCommand?: string;
}

/** The stored execution of a submitted sweep. */
export type SlurmExecution = {
  kind: 'slurm';
  jobId: string;
  /** The sweep's own folder (…/sweep-<id>). */
  sharedDir: string;
  submittedAt: string;
  script: string;
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  cpusPerTask: number;
};

/** Quotes a word for a POSIX shell. */
export const shellQuote = (s: string): string => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** This Node and this checkout's CLI entry, quoted for the script. */
function defaultSeqlabCommand(): string {
  return [process.execPath, fileURLToPath(new URL('../../../bin/seqlab.mjs', import.meta.url))].map(shellQuote).join(' ');
}

/** #SBATCH lines are split on whitespace by sbatch, with no shell quoting: refuse what they cannot carry. */
function sbatchValue(field: string, value: string): string {
  if (/[\s"'\\]/.test(value))
    throw new Error(`${field}: "${value}" holds whitespace or quotes, which an #SBATCH line cannot carry; choose a path without them`);
  return value;
}

/**
 * The sbatch script of a sweep: one array task per trial, its output into
 * logs/trial-<index>.log (appended, so a requeued task keeps its first
 * attempt's lines), SEQLAB_THREADS matching --cpus-per-task.
 */
export function sbatchScript(o: {
  sweepId: number;
  trials: number;
  folder: string;
  cpusPerTask: number;
  partition?: string;
  time?: string;
  gpusPerTask?: number;
  seqlabCommand: string;
}): string {
  const log = trialLogPath(o.folder, 0).replace(/trial-0\.log$/, 'trial-%a.log');
  const lines = [
    '#!/bin/bash',
    `# seqlab sweep ${o.sweepId}: one array task per trial, each writing a run bundle into ${o.folder}/bundles.`,
    `# Written by \`seqlab sweep submit ${o.sweepId} --slurm\`; merge the results with \`seqlab sweep collect ${o.sweepId}\`.`,
    `#SBATCH --job-name=seqlab-sweep-${o.sweepId}`,
    `#SBATCH --array=0-${o.trials - 1}`,
    `#SBATCH --output=${sbatchValue('--shared-dir', log)}`,
    '#SBATCH --open-mode=append',
    `#SBATCH --chdir=${sbatchValue('--shared-dir', o.folder)}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    ...(o.partition ? [`#SBATCH --partition=${sbatchValue('--partition', o.partition)}`] : []),
    ...(o.time ? [`#SBATCH --time=${sbatchValue('--time', o.time)}`] : []),
    ...(o.gpusPerTask ? [`#SBATCH --gpus-per-task=${o.gpusPerTask}`] : []),
    'set -euo pipefail',
    '# One kernel thread per CPU Slurm gave the task: no oversubscription when tasks share a node.',
    `export SEQLAB_THREADS="\${SLURM_CPUS_PER_TASK:-${o.cpusPerTask}}"`,
    `exec ${o.seqlabCommand} sweep trial ${o.sweepId} --index "$SLURM_ARRAY_TASK_ID" --shared-dir ${shellQuote(path.dirname(o.folder))}`,
    '',
  ];
  return lines.join('\n');
}

/** `sbatch --parsable` prints "jobid" or "jobid;cluster". */
export function parseSbatchJobId(stdout: string): string {
  const id = stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new Error(`sbatch did not print a job id (got "${stdout.trim()}")`);
  return id;
}

/** Refuses sweeps the Slurm path cannot run, naming why. */
function checkSubmittable(sweep: SweepRecord): void {
  if (sweep.execution?.kind === 'slurm')
    throw new Error(
      `sweep ${sweep.id} was already submitted as Slurm job ${String(sweep.execution.jobId)}; follow it with: seqlab sweep status ${sweep.id}, merge it with: seqlab sweep collect ${sweep.id}`,
    );
  if (sweep.spec.method === 'halving')
    throw new Error(
      `sweep ${sweep.id}: method "halving" decides after each rung which trials go on, which one array job cannot do; run it locally (seqlab sweep run ${sweep.id}) or make it "random"`,
    );
  const started = sweep.trials.filter((t) => t.state !== 'pending');
  if (started.length > 0)
    throw new Error(
      `sweep ${sweep.id} already ran trials ${started.map((t) => t.index).join(', ')} locally; submit a sweep whose trials are all pending`,
    );
}

/**
 * Writes the sweep's shared folder and script, submits the array job, and
 * stores the job on the sweep (state running, each trial's log path).
 */
export async function submitSweepToSlurm(
  history: History,
  ref: string | number,
  o: SlurmSubmitOptions,
): Promise<{ sweep: SweepRecord; execution: SlurmExecution }> {
  const sweep = loadSweep(history, ref);
  checkSubmittable(sweep);
  if (!(Number.isInteger(o.cpusPerTask) && o.cpusPerTask >= 1))
    throw new Error(`--cpus-per-task: must be a whole number of at least 1 (got ${o.cpusPerTask})`);
  const dataset = history.getDataset(sweep.datasetId);
  if (!dataset) throw new Error(`sweep ${sweep.id}: its dataset ${sweep.datasetId} is gone`);
  const folder = writeSharedSweep(
    o.sharedDir,
    sweep.id,
    dataset,
    sweep.trials.map((t) => t.config),
  );
  const scriptFile = path.join(folder, 'submit.sbatch');
  const script = sbatchScript({
    sweepId: sweep.id,
    trials: sweep.trials.length,
    folder,
    cpusPerTask: o.cpusPerTask,
    partition: o.partition,
    time: o.time,
    gpusPerTask: o.gpusPerTask,
    seqlabCommand: o.seqlabCommand ?? defaultSeqlabCommand(),
  });
  writeFileExactlySync(scriptFile, Buffer.from(script));
  let stdout: string;
  try {
    ({ stdout } = await run('sbatch', ['--parsable', scriptFile], { cwd: folder }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT')
      throw new Error('sbatch is not on PATH: submit from a machine of the Slurm cluster (a login node)', { cause: e });
    throw new Error(`sbatch refused ${scriptFile}: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
  const jobId = parseSbatchJobId(stdout);
  const execution: SlurmExecution = {
    kind: 'slurm',
    jobId,
    sharedDir: folder,
    submittedAt: new Date().toISOString(),
    script: scriptFile,
    cpusPerTask: o.cpusPerTask,
    ...(o.partition ? { partition: o.partition } : {}),
    ...(o.time ? { time: o.time } : {}),
    ...(o.gpusPerTask ? { gpusPerTask: o.gpusPerTask } : {}),
  };
  history.transaction(() => {
    setSweepExecution(history, sweep.id, execution);
    setSweepState(history, sweep.id, 'running');
    for (const t of sweep.trials) markTrial(history, sweep.id, t.index, { logPath: trialLogPath(folder, t.index) });
  });
  return { sweep: loadSweep(history, sweep.id), execution };
}
