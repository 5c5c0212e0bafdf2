// Drives an experiment: trains its members one after another, each in its
// own child process, then analyses in a task worker; stops and resumes it.
// Members train sequentially on purpose: two at once would halve each one's
// speed on a 2-core machine and make "loss against wall-clock" meaningless.
// The driver only awaits workers, so the calling thread stays free.
import type { ExperimentResult } from '../ml/experiments/result-types.ts';
import type { ExperimentRecord, ExperimentStatus, History } from '../storage/history.ts';
import { runTask } from '../worker/task-host.ts';
import type { TrainingHandle } from '../worker/training-host.ts';
import type { TrainingEvent } from '../worker/training-protocol.ts';
import { ExperimentEta } from '../services/experiments/eta.ts';
import { runConfigOf } from '../storage/history.ts';
import { withRecordedEnd } from './run-end.ts';
import { FieldError } from '../contract/structured-error.ts';

export type ExperimentPhase = 'training' | 'analyzing';

export type ExperimentEvent =
  /** The experiment changed status (or phase while running). */
  | { type: 'status'; experimentId: number; status: ExperimentStatus; phase: ExperimentPhase | null; error: string | null }
  /**
   * An event of the member run training now: `index` of `of` trained members
   * (0-based); `etaSeconds` estimates the training time left of the whole
   * experiment (services/experiments/eta.ts), null until it can.
   */
  | {
      type: 'member';
      experimentId: number;
      runId: number;
      role: string;
      index: number;
      of: number;
      etaSeconds: number | null;
      event: TrainingEvent;
    };

export interface ExperimentHooks {
  onEvent?(e: ExperimentEvent): void;
  /**
   * Starts training a member run in a child process: LabService's own (every
   * front, the CLI included, drives experiments through LabService), which
   * claims the run and tracks it as a run of the app.
   */
  startTraining(opts: { runId: number; dataDir: string; resume: boolean }, onEvent: (e: TrainingEvent) => void): TrainingHandle;
  /** Runs the analysis in a worker thread. Default: runTask kind 'analyze'. */
  analyze?(experimentId: number, signal: AbortSignal): Promise<ExperimentResult>;
}

export interface ExperimentHandle {
  /** Stops the member training now (it checkpoints) or the analysis; the experiment ends 'stopped'. */
  stop(): void;
  /** The final record; never rejects (a failure ends the experiment 'failed', with the error). */
  done: Promise<ExperimentRecord>;
}

/**
 * Runs a queued experiment, or resumes a failed or stopped one: members that
 * completed (or diverged: a finding, not a fault) are kept, a stopped or
 * crashed member continues from its checkpoint, the others train from
 * scratch; then the analysis runs. Marks the experiment running in this
 * process first, and throws (synchronously) when it cannot: unknown,
 * completed, or driven by another live process.
 */
export function driveExperiment(history: History, dataDir: string, id: number, hooks: ExperimentHooks): ExperimentHandle {
  const found = history.getExperiment(id);
  if (!found) throw new Error(`no experiment with id ${id}`);
  // The one refusal of a finished experiment, for every front (the app names the field, the CLI the positional id).
  if (found.status === 'completed') throw new FieldError('id', `experiment ${id} already completed`);
  history.markExperimentRunning(id, process.pid);
  const emit = (e: ExperimentEvent) => {
    try {
      hooks.onEvent?.(e);
    } catch {
      // a broken listener must not stop the experiment
    }
  };
  const analyze =
    hooks.analyze ?? ((experimentId, signal) => runTask<ExperimentResult>({ kind: 'analyze', dataDir, experimentId }, signal));
  let stopRequested = false;
  let current: TrainingHandle | null = null;
  const analysis = new AbortController();

  const finish = (status: 'failed' | 'stopped', error?: string): ExperimentRecord => {
    const record = history.setExperimentStatus(id, status, error);
    emit({ type: 'status', experimentId: id, status, phase: null, error: record.error });
    return record;
  };

  const drive = async (): Promise<ExperimentRecord> => {
    emit({ type: 'status', experimentId: id, status: 'running', phase: 'training', error: null });
    const owned = found.members.filter((m) => m.owned);
    const eta = new ExperimentEta(
      owned.map((m) => {
        const run = history.getRun(m.runId);
        const train = run ? runConfigOf(run).train : null;
        return {
          totalSteps: run?.totalSteps ?? 0,
          timeLimitSeconds: train?.timeLimitSeconds ?? 0,
          finished: !run || run.status === 'completed' || run.status === 'diverged',
        };
      }),
    );
    const onMember = (run: { id: number }, role: string, index: number) => (event: TrainingEvent) => {
      if (event.type === 'progress') eta.observe(index, event.metrics.step, event.metrics.wallMs, performance.now());
      emit({ type: 'member', experimentId: id, runId: run.id, role, index, of: owned.length, etaSeconds: eta.secondsLeft(), event });
    };
    for (const [index, member] of owned.entries()) {
      if (stopRequested) return finish('stopped');
      const run = history.getRun(member.runId);
      if (!run) return finish('failed', `member ${member.role}: its run ${member.runId} is gone`);
      if (run.status === 'completed' || run.status === 'diverged') continue;
      // The member's end is recorded once its worker is gone, whatever started it (run-end.ts).
      current = withRecordedEnd(
        history,
        hooks.startTraining({ runId: run.id, dataDir, resume: run.status !== 'queued' }, onMember(run, member.role, index)),
      );
      const done = await current.done;
      current = null;
      if (done.status === 'crashed')
        return finish('failed', `member ${member.role} (run ${run.id}) crashed: ${done.error ?? 'unknown error'}`);
      if (done.status === 'stopped')
        return finish('stopped', stopRequested ? undefined : `member ${member.role} (run ${run.id}) was stopped`);
    }
    if (stopRequested) return finish('stopped');
    emit({ type: 'status', experimentId: id, status: 'running', phase: 'analyzing', error: null });
    let result: ExperimentResult;
    try {
      result = await analyze(id, analysis.signal);
    } catch (e) {
      if (stopRequested) return finish('stopped');
      return finish('failed', `analysis: ${(e as Error).message}`);
    }
    const record = history.completeExperiment(id, result);
    emit({ type: 'status', experimentId: id, status: 'completed', phase: null, error: null });
    return record;
  };

  const done = drive().catch((e: Error) => {
    try {
      return finish('failed', e.message);
    } catch {
      return history.getExperiment(id)!;
    }
  });
  return {
    stop: () => {
      stopRequested = true;
      current?.stop();
      analysis.abort();
    },
    done,
  };
}
