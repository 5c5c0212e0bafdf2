// The core side of the contract: validates each request, runs it against the
// history and services, and publishes run events. Both bridges (Electron's
// IPC in electron/, the HTTP server in core/server) wrap one LabService, and
// the CLI's commands go through one too (core/cli/lab-request.ts).
// Training runs in child processes (utility processes inside Electron, see
// core/worker/training-host.ts and electron/utility-trainer.ts); this object
// only starts and stops them, so a trainer that dies is recorded 'crashed'
// (run-end.ts) and the server goes on. A write that fails for lack of space turns the
// history read-only, and clients are told why.
import {
  describeIssues,
  labRequests,
  parseLabRequest,
  type LabEvent,
  type LabReply,
  type LabRequestName,
} from '../contract/lab-contract.ts';
import { fieldProblemOf } from '../contract/structured-error.ts';
import { activateLocalBackend } from '../engine/backends.ts';
import { driveExperiment, type ExperimentEvent, type ExperimentHandle } from './experiment-supervisor.ts';
import { runSweepLocally, type SweepRunEvent, type SweepRunHandle } from './sweep-runner.ts';
import type { History } from '../storage/history.ts';
import { DISK_FULL_NOTE, isDiskFull } from '../storage/open-read-only.ts';
import { withRecordedEnd } from './run-end.ts';
import { reportFolder } from '../services/paper-check/paper-check.ts';
import { startTraining, type TrainingHandle } from '../worker/training-host.ts';
import type { TrainerLauncher } from '../worker/trainer-link.ts';
import type { TrainingEvent } from '../worker/training-protocol.ts';
import { CONTRACT_RUN_WORDS, type HandlerContext, type RunRefusalWords } from './handler-context.ts';
import { handlers } from './lab-handlers.ts';
import { toContractRow } from './metric-rows.ts';
import { ProgressThrottle } from './progress-throttle.ts';

/** What a client is told when a write fails for lack of space. */
export { DISK_FULL_NOTE };

export interface LabServiceOptions {
  dataDir: string;
  history: History;
  mode: 'electron' | 'browser';
  /** Where browser-mode uploads are stored (see core/server). */
  uploadsDir?: string;
  /** How training workers start (default: a child process); Electron passes its utility-process launcher. */
  launchTrainer?: TrainerLauncher;
  /** Every training worker's own events, for a front in this process that shows them as they come (the CLI's progress lines). */
  onTrainingEvent?: (e: TrainingEvent) => void;
  /**
   * Every experiment's own events (status, and each member's training events
   * with its role, index and ETA), for a front in this process that shows them
   * as they come (the CLI's member and progress lines).
   */
  onExperimentEvent?: (e: ExperimentEvent) => void;
  /**
   * Leave TF.js on the backend this process chose (the CLI's commands build no
   * model in this thread: sampling, export and audio run in task workers)
   * instead of activating the local one:
   * a command then starts without loading the wasm backend.
   */
  keepBackend?: boolean;
  /** How this front names the run inputs that a refusal's text names (default: the contract's field names). */
  runWords?: RunRefusalWords;
}

export class LabService {
  private readonly listeners = new Set<(e: LabEvent) => void>();
  /** Paces run and experiment progress to clients (every step still arrives, a few at a time); other events pass at once. */
  private readonly throttle = new ProgressThrottle((e) => this.deliver(e));
  private readonly training = new Map<number, TrainingHandle>();
  private readonly experiments = new Map<number, ExperimentHandle>();
  private readonly sweeps = new Map<number, SweepRunHandle>();
  private readonly ctx: HandlerContext;
  /**
   * Requests that build a model in this thread (parameter counts, sampling,
   * export) need an initialised TF.js backend; probing others must not leave
   * TF.js pointing at an uninitialised one. Training picks its own in workers.
   */
  private readonly ready: Promise<unknown>;

  /** The data folder this service works in (the server checks download paths against it). */
  get dataDir(): string {
    return this.opts.dataDir;
  }

