// Where a training worker records its run: the history (every run started from
// the CLI, the server, the app, experiments and local sweeps), or a run bundle
// in a shared folder (a sweep trial on a Slurm node, where many writers to one
// SQLite file over NFS would not be safe). Both take the same calls, so the
// trainer, its sink and train-worker.ts are one code path for every run.
import { BundleRunStore } from '../services/sweep-bundles/bundle-run-store.ts';
import { History } from '../storage/history.ts';
import type { StartTraining } from './training-protocol.ts';

/** The part of {@link History} a training worker uses; a run bundle's work folder implements the same. */
export type RunRecordStore = Pick<
  History,
  | 'claimRun'
  | 'resolveRun'
  | 'getDataset'
  | 'loadLatestCheckpoint'
  | 'truncateMetricsAfter'
  | 'truncateSamplesAfter'
  | 'markRunning'
  | 'appendMetrics'
  | 'addSample'
  | 'addAudioSample'
  | 'saveCheckpoint'
  | 'setStatus'
  | 'close'
>;

/** The worker's store for `msg`: its bundle work folder when it has one, else the history in the data folder. */
export function openRunStore(msg: StartTraining): RunRecordStore {
  return msg.bundleDir ? BundleRunStore.open(msg.bundleDir) : History.open(msg.dataDir, { markCrashed: false });
}
