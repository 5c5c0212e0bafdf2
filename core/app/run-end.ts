// The one rule of how a training run ends, for every front and every driver
// (LabService for the app, browser mode and the CLI; experiments; sweeps):
// a worker that died, or could not write its final status (a full disk),
// left its run 'running' under this process, so the host records the end.
import type { History } from '../storage/history.ts';
import { isDiskFull } from '../storage/open-read-only.ts';
import type { TrainingHandle } from '../worker/training-host.ts';
import type { TrainingEvent } from '../worker/training-protocol.ts';

type DoneEvent = Extract<TrainingEvent, { type: 'done' }>;

/** What a dead worker's run records when its worker gave no cause. */
const NO_CAUSE = 'training worker ended unexpectedly';

/**
 * Records the end of run `done.runId` when its worker could not: only a run
 * still 'running' under this process (never another's, so a loser of a claim
 * writes nothing). A worker that died of a full disk gets no write at all, and
 * on a full disk any write fails too: either way `onDiskFull` turns the
 * history read-only and the run stays 'running' under this process, so the
 * first open after this process ended (with room to write) marks it crashed.
 * Returns the end as the history has it: a worker that died may have stored a
 * step it never announced.
 */
export function recordRunEnd(history: History, done: DoneEvent, onDiskFull: (e: unknown) => void): DoneEvent {
  const run = history.getRun(done.runId);
  // A worker killed by a full disk: the history turns read-only with that cause now, whether or not the worker's
  // own last write fitted (it can, reusing room already in the write-ahead log), and no end write is tried here:
  // it too might pass, leaving a history whose next write fails at some random later point. A run still
  // 'running' is reconciled on the first open with room.
  if (done.status === 'crashed' && done.error && isDiskFull(done.error)) {
    onDiskFull(done.error);
    return { ...done, step: Math.max(done.step, run?.step ?? 0) };
  }
  if (run?.status === 'running' && run.pid === process.pid) {
    try {
      history.setStatus(done.runId, done.status, done.error ?? (done.status === 'crashed' ? NO_CAUSE : undefined), process.pid);
    } catch (e) {
      if (!isDiskFull(e)) throw e;
      onDiskFull(e);
    }
  }
  return done.status === 'crashed' ? { ...done, step: Math.max(done.step, run?.step ?? 0) } : done;
}

/**
 * The same training handle, whose `done` resolves once the run's end is
 * recorded (recordRunEnd). Idempotent: a handle wrapped twice records once,
 * since the second sees the run no longer 'running'.
 */
export function withRecordedEnd(
  history: History,
  handle: TrainingHandle,
  onDiskFull: (e: unknown) => void = (e) => history.becomeReadOnly(e),
): TrainingHandle {
  return { stop: () => handle.stop(), done: handle.done.then((done) => recordRunEnd(history, done, onDiskFull)) };
}
