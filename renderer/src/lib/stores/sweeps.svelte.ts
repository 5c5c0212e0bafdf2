// Sweeps: the list (from listSweeps), kept current from sweep.status and
// sweep.trial events; open views reload their detail when `version` bumps.
// Trials are runs, so their curves come from the metrics store as usual.
import type { LabArgs, LabEvent } from '../../../../core/contract/lab-contract.ts';
import { lab } from '../lab-client.ts';
import type { SweepDetail, SweepSummary } from '../types.ts';
import { ListStore } from './list-store.svelte.ts';

class SweepsStore extends ListStore<SweepSummary> {
  /** Bumps when a sweep or one of its trials changed: open views reload their detail. */
  version = $state(0);

  protected load(): Promise<SweepSummary[]> {
    return lab.request('listSweeps', {});
  }

  upsert(x: SweepSummary): void {
    const i = this.list.findIndex((s) => s.id === x.id);
    if (i >= 0) this.list[i] = x;
    else this.list = [x, ...this.list];
  }

  async create(args: LabArgs<'createSweep'>): Promise<SweepDetail> {
    const created = await lab.request('createSweep', args);
    this.upsert(created);
    return created;
  }

  async start(id: number): Promise<void> {
    this.upsert(await lab.request('startSweep', { id }));
    this.version++;
  }

  async cancel(id: number): Promise<void> {
    this.upsert(await lab.request('cancelSweep', { id }));
  }

  apply(e: LabEvent): void {
    if (e.type !== 'sweep.status' && e.type !== 'sweep.trial') return;
    const s = this.byId(e.sweepId);
    if (e.type === 'sweep.status' && s) Object.assign(s, { state: e.state, error: e.error });
    this.version++;
    void this.refresh(); // counts and best metric
  }
}

export const sweeps = new SweepsStore();
