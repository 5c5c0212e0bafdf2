// Runs a sweep's trials on this machine, several at once (services/sweeps/sweep-concurrency.ts),
// each trial an ordinary run trained by the same training child process as
// `seqlab train` (startTraining). Restart-safe by construction: what to do is
// derived from the trials' runs every time, so after Ctrl-C, a crash or a
// reboot a rerun keeps finished trials, resumes stopped or crashed runs from
// their checkpoints and restarts queued ones. Halving re-derives each rung's
// survivors from the runs' metrics at the rung's last step.
import { halvingRungs, survivors } from '../ml/sweeps/successive-halving.ts';
import type { History, RunRecord } from '../storage/history.ts';
import type { SweepRecord, SweepTrialRecord } from '../storage/history-sweeps.ts';
import { startTraining, type TrainingHandle } from '../worker/training-host.ts';
import type { TrainingEvent } from '../worker/training-protocol.ts';
import { withRecordedEnd } from './run-end.ts';
import { planConcurrency, thisMachine, type MachineShape, type SweepConcurrency } from '../services/sweeps/sweep-concurrency.ts';
import { ensureTrialRun, loadSweep, markTrial, runMetric, setSweepExecution, setSweepState } from '../services/sweeps/sweep-store.ts';
import { FieldError } from '../contract/structured-error.ts';

export type SweepRunEvent =
  | { type: 'plan'; sweepId: number; concurrency: SweepConcurrency; rung: number | null; rungSteps: number; trials: number[] }
  | { type: 'trial'; sweepId: number; index: number; runId: number; event: TrainingEvent }
  | { type: 'trialEnd'; sweepId: number; index: number; runId: number; trial: SweepTrialRecord }
  | { type: 'pruned'; sweepId: number; rung: number; indices: number[] }
  | { type: 'status'; sweepId: number; state: SweepRecord['state']; error: string | null };

export interface SweepRunHooks {
  onEvent?(e: SweepRunEvent): void;
  /** Starts one trial's training; the app passes its own to track the run. Default: startTraining. */
  startTraining?(
    opts: { runId: number; dataDir: string; resume: boolean; stopAtStep?: number },
    onEvent: (e: TrainingEvent) => void,
  ): TrainingHandle;
  /** Caps the trials training at once. */
  maxParallel?: number;
  /** The machine to plan for (tests); default this one. */
  machine?: MachineShape;
}

export interface SweepRunHandle {
  /** Asks every training trial to checkpoint and stop; the sweep ends 'stopped' and a rerun continues it. */
  stop(): void;
  done: Promise<SweepRecord>;
}

/** Trials that never train again. */
const SETTLED = new Set(['completed', 'failed', 'pruned']);

/** Runs `fn` over `items`, `parallel` at a time, in order of the items. */
async function pool<T>(items: readonly T[], parallel: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, items.length)) }, lane));
}

/**
 * Sets SEQLAB_THREADS while `start` forks the trainer (fork copies the
 * environment then), so this process's own environment is left as it was.
 */
function withThreads<T>(threads: number, start: () => T): T {
  const before = process.env['SEQLAB_THREADS'];
  if (before !== undefined) return start(); // the user chose; respect it
  process.env['SEQLAB_THREADS'] = String(threads);
  try {
    return start();
  } finally {
    delete process.env['SEQLAB_THREADS'];
  }
}

/**
 * Drives sweep `sweepId` on this machine until every trial is settled or a
 * stop. Claims the sweep for this process first and throws (synchronously)
 * when it cannot: unknown, already completed, or driven by another live process.
 */
