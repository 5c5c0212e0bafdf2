// `seqlab sweep collect S`: merges the sweep's sealed run bundles into the
// history, each as the trial's ordinary run (metrics, samples, final
// checkpoint, final status), verified first (bundle-files.ts: version, manifest,
// sizes and hashes). Each trial is merged in one transaction with its
// trial row, so a crash mid-collect leaves it unmerged, never half merged, and
// a trial already merged is skipped: collecting twice gives the same history.
// A task that died without sealing (gone from the queue, no bundle) leaves its
// trial failed with its log; what its work folder holds (rows up to the kill,
// the last checkpoint) is sealed as a crashed run and merged, so nothing it
// computed is lost and the run can be resumed.
import { isDeepStrictEqual } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import type { History } from '../../storage/history.ts';
import {
  ensureTrialRun,
  loadSweep,
  markTrial,
  runMetric,
  setSweepState,
  type SweepRecord,
  type SweepTrialRecord,
  type TrialState,
} from '../sweeps/sweep-store.ts';
import { isSealedBundle, readBundle, sealBundle, type RunBundle } from './bundle-files.ts';
import { accountedEnds, logTail, queuedTasks, type QueueTasks } from './slurm-progress.ts';
import { sweepFolderIn, trialBundleDir, trialLogPath, trialWorkDir } from './shared-sweep.ts';

/** What a collect did, trial by trial. */
export interface CollectReport {
  sweepId: number;
  folder: string;
  /** Merged now: index -> run id and final status. */
  merged: { index: number; runId: number; status: string; state: TrialState }[];
  /** Merged by an earlier collect. */
  already: number[];
  /** Still pending or running on the cluster. */
  waiting: number[];
  /** Died without a bundle: marked failed with their log. */
  died: { index: number; log: string; runId: number | null }[];
  /** Bundles refused (damaged, a newer version, another sweep's): index and why. Left unmerged. */
  refused: { index: number; error: string }[];
}

/** The trial's log: the task's own output file where it still is (it has the scheduler's last words), else the bundle's copy. */
function logOf(folder: string, index: number, bundleDir: string): string {
  const taskLog = trialLogPath(folder, index);
  return fs.existsSync(taskLog) ? taskLog : path.join(bundleDir, 'log.txt');
}

/** Merges one verified bundle as trial `t`'s run, with the trial row, in one transaction. */
function mergeBundle(
  history: History,
  sweep: SweepRecord,
  t: SweepTrialRecord,
  bundle: RunBundle,
  logPath: string,
): { runId: number; status: string; state: TrialState } {
  const { manifest } = bundle;
  const s = manifest.state;
  return history.transaction(() => {
    const run = ensureTrialRun(history, sweep.id, t.index);
    const pid = process.pid;
    history.claimRun(run.id, pid);
    // A run left with rows by an interrupted merge would refuse the same steps again; start it clean.
    history.truncateMetricsAfter(run.id, -1);
    history.truncateSamplesAfter(run.id, -1);
    history.markRunning(run.id, { pid, backend: s.backend ?? 'unknown', device: s.device ?? 'unknown (Slurm task)' });
    for (let i = 0; i < bundle.metrics.length; i += 1000) history.appendMetrics(run.id, bundle.metrics.slice(i, i + 1000));
    for (const sample of bundle.samples) history.addSample(run.id, sample);
    for (const a of bundle.audio) history.addAudioSample(run.id, { ...a.meta, wav: a.wav });
    if (bundle.checkpoint && s.checkpointStep !== null) history.saveCheckpoint(run.id, s.checkpointStep, bundle.checkpoint);
    history.setStatus(run.id, s.status, s.error ?? undefined, pid);
    const state: TrialState = s.status === 'completed' ? 'completed' : 'failed';
    markTrial(history, sweep.id, t.index, {
      state,
      metric: runMetric(history, run.id, sweep.spec.metric),
      logPath,
      error:
        state === 'completed' ? null : `${s.status} at step ${s.step} of ${s.totalSteps}${s.error ? `: ${s.error}` : ''}; log: ${logPath}`,
    });
    return { runId: run.id, status: s.status, state };
  });
}

/** Checks that a verified bundle belongs to trial `t` of this sweep, with its config and dataset. */
function checkBelongs(bundle: RunBundle, sweep: SweepRecord, t: SweepTrialRecord, fingerprint: string): void {
  const m = bundle.manifest;
  if (m.sweepId !== sweep.id || m.trialIndex !== t.index)
    throw new Error(`bundle ${bundle.dir} is trial ${m.trialIndex} of sweep ${m.sweepId}, not trial ${t.index} of sweep ${sweep.id}`);
  if (m.dataset.fingerprint !== fingerprint)
    throw new Error(
      `bundle ${bundle.dir} was trained on dataset "${m.dataset.name}" with fingerprint ${m.dataset.fingerprint}; the sweep's dataset has ${fingerprint}`,
    );
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(bundle.config)), JSON.parse(JSON.stringify(t.config))))
    throw new Error(`bundle ${bundle.dir}: config.json differs from trial ${t.index}'s config in the history`);
}

