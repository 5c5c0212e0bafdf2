// The run list, kept current from events: run.started / run.status change a
// run at once; run.progress (up to 10 a second per run) is merged per animation frame.
import type { LabArgs, LabEvent } from '../../../../core/contract/lab-contract.ts';
import { perFrame } from '../frame.ts';
import { lab } from '../lab-client.ts';
import type { RunSummary } from '../types.ts';
import { ListStore } from './list-store.svelte.ts';

type RunEvent = Extract<LabEvent, { type: `run.${string}` }>;
const isRunEvent = (e: LabEvent): e is RunEvent => e.type.startsWith('run.');

class RunsStore extends ListStore<RunSummary> {
  private readonly progress = new Map<number, Extract<LabEvent, { type: 'run.progress' }>>();
  private readonly flush = perFrame(() => this.applyProgress());

  protected load(): Promise<RunSummary[]> {
    return lab.request('listRuns', {});
  }

  upsert(run: RunSummary): void {
    const i = this.list.findIndex((r) => r.id === run.id);
    if (i >= 0) this.list[i] = run;
    else this.list = [run, ...this.list];
  }

  async start(args: LabArgs<'startRun'>): Promise<RunSummary> {
    const run = await lab.request('startRun', args);
    this.upsert(run);
    return run;
  }

  async stop(id: number): Promise<void> {
    await lab.request('stopRun', { id });
  }

  /** No retry: LabService announces a run's final status only after its worker has exited, so a Resume after Stop finds the run free. */
  async resume(id: number): Promise<void> {
    const run = await lab.request('resumeRun', { id });
    this.upsert({ ...run, status: run.status === 'running' ? 'running' : 'queued' });
  }

  async remove(id: number): Promise<void> {
    await lab.request('deleteRun', { id });
    this.list = this.list.filter((r) => r.id !== id);
  }

  apply(e: LabEvent): void {
    // Only run.* events (experiment members and sweep trials report through their own run.* events too).
    if (!isRunEvent(e)) return;
    const run = this.byId(e.runId);
    if (!run) {
      void this.refresh(); // a run started elsewhere (another window, the CLI)
      return;
    }
    switch (e.type) {
      case 'run.started':
        Object.assign(run, { status: 'running', backend: e.backend, device: e.device, step: e.step, totalSteps: e.totalSteps });
        return;
      case 'run.progress':
        this.progress.set(e.runId, e);
        this.flush();
        return;
      case 'run.status':
        this.progress.delete(e.runId);
        Object.assign(run, { status: e.status, step: e.step, error: e.error, ...(e.validLoss !== null ? { validLoss: e.validLoss } : {}) });
        void this.refresh(); // finishedAt, final losses
        return;
      case 'run.sample':
        return;
    }
  }

  private applyProgress(): void {
    for (const [id, e] of this.progress) {
      const run = this.byId(id);
      if (!run) continue;
      run.step = e.metrics.step;
      run.totalSteps = e.totalSteps;
      run.trainLoss = e.metrics.trainLoss;
      if (e.metrics.validLoss !== null) run.validLoss = e.metrics.validLoss;
      if (run.status === 'queued') run.status = 'running';
    }
    this.progress.clear();
  }
}

export const runs = new RunsStore();
