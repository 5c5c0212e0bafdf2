// One sweep trial run headless into a run bundle (`seqlab sweep trial`, one
// Slurm array task or Kubernetes Indexed-Job pod each): the trial's config
// from the shared sweep.json, trained by the same training worker as every
// run (training-host.ts), which records into the trial's work
// folder instead of the history; then sealed into the bundle. A task started
// again on the same trial (requeued) resumes from the work folder's newest
// checkpoint; one whose bundle is already complete does nothing.
import fs from 'node:fs';
import { countParameters } from '../ml/models/parameter-count.ts';
import type { BundleManifest } from '../services/sweep-bundles/bundle-format.ts';
import { isSealedBundle, readBundle, sealBundle } from '../services/sweep-bundles/bundle-files.ts';
import { BUNDLE_RUN_ID, BundleRunStore, writeTrialRunFile } from '../services/sweep-bundles/bundle-run-store.ts';
import { readSharedSweep, trialBundleDir, trialLogPath, trialWorkDir } from '../services/sweep-bundles/shared-sweep.ts';
import { startTraining, type TrainingHandle } from './training-host.ts';
import type { TrainingEvent } from './training-protocol.ts';

export interface TrialOutcome {
  manifest: BundleManifest;
  bundleDir: string;
  /** True when the bundle was already complete and nothing ran. */
  alreadyDone: boolean;
  /** Step the run resumed from, or null when it started at 0. */
  resumedFrom: number | null;
}

/**
 * Runs trial `index` of the sweep in `folder` into its bundle.
 * @param o.onEvent every training event (progress for the log)
 * @param o.onStarted receives the handle, so a signal can ask the worker to checkpoint and stop
 */
export async function runTrialToBundle(
  folder: string,
  index: number,
  o: { onEvent?: (e: TrainingEvent) => void; onStarted?: (h: TrainingHandle) => void } = {},
): Promise<TrialOutcome> {
  const shared = readSharedSweep(folder);
  const config = shared.trials[index];
  if (!Number.isInteger(index) || !config)
    throw new Error(`--index: sweep ${shared.sweepId} has trials 0..${shared.trials.length - 1} (got ${index})`);
  const bundleDir = trialBundleDir(folder, index);
  if (isSealedBundle(bundleDir)) {
    const done = readBundle(bundleDir);
    if (done.manifest.state.status === 'completed') return { manifest: done.manifest, bundleDir, alreadyDone: true, resumedFrom: null };
  }

  const workDir = trialWorkDir(folder, index);
  // A folder from an earlier attempt resumes from its checkpoint; without one it starts over.
  const earlier = fs.existsSync(workDir) ? BundleRunStore.open(workDir).loadLatestCheckpoint(BUNDLE_RUN_ID) : undefined;
  if (!earlier) {
    fs.rmSync(workDir, { recursive: true, force: true });
    writeTrialRunFile(workDir, {
      sweepId: shared.sweepId,
      trialIndex: index,
      name: `sweep ${shared.sweepId} trial ${index}`,
      config,
      paramCount: countParameters(config.model),
      datasetFingerprint: shared.dataset.fingerprint,
      createdAt: new Date().toISOString(),
    });
  }
  // The sweep folder doubles as the data folder of these workers: `auto`'s
  // timed backend choice is cached there once for all trials of the sweep.
  const handle = startTraining({ runId: BUNDLE_RUN_ID, dataDir: folder, resume: earlier !== undefined, bundleDir: workDir }, (e) =>
    o.onEvent?.(e),
  );
  o.onStarted?.(handle);
  const done = await handle.done;
  const manifest = sealBundle(workDir, bundleDir, {
    logFile: trialLogPath(folder, index),
    deathCause: done.status === 'crashed' ? done.error : null,
  });
  return { manifest, bundleDir, alreadyDone: false, resumedFrom: earlier?.step ?? null };
}
