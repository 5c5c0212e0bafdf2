// Experiments: the list (from listExperiments), the kinds with their
// defaults, and what each running experiment is doing now, kept current from
// experiment.status / experiment.progress events. Everything is reloaded from
// the history after a page load or a reconnect, so nothing lives only here.
import type { LabArgs, LabEvent } from '../../../../core/contract/lab-contract.ts';
import { perFrame } from '../frame.ts';
import { lab } from '../lab-client.ts';
import type { ExperimentKindInfo, ExperimentSummary } from '../types.ts';
import { ListStore } from './list-store.svelte.ts';

/** The member training now and its step, or the analysis phase (from events; null after a reload until the next one). */
export interface ExperimentActivity {
  phase: 'training' | 'analyzing' | null;
  runId: number | null;
  role: string | null;
  /** 0-based index among the members being trained, and their count. */
  member: number | null;
  members: number | null;
  /** Estimated seconds of training left in the whole experiment, from the core (null until known). */
  etaSeconds?: number | null;
}

class ExperimentsStore extends ListStore<ExperimentSummary> {
  kinds = $state<ExperimentKindInfo[]>([]);
  activity = $state<Record<number, ExperimentActivity>>({});
  /** Bumps when an experiment finished or changed status: open views reload their detail. */
  version = $state(0);
  private readonly progress = new Map<number, Extract<LabEvent, { type: 'experiment.progress' }>>();
  private readonly flush = perFrame(() => this.applyProgress());

  protected load(): Promise<ExperimentSummary[]> {
    return lab.request('listExperiments', {});
  }

  async loadKinds(): Promise<void> {
    if (this.kinds.length) return;
    try {
      this.kinds = await lab.request('listExperimentKinds', {});
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  upsert(x: ExperimentSummary): void {
    const i = this.list.findIndex((e) => e.id === x.id);
    if (i >= 0) this.list[i] = x;
    else this.list = [x, ...this.list];
  }

  async start(args: LabArgs<'startExperiment'>): Promise<ExperimentSummary> {
    const x = await lab.request('startExperiment', args);
    this.upsert(x);
    return x;
  }

  async stop(id: number): Promise<void> {
    this.upsert(await lab.request('stopExperiment', { id }));
  }

  async resume(id: number): Promise<void> {
    this.upsert(await lab.request('resumeExperiment', { id }));
  }

  async remove(id: number): Promise<void> {
    await lab.request('deleteExperiment', { id });
    this.list = this.list.filter((x) => x.id !== id);
  }

  apply(e: LabEvent): void {
    if (e.type === 'experiment.status') {
      const now = this.activity[e.experimentId];
      this.activity[e.experimentId] = {
        phase: e.phase,
        runId: now?.runId ?? null,
        role: now?.role ?? null,
        member: now?.member ?? null,
        members: now?.members ?? null,
      };
      const x = this.byId(e.experimentId);
      if (x) Object.assign(x, { status: e.status, error: e.error });
      this.version++;
      void this.refresh(); // members, finishedAt
    } else if (e.type === 'experiment.progress') {
      this.progress.set(e.experimentId, e);
      this.flush();
    }
  }

  private applyProgress(): void {
    for (const [id, e] of this.progress) {
      this.activity[id] = {
        phase: 'training',
        runId: e.runId,
        role: e.role,
        member: e.member,
        members: e.members,
        etaSeconds: e.etaSeconds ?? null,
      };
      const x = this.byId(id);
      const m = x?.members.find((mm) => mm.runId === e.runId);
      if (!x || !m) {
        void this.refresh(); // an experiment started elsewhere
        continue;
      }
      Object.assign(m, {
        step: e.step,
        totalSteps: e.totalSteps,
        status: 'running',
        ...(e.validLoss !== null ? { validLoss: e.validLoss } : {}),
      });
      if (x.status === 'queued') x.status = 'running';
    }
    this.progress.clear();
  }
}

export const experiments = new ExperimentsStore();
