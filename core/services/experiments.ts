// Experiments end to end: create one (its member runs planned, validated and
// stored in one transaction), drive it (train the members one after another
// each in its own child process, then analyse in a worker thread), stop and
// resume it.
// Members train sequentially on purpose: two at once would halve each one's
// speed on a 2-core machine and make "loss against wall-clock" meaningless.
// The driver only awaits workers, so the calling thread stays free.
import type { ExperimentKind } from '../ml/experiments/experiment-config.ts';
import type { ExperimentResult } from '../ml/experiments/result-types.ts';
import type { ExperimentRecord, ExperimentStatus, History } from '../storage/history.ts';
import { runTask } from '../worker/task-host.ts';
import { startTraining, type TrainingHandle } from '../worker/training-host.ts';
import type { TrainingEvent } from '../worker/training-protocol.ts';
import { planExperiment } from './experiments/plans.ts';
import { checkMemoryBudget, CONTRACT_BUDGET_LABELS } from './memory-budget.ts';
import { createRun } from './runs.ts';

export type ExperimentPhase = 'training' | 'analyzing';

export type ExperimentEvent =
  /** The experiment changed status (or phase while running). */
  | { type: 'status'; experimentId: number; status: ExperimentStatus; phase: ExperimentPhase | null; error: string | null }
  /** An event of the member run training now: `index` of `of` trained members (0-based). */
  | { type: 'member'; experimentId: number; runId: number; role: string; index: number; of: number; event: TrainingEvent };

export interface ExperimentHooks {
  onEvent?(e: ExperimentEvent): void;
  /** Starts training a member run in a child process; the app passes its own to track the run. Default: startTraining. */
  startTraining?(opts: { runId: number; dataDir: string; resume: boolean }, onEvent: (e: TrainingEvent) => void): TrainingHandle;
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
 * Validates and stores a queued experiment with its member runs; nothing is
 * written when any check fails (errors name the field: "train.steps: ...").
 */
export function createExperiment(history: History, kind: ExperimentKind, input: unknown, name?: string): ExperimentRecord {
  const plan = planExperiment(history, kind, input);
  // Every member must fit the memory budget before anything is stored (members train one at a time).
  for (const m of plan.members) {
    if (!('config' in m)) continue;
    const refusal = checkMemoryBudget(m.config, CONTRACT_BUDGET_LABELS).refusal;
    if (refusal) throw new Error(`config: member ${m.role}: ${refusal}`);
  }
  return history.transaction(() => {
    const experiment = history.insertExperiment({ kind, config: plan.experiment.config as Record<string, unknown>, ...(name ? { name } : {}) });
    for (const m of plan.members) {
      const runId = 'runId' in m ? m.runId : createRun(history, plan.dataset, m.config, `experiment ${experiment.id}: ${m.role}`).id;
      history.addExperimentMember(experiment.id, { runId, role: m.role, owned: !('runId' in m) });
    }
    return history.getExperiment(experiment.id)!;
  });
}

/**
 * Runs a queued experiment, or resumes a failed or stopped one: members that
 * completed (or diverged: a finding, not a fault) are kept, a stopped or
 * crashed member continues from its checkpoint, the others train from
 * scratch; then the analysis runs. Marks the experiment running in this
 * process first, and throws (synchronously) when it cannot: unknown,
 * completed, or driven by another live process.
 */
export function driveExperiment(history: History, dataDir: string, id: number, hooks: ExperimentHooks = {}): ExperimentHandle {
  const found = history.getExperiment(id);
  if (!found) throw new Error(`no experiment with id ${id}`);
  if (found.status === 'completed') throw new Error(`experiment ${id} already completed`);
  history.markExperimentRunning(id, process.pid);
  const emit = (e: ExperimentEvent) => {
    try {
      hooks.onEvent?.(e);
    } catch {
      // a broken listener must not stop the experiment
    }
  };
  const train = hooks.startTraining ?? startTraining;
  const analyze = hooks.analyze ?? ((experimentId, signal) => runTask<ExperimentResult>({ kind: 'analyze', dataDir, experimentId }, signal));
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
    for (const [index, member] of owned.entries()) {
      if (stopRequested) return finish('stopped');
      const run = history.getRun(member.runId);
      if (!run) return finish('failed', `member ${member.role}: its run ${member.runId} is gone`);
      if (run.status === 'completed' || run.status === 'diverged') continue;
      current = train({ runId: run.id, dataDir, resume: run.status !== 'queued' }, (event) => emit({ type: 'member', experimentId: id, runId: run.id, role: member.role, index, of: owned.length, event }));
      const done = await current.done;
      current = null;
      if (done.status === 'crashed') {
        // A worker that died before recording its end leaves the run 'running' in this process (never another's).
        const left = history.getRun(run.id);
        if (left?.status === 'running' && left.pid === process.pid) history.setStatus(run.id, 'crashed', done.error ?? 'training worker ended unexpectedly', process.pid);
        return finish('failed', `member ${member.role} (run ${run.id}) crashed: ${done.error ?? 'unknown error'}`);
      }
      if (done.status === 'stopped') return finish('stopped', stopRequested ? undefined : `member ${member.role} (run ${run.id}) was stopped`);
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
