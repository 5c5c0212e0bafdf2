// The music-sample requests of the contract (sampleMusic, datasetMusicClip),
// spread into lab-handlers.ts's table.
// Sampling builds a model, so it runs in a task worker; a dataset's clip only
// reads its roll file.
import type { LabResult } from '../contract/lab-contract.ts';
import { datasetMusicClip, musicRollResult } from '../services/music-sampling.ts';
import { runTask } from '../worker/task-host.ts';
import type { HandlerTable } from './handler-context.ts';

export const musicHandlers: HandlerTable<'sampleMusic' | 'datasetMusicClip'> = {
  async sampleMusic(ctx, { id, bars, temperature, seed }) {
    const run = ctx.history.resolveRun(String(id));
    if (ctx.history.listCheckpoints(run.id).length === 0)
      throw new Error(`run ${run.id} has no checkpoint yet: music can be sampled after its first checkpoint`);
    return runTask<LabResult<'sampleMusic'>>({
      kind: 'sampleMusic',
      dataDir: ctx.dataDir,
      runRef: String(id),
      args: { bars, temperature, seed },
    });
  },

  datasetMusicClip(ctx, { id, sequence, bars }) {
    const d = ctx.history.getDataset(id);
    if (!d) throw new Error(`id: no dataset ${id}`);
    return musicRollResult(datasetMusicClip(d, sequence, bars));
  },
};