/**
 * Collects sweep `ref`.
 * @param o.sharedDir where the sweep's folder is (default: the one stored at submit)
 * @param o.allEnded the tasks ran outside Slurm (an Indexed Job) and have all
 *   ended: a trial without a bundle is then a task that died. With Slurm the
 *   queue says so.
 */
export async function collectSweep(
  history: History,
  ref: string | number,
  o: { sharedDir?: string; allEnded?: boolean } = {},
): Promise<CollectReport> {
  const sweep = loadSweep(history, ref);
  const exec = sweep.execution;
  const folder = o.sharedDir ? sweepFolderIn(o.sharedDir, sweep.id) : exec?.kind === 'slurm' ? exec.sharedDir : null;
  if (!folder) throw new Error(`sweep ${sweep.id} was not submitted to Slurm; give the folder its tasks wrote to with --shared-dir`);
  if (!fs.existsSync(folder)) throw new Error(`--shared-dir: the sweep's folder ${folder} does not exist`);
  const dataset = history.getDataset(sweep.datasetId);
  if (!dataset) throw new Error(`sweep ${sweep.id}: its dataset ${sweep.datasetId} is gone`);
  // The queue first, then the folders: a task seals its bundle before it leaves the queue.
  const queue: QueueTasks | null = exec?.kind === 'slurm' ? await queuedTasks(exec.jobId) : null;
  const report: CollectReport = { sweepId: sweep.id, folder, merged: [], already: [], waiting: [], died: [], refused: [] };

  for (const t of sweep.trials) {
    const linked = t.runId === null ? undefined : history.getRun(t.runId);
    const bundleDir = trialBundleDir(folder, t.index);
    // Merged before, or recorded dead with nothing to merge (unless a bundle has appeared since: a requeued task).
    const ended = t.state === 'completed' || t.state === 'failed';
    if (ended && (linked ? linked.status !== 'queued' && linked.status !== 'running' : !isSealedBundle(bundleDir))) {
      report.already.push(t.index);
      continue;
    }
    const taskAlive = queue ? queue.has(t.index) : !o.allEnded;
    if (!isSealedBundle(bundleDir)) {
      if (taskAlive) {
        report.waiting.push(t.index);
        continue;
      }
      report.died.push(await recordDeath(history, sweep, t, folder, dataset.fingerprint, report));
      continue;
    }
    try {
      const bundle = readBundle(bundleDir);
      checkBelongs(bundle, sweep, t, dataset.fingerprint);
      report.merged.push({ index: t.index, ...mergeBundle(history, sweep, t, bundle, logOf(folder, t.index, bundleDir)) });
    } catch (e) {
      report.refused.push({ index: t.index, error: (e as Error).message });
    }
  }

  const final = loadSweep(history, sweep.id);
  if (final.trials.every((t) => t.state === 'completed' || t.state === 'failed' || t.state === 'pruned')) {
    const failed = final.trials.filter((t) => t.state === 'failed').length;
    setSweepState(history, sweep.id, 'completed', failed > 0 ? `${failed} of ${final.trials.length} trials failed` : null);
  }
  return report;
}

/**
 * A task that ended without sealing: what its work folder holds is sealed now
 * as a crashed run and merged (the rows up to the kill and its last
 * checkpoint); the trial is failed with the log's path and tail.
 */
async function recordDeath(
  history: History,
  sweep: SweepRecord,
  t: SweepTrialRecord,
  folder: string,
  fingerprint: string,
  report: CollectReport,
): Promise<CollectReport['died'][number]> {
  const log = trialLogPath(folder, t.index);
  const exec = sweep.execution;
  const accounted = exec?.kind === 'slurm' ? (await accountedEnds(exec.jobId)).get(t.index) : undefined;
  const how = `the ${exec?.kind === 'slurm' ? `Slurm task ${exec.jobId}_${t.index}` : 'task'} ended without sealing its bundle${accounted ? ` (${accounted})` : ' (killed, cancelled, out of memory or past its time limit?)'}`;
  const tail = logTail(log, 8);
  const detail = `${how}; log: ${log}${tail ? `\n${tail}` : ''}`;
  const workDir = trialWorkDir(folder, t.index);
  if (fs.existsSync(path.join(workDir, 'run.json'))) {
    try {
      sealBundle(workDir, trialBundleDir(folder, t.index), { logFile: log, deathCause: how });
      const bundle = readBundle(trialBundleDir(folder, t.index));
      checkBelongs(bundle, sweep, t, fingerprint);
      const merged = mergeBundle(history, sweep, t, bundle, log);
      // A worker that recorded its end before its task died left a complete run: only the sealing was lost.
      if (merged.state !== 'completed') markTrial(history, sweep.id, t.index, { state: 'failed', logPath: log, error: detail });
      return { index: t.index, log, runId: merged.runId };
    } catch (e) {
      report.refused.push({ index: t.index, error: `its work folder could not be sealed: ${(e as Error).message}` });
    }
  }
  markTrial(history, sweep.id, t.index, { state: 'failed', logPath: log, error: detail });
  return { index: t.index, log, runId: null };
}
