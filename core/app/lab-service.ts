// The core side of the contract: validates each request, runs it against the
// history and services, and publishes run events. Both bridges (Electron's
// IPC in electron/, the HTTP server in core/server) wrap one LabService.
// Training runs in child processes (worker threads inside Electron, see
// core/worker/training-host.ts); this object only starts and stops them, so a
// trainer that dies is recorded 'crashed' here and the server goes on.
import { describeIssues, labRequests, parseLabRequest, type LabEvent, type LabReply, type LabRequestName } from '../contract/lab-contract.ts';
import { activateLocalBackend } from '../engine/backends.ts';
import { driveExperiment, type ExperimentEvent, type ExperimentHandle } from '../services/experiments.ts';
import type { History } from '../storage/history.ts';
import { isDiskFull } from '../storage/open-read-only.ts';
import { startTraining, type TrainingHandle } from '../worker/training-host.ts';
import type { TrainingEvent } from '../worker/training-protocol.ts';
import { handlers, type HandlerContext } from './lab-handlers.ts';
import { toContractRow } from './metric-rows.ts';

/** What a client is told when a write fails for lack of space. */
export const DISK_FULL_NOTE = 'the disk holding the history is full, so nothing more can be recorded until space is freed; listing, showing, sampling and exporting to another disk keep working';

export interface LabServiceOptions {
  dataDir: string;
  history: History;
  mode: 'electron' | 'browser';
  /** Where browser-mode uploads are stored (see core/server). */
  uploadsDir?: string;
}

export class LabService {
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private readonly training = new Map<number, TrainingHandle>();
  private readonly experiments = new Map<number, ExperimentHandle>();
  private readonly ctx: HandlerContext;
  /**
   * Requests that build a model in this thread (parameter counts, sampling,
   * export) need an initialised TF.js backend; probing others must not leave
   * TF.js pointing at an uninitialised one. Training picks its own in workers.
   */
  private readonly ready: Promise<unknown> = activateLocalBackend();

  constructor(private readonly opts: LabServiceOptions) {
    this.ctx = {
      ...opts,
      emit: (e) => this.emit(e),
      train: (runId, resume) => this.train(runId, resume),
      stop: (runId) => this.training.get(runId)?.stop(),
      isTraining: (runId) => this.training.has(runId),
      driveExperiment: (id) => this.driveExperiment(id),
      stopExperiment: (id) => this.experiments.get(id)?.stop(),
      isExperimentRunning: (id) => this.experiments.has(id),
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
      // A write refused for lack of space: say why writes stopped and what still works.
      if (isDiskFull(e) && !(e as Error).message.includes('read-only')) return { ok: false, error: `${(e as Error).message}: ${DISK_FULL_NOTE}` };
      return { ok: false, error: (e as Error).message };
    }
  }

  subscribe(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: LabEvent): void {
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
  private train(runId: number, resume: boolean, onEvent?: (e: TrainingEvent) => void): TrainingHandle {
    if (this.training.has(runId)) throw new Error(`run ${runId} is already training`);
    // Taken before the worker starts, so a second app instance (or a CLI resume) is refused now, in the reply.
    this.opts.history.claimRun(runId, process.pid);
    const handle = startTraining({ runId, dataDir: this.opts.dataDir, resume }, (e) => {
      this.relay(e);
      onEvent?.(e);
    });
    this.training.set(runId, handle);
    // The final status is announced only once the worker has exited, so a
    // client that reacts to it (e.g. Resume after Stop) finds the run free.
    void handle.done.then((done) => {
      this.training.delete(runId);
      const run = this.opts.history.getRun(runId);
      if (done.status === 'crashed' && run?.status === 'running' && run.pid === process.pid) this.opts.history.setStatus(runId, 'crashed', done.error ?? 'training worker ended unexpectedly', process.pid);
      // A worker that died may have stored a step it never announced: the history is where the run stands.
      const step = done.status === 'crashed' ? Math.max(done.step, run?.step ?? 0) : done.step;
      this.emit({ type: 'run.status', runId, status: done.status, step, validLoss: done.validLoss, error: done.error });
    });
    return handle;
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

  private relayExperiment(e: ExperimentEvent): void {
    if (e.type === 'status') return this.emit({ type: 'experiment.status', experimentId: e.experimentId, status: e.status, phase: e.phase, error: e.error });
    if (e.event.type !== 'progress') return;
    const m = e.event.metrics;
    this.emit({ type: 'experiment.progress', experimentId: e.experimentId, runId: e.runId, role: e.role, member: e.index, members: e.of, step: m.step, totalSteps: e.event.totalSteps, trainLoss: m.trainLoss, validLoss: m.validLoss });
  }

  private relay(e: TrainingEvent): void {
    switch (e.type) {
      case 'started':
        return this.emit({ type: 'run.started', runId: e.runId, backend: e.backend, device: e.device, step: e.step, totalSteps: e.totalSteps, resumedFrom: e.resumedFrom });
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
    // Experiments first: each stops its member and records itself 'stopped' (resumable).
    const driving = [...this.experiments.values()];
    for (const h of driving) h.stop();
    await Promise.all(driving.map((h) => h.done));
    const pending = [...this.training.values()];
    for (const h of pending) h.stop();
    await Promise.all(pending.map((h) => h.done));
    this.listeners.clear();
  }
}