  constructor(private readonly opts: LabServiceOptions) {
    this.ready = opts.keepBackend ? Promise.resolve() : activateLocalBackend();
    this.ctx = {
      ...opts,
      runWords: opts.runWords ?? CONTRACT_RUN_WORDS,
      emit: (e) => this.emit(e),
      train: (runId, resume) => this.train(runId, resume),
      stop: (runId) => this.training.get(runId)?.stop(),
      isTraining: (runId) => this.training.has(runId),
      driveExperiment: (id) => this.driveExperiment(id),
      stopExperiment: (id) => this.experiments.get(id)?.stop(),
      isExperimentRunning: (id) => this.experiments.has(id),
      driveSweep: (id, maxParallel) => this.driveSweep(id, maxParallel),
      stopSweep: (id) => this.sweeps.get(id)?.stop(),
      isSweepRunning: (id) => this.sweeps.has(id),
    };
  }

  /**
   * Handles one request from a bridge. Never throws: a bad request or a failure
   * becomes `{ ok: false, error }` with a message naming the field or cause.
   */
  async handle(name: string, args: unknown): Promise<LabReply<unknown>> {
    try {
      await this.ready;
      const req = parseLabRequest(name, args);
      const handler = handlers[req.name] as (ctx: HandlerContext, a: unknown) => Promise<unknown>;
      const result = await handler(this.ctx, req.args);
      // The result schema is checked too, so a bridge never ships a malformed payload.
      const checked = labRequests[req.name as LabRequestName].result.safeParse(result);
      if (!checked.success) throw new Error(`internal: ${name} produced an invalid result (${describeIssues(checked.error)})`);
      return { ok: true, result: checked.data };
    } catch (e) {
      // A write refused for lack of space: from now on the history is read-only; say why writes stopped and what still works.
      if (isDiskFull(e) && !(e as Error).message.includes('read-only')) {
        this.readOnlyAfter(e);
        return { ok: false, error: `${(e as Error).message}: ${DISK_FULL_NOTE}` };
      }
      const problem = fieldProblemOf(e);
      return { ok: false, error: (e as Error).message, ...(problem ? { problem } : {}) };
    }
  }

  /**
   * After a write failed for lack of space: reopens the history read-only
   * (reads go on, later writes are refused with the reason) and tells every
   * client, whose app shows it in a banner.
   */
  private readOnlyAfter(cause: unknown): void {
    if (this.opts.history.becomeReadOnly(cause)) this.emit({ type: 'history.readOnly', reason: this.opts.history.readOnlyReason! });
  }

  /**
   * The paper-check report folder `name` under <dataDir>/exports, for the
   * browser's .zip download; null for any other name (the route cannot be
   * pointed at another path).
   */
  paperReportFolder(name: string): string | null {
    return reportFolder(this.opts.dataDir, name);
  }

  subscribe(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: LabEvent): void {
    this.throttle.push(e);
  }

