// Where a Slurm sweep's trials stand, from the scheduler and the shared
// folder: `squeue -r` lists each array task still pending or running; a
// task that left the queue either sealed its bundle or died without one.
// squeue is read BEFORE the bundles are looked at: a task seals before it
// exits, so a task gone from the queue without a bundle never made one.
// Plain `sacct` needs slurmdbd; where it answers, it adds the exit state of a
// task that died.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { History } from '../../storage/history.ts';
import type { SweepRecord, TrialState } from '../sweeps/sweep-store.ts';
import { BUNDLE_FILES } from './bundle-format.ts';
import { isSealedBundle } from './bundle-files.ts';
import { readJsonLines } from './bundle-run-store.ts';
import { trialBundleDir, trialLogPath, trialWorkDir } from './shared-sweep.ts';

const run = promisify(execFile);

/** Slurm job states of a task that may still run. */
const ALIVE = new Set([
  'PENDING',
  'RUNNING',
  'CONFIGURING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'STOPPED',
]);

/** The array tasks of a job still in the queue: index -> Slurm state (PENDING, RUNNING, ...). */
export type QueueTasks = Map<number, { state: string; reason: string }>;

/**
 * The job's tasks as `squeue -h -r -j JOB -o '%K|%T|%r'` lists them. A job
 * Slurm no longer knows ("Invalid job id") has no task left. Any other failure
 * of squeue throws: an unreachable controller must not read as dead tasks.
 */
export async function queuedTasks(jobId: string): Promise<QueueTasks> {
  const tasks: QueueTasks = new Map();
  let stdout: string;
  try {
    ({ stdout } = await run('squeue', ['-h', '-r', '-j', jobId, '-o', '%K|%T|%r'], { timeout: 30_000 }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (/invalid job id/i.test(err.stderr ?? '')) return tasks;
    if (err.code === 'ENOENT') throw new Error('squeue is not on PATH: follow a Slurm sweep from a machine of its cluster', { cause: e });
    throw new Error(`squeue failed for job ${jobId}: ${(err.stderr ?? err.message).trim()}`, { cause: e });
  }
  for (const line of stdout.split('\n')) {
    const [index, state, reason] = line.trim().split('|');
    if (index === undefined || !/^\d+$/.test(index) || !state) continue;
    if (ALIVE.has(state)) tasks.set(Number(index), { state, reason: reason ?? '' });
  }
  return tasks;
}

/** How each array task ended per `sacct` (needs slurmdbd); empty where accounting is off. */
export async function accountedEnds(jobId: string): Promise<Map<number, string>> {
  const ends = new Map<number, string>();
  try {
    const { stdout } = await run('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,ExitCode'], { timeout: 30_000 });
    for (const line of stdout.split('\n')) {
      const m = /^\d+_(\d+)\|([^|]+)\|(\S+)$/.exec(line.trim());
      if (m) ends.set(Number(m[1]), `${m[2]} (exit ${m[3]})`);
    }
  } catch {
    // No slurmdbd ("Slurm accounting storage is disabled") or no sacct: squeue and the bundles say enough.
  }
  return ends;
}

/** The last `lines` lines of a log file, or '' when it is absent. */
export function logTail(file: string, lines = 20): string {
  if (!fs.existsSync(file)) return '';
  const text = fs.readFileSync(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
}

/** A sealed bundle's final status, read from its manifest without verifying the files (collect does). */
function sealedStatus(dir: string): string | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, BUNDLE_FILES.manifest), 'utf8')) as { state?: { status?: unknown } };
    return typeof m.state?.status === 'string' ? m.state.status : null;
  } catch {
    return null;
  }
}

/** The step a running trial has reached, from its work folder. */
function workStep(workDir: string): number | null {
  try {
    return readJsonLines(path.join(workDir, 'metrics.jsonl'), z.object({ step: z.number() }).loose()).at(-1)?.step ?? null;
  } catch {
    return null;
  }
}

/** One trial's live state and a line saying why. */
export interface LiveTrial {
  state: TrialState;
  detail?: string;
}

/**
 * Each trial's state for `sweep status` of a Slurm sweep. Trials already
 * collected (a final state and a run) keep their stored state; the others
 * come from the queue and the shared folder.
 */
export async function slurmTrialStates(_history: History, sweep: SweepRecord): Promise<Map<number, LiveTrial>> {
  const out = new Map<number, LiveTrial>();
  const exec = sweep.execution;
  if (exec?.kind !== 'slurm') return out;
  const queue = await queuedTasks(exec.jobId);
  const folder = exec.sharedDir;
  for (const t of sweep.trials) {
    if (t.runId !== null && (t.state === 'completed' || t.state === 'failed')) continue;
    const queued = queue.get(t.index);
    const bundle = trialBundleDir(folder, t.index);
    if (queued) {
      const step = workStep(trialWorkDir(folder, t.index));
      out.set(
        t.index,
        queued.state === 'PENDING'
          ? { state: 'pending', detail: `Slurm task ${exec.jobId}_${t.index} pending (${queued.reason})` }
          : {
              state: 'running',
              detail: `Slurm task ${exec.jobId}_${t.index} ${queued.state.toLowerCase()}${step === null ? '' : `, step ${step}`}`,
            },
      );
    } else if (isSealedBundle(bundle)) {
      const status = sealedStatus(bundle);
      out.set(t.index, {
        state: status === 'completed' ? 'completed' : 'failed',
        detail: `bundle sealed (${status ?? 'unreadable manifest'}); merge it with: seqlab sweep collect ${sweep.id}`,
      });
    } else {
      out.set(t.index, {
        state: 'failed',
        detail: `Slurm task ${exec.jobId}_${t.index} ended without a bundle; log: ${trialLogPath(folder, t.index)}`,
      });
    }
  }
  return out;
}