export function runSweepLocally(history: History, dataDir: string, sweepId: number, hooks: SweepRunHooks = {}): SweepRunHandle {
  const found = loadSweep(history, sweepId);
  // The one refusal of a finished sweep, for every front.
  if (found.state === 'completed') throw new FieldError('id', `sweep ${sweepId} already completed`);
  if (found.execution?.kind === 'slurm')
    throw new Error(
      `sweep ${sweepId} was submitted to Slurm (job ${String(found.execution.jobId)}); follow it with: seqlab sweep status ${sweepId}`,
    );
  history.sweeps.claim(sweepId, process.pid);
  if (!found.execution) setSweepExecution(history, sweepId, { kind: 'local' });
  const spec = found.spec;
  const emit = (e: SweepRunEvent) => {
    try {
      hooks.onEvent?.(e);
    } catch {
      // a broken listener must not stop the sweep
    }
  };
  const train = hooks.startTraining ?? startTraining;
  const machine = hooks.machine ?? thisMachine();
  let stopRequested = false;
  const live = new Set<TrainingHandle>();

  /**
   * Trains trial `index` until `untilStep` (halving rung; its worker stops
   * there) or its end. Settles the trial unless it only reached a rung.
   */
  const trainTrial = async (index: number, threads: number, untilStep: number): Promise<void> => {
    if (stopRequested) return;
    const run = ensureTrialRun(history, sweepId, index);
    // A rung already reached settles as it stands; a run that reached its last step without recording its end (killed
    // right there) is resumed instead, so its worker records it completed: settling it would leave the trial pending.
    const reachedRung = untilStep < spec.steps && run.step >= untilStep;
    if (run.status === 'completed' || run.status === 'diverged' || reachedRung) return settleFromRun(index, run, untilStep);
    history.claimRun(run.id, process.pid);
    markTrial(history, sweepId, index, { state: 'running', error: null });
    // A rung's end is a step the worker stops at itself, exactly: a stop sent on its progress event would land steps late.
    const rungEnd = untilStep < spec.steps ? { stopAtStep: untilStep } : {};
    // The run's end is recorded once its worker is gone, whatever started it (run-end.ts).
    const handle = withRecordedEnd(
      history,
      withThreads(threads, () =>
        train({ runId: run.id, dataDir, resume: run.status !== 'queued', ...rungEnd }, (event) =>
          emit({ type: 'trial', sweepId, index, runId: run.id, event }),
        ),
      ),
    );
    live.add(handle);
    const done = await handle.done;
    live.delete(handle);
    if (done.status === 'crashed') {
      if (stopRequested) return void markTrial(history, sweepId, index, { state: 'pending' });
      const trial = markTrial(history, sweepId, index, {
        state: 'failed',
        error: `run ${run.id} crashed: ${done.error ?? 'unknown cause'}`,
        metric: runMetric(history, run.id, spec.metric),
      });
      return emit({ type: 'trialEnd', sweepId, index, runId: run.id, trial });
    }
    // Stopped short of its rung's end: a user's stop, so the trial waits to be resumed.
    if (done.status === 'stopped' && done.step < untilStep) return void markTrial(history, sweepId, index, { state: 'pending' });
    settleFromRun(index, history.getRun(run.id)!, untilStep);
  };

  /** Records what a trial's run reached: completed, failed (diverged), or a rung's metric while it waits. */
  const settleFromRun = (index: number, run: RunRecord, untilStep: number): void => {
    let trial: SweepTrialRecord;
    if (run.status === 'completed')
      trial = markTrial(history, sweepId, index, { state: 'completed', metric: runMetric(history, run.id, spec.metric), error: null });
    else if (run.status === 'diverged')
      trial = markTrial(history, sweepId, index, { state: 'failed', metric: null, error: run.error ?? 'diverged' });
    else trial = markTrial(history, sweepId, index, { state: 'pending', metric: runMetric(history, run.id, spec.metric, untilStep) });
    emit({ type: 'trialEnd', sweepId, index, runId: run.id, trial });
  };

  /** Trains `indices` to `untilStep`, as many at once as the machine allows. */
  const trainAll = async (indices: number[], untilStep: number, rung: number | null): Promise<void> => {
    const sweep = loadSweep(history, sweepId);
    const todo = indices.filter((i) => !SETTLED.has(sweep.trials[i]!.state));
    const concurrency = planConcurrency(
      todo.map((i) => sweep.trials[i]!.config),
      machine,
      hooks.maxParallel,
    );
    emit({ type: 'plan', sweepId, concurrency, rung, rungSteps: untilStep, trials: todo });
    await pool(todo, concurrency.parallel, (i) => trainTrial(i, concurrency.threadsPerTrial, untilStep));
  };

  const finish = (state: 'completed' | 'failed' | 'stopped', error: string | null = null): SweepRecord => {
    const record = setSweepState(history, sweepId, state, error);
    emit({ type: 'status', sweepId, state, error });
    return record;
  };

  const drive = async (): Promise<SweepRecord> => {
    emit({ type: 'status', sweepId, state: 'running', error: null });
    const all = found.trials.map((t) => t.index);
    if (spec.method !== 'halving') {
      await trainAll(all, spec.steps, null);
    } else {
      const rungs = halvingRungs(all.length, spec.steps);
      let entering = all;
      for (const [k, rung] of rungs.entries()) {
        await trainAll(entering, rung.steps, k);
        if (stopRequested) break;
        const next = rungs[k + 1];
        if (!next) break;
        const sweep = loadSweep(history, sweepId);
        const results = entering.map((i) => {
          const t = sweep.trials[i]!;
          return {
            index: i,
            metric: t.state === 'failed' || t.runId === null ? null : runMetric(history, t.runId, spec.metric, rung.steps),
          };
        });
        const keep = survivors(results, next.keep);
        const pruned = entering.filter((i) => !keep.includes(i));
        for (const i of pruned) {
          const t = sweep.trials[i]!;
          if (t.state !== 'failed') markTrial(history, sweepId, i, { state: 'pruned', metric: results.find((r) => r.index === i)!.metric });
        }
        if (pruned.length) emit({ type: 'pruned', sweepId, rung: k, indices: pruned });
        entering = keep;
      }
    }
    if (stopRequested) return finish('stopped');
    const end = loadSweep(history, sweepId);
    const failed = end.trials.filter((t) => t.state === 'failed').length;
    if (failed === end.trials.length)
      return finish('failed', `all ${failed} trial(s) failed; the first: ${end.trials[0]!.error ?? 'unknown'}`);
    return finish('completed', failed ? `${failed} of ${end.trials.length} trial(s) failed` : null);
  };

  const done = drive().catch((e: Error) => {
    for (const h of live) h.stop();
    try {
      return finish('failed', e.message);
    } catch {
      return loadSweep(history, sweepId);
    }
  });
  return {
    stop: () => {
      stopRequested = true;
      for (const h of live) h.stop();
    },
    done,
  };
}