  private deliver(e: LabEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a broken listener (closed connection) must not stop the others
      }
    }
  }

  /**
   * Starts a training worker (a child process) for the run; events are re-published in the contract's shape
   * (and passed to `onEvent`: an experiment follows its member this way).
   */
  private train(runId: number, resume: boolean, onEvent?: (e: TrainingEvent) => void, stopAtStep?: number): TrainingHandle {
    if (this.training.has(runId)) throw new Error(`run ${runId} is already training`);
    // Taken before the worker starts, so a second app instance (or a CLI resume) is refused now, in the reply.
    this.opts.history.claimRun(runId, process.pid);
    const started = startTraining(
      { runId, dataDir: this.opts.dataDir, resume, ...(stopAtStep !== undefined ? { stopAtStep } : {}) },
      (e) => {
        this.relay(e);
        this.opts.onTrainingEvent?.(e);
        onEvent?.(e);
      },
      this.opts.launchTrainer,
    );
    // A worker that died, or could not write its final status (a full disk), left the run 'running' here: its end is recorded.
    const handle = withRecordedEnd(this.opts.history, started, (e) => this.readOnlyAfter(e));
    this.training.set(runId, handle);
    // The final status is announced only once the worker has exited, so a
    // client that reacts to it (e.g. Resume after Stop) finds the run free.
    void handle.done.then((done) => {
      this.training.delete(runId);
      this.emit({ type: 'run.status', runId, status: done.status, step: done.step, validLoss: done.validLoss, error: done.error });
    });
    return handle;
  }

  /** Runs a sweep's trials in the background, several at once; each trains through train(), so it shows as a run too. */
  private driveSweep(id: number, maxParallel?: number): void {
    if (this.sweeps.has(id)) throw new Error(`sweep ${id} is already running`);
    const handle = runSweepLocally(this.opts.history, this.opts.dataDir, id, {
      startTraining: (o, onEvent) => this.train(o.runId, o.resume, onEvent, o.stopAtStep),
      onEvent: (e) => this.relaySweep(e),
      ...(maxParallel !== undefined ? { maxParallel } : {}),
    });
    this.sweeps.set(id, handle);
    void handle.done.then(() => this.sweeps.delete(id));
  }

  private relaySweep(e: SweepRunEvent): void {
    if (e.type === 'status') return this.emit({ type: 'sweep.status', sweepId: e.sweepId, state: e.state, error: e.error });
    if (e.type === 'trialEnd')
      return this.emit({
        type: 'sweep.trial',
        sweepId: e.sweepId,
        index: e.index,
        state: e.trial.state,
        runId: e.runId,
        metric: e.trial.metric,
      });
    if (e.type === 'trial' && e.event.type === 'started')
      this.emit({ type: 'sweep.trial', sweepId: e.sweepId, index: e.index, state: 'running', runId: e.runId, metric: null });
  }

  /** Drives an experiment in the background: its members train through train(), so they show as runs too. */
  private driveExperiment(id: number): void {
    if (this.experiments.has(id)) throw new Error(`experiment ${id} is already running`);
    const handle = driveExperiment(this.opts.history, this.opts.dataDir, id, {
      startTraining: (o, onEvent) => this.train(o.runId, o.resume, onEvent),
      onEvent: (e) => this.relayExperiment(e),
    });
    this.experiments.set(id, handle);
    void handle.done.then(() => this.experiments.delete(id));
  }

  /**
   * Resolves when experiment `id`, driven by this service, has ended and its
   * final status is recorded (at once when it is not driven here): the CLI
   * waits on it after startExperiment or resumeExperiment.
   */
  async experimentEnd(id: number): Promise<void> {
    await this.experiments.get(id)?.done;
  }

  private relayExperiment(e: ExperimentEvent): void {
    try {
      this.opts.onExperimentEvent?.(e);
    } catch {
      // a broken front's listener must not stop the experiment or the other clients
    }
    if (e.type === 'status')
      return this.emit({ type: 'experiment.status', experimentId: e.experimentId, status: e.status, phase: e.phase, error: e.error });
    if (e.event.type !== 'progress') return;
    const m = e.event.metrics;
    this.emit({
      type: 'experiment.progress',
      experimentId: e.experimentId,
      runId: e.runId,
      role: e.role,
      member: e.index,
      members: e.of,
      step: m.step,
      totalSteps: e.event.totalSteps,
      trainLoss: m.trainLoss,
      validLoss: m.validLoss,
      etaSeconds: e.etaSeconds,
    });
  }

  private relay(e: TrainingEvent): void {
    switch (e.type) {
      case 'started':
        return this.emit({
          type: 'run.started',
          runId: e.runId,
          backend: e.backend,
          device: e.device,
          step: e.step,
          totalSteps: e.totalSteps,
          resumedFrom: e.resumedFrom,
        });
      case 'progress':
        return this.emit({ type: 'run.progress', runId: e.runId, totalSteps: e.totalSteps, metrics: toContractRow(e.metrics) });
      case 'sample':
        return this.emit({ type: 'run.sample', runId: e.runId, sample: e.sample });
      case 'audioSample':
        return this.emit({ type: 'run.audioSample', runId: e.runId, sample: e.sample });
      case 'done': // announced when the worker has exited (see train())
      case 'checkpoint':
        return;
    }
  }

  /** Stops every training run (each checkpoints first) and waits for them. */
  async close(): Promise<void> {
    // Sweeps first: each stops its trials and records itself 'stopped' (a rerun continues it).
    const sweeping = [...this.sweeps.values()];
    for (const h of sweeping) h.stop();
    await Promise.all(sweeping.map((h) => h.done));
    // Experiments first: each stops its member and records itself 'stopped' (resumable).
    const driving = [...this.experiments.values()];
    for (const h of driving) h.stop();
    await Promise.all(driving.map((h) => h.done));
    const pending = [...this.training.values()];
    for (const h of pending) h.stop();
    await Promise.all(pending.map((h) => h.done));
    this.throttle.close();
    this.listeners.clear();
  }
}
