// Synthetic datasets (adding problem, copy memory): stored as their
// generator's parameters and regenerated on demand, so no folder is made.
import type { SyntheticTaskInput } from '../ml/tasks/synthetic.ts';
import { syntheticDatasetFrom } from '../datasets/synthetic.ts';
import { syntheticTaskSchema } from '../ml/tasks/synthetic.ts';
import type { DatasetRecord, History } from '../storage/history.ts';
import { checkDatasetName } from './dataset-folders.ts';

/** Stores a synthetic task as a dataset. */
export function createSyntheticDataset(history: History, input: SyntheticTaskInput & { name?: string }): DatasetRecord {
  const { name: requested, ...raw } = input;
  const params = syntheticTaskSchema.parse(raw);
  const name = checkDatasetName(requested ?? `${params.task}-T${params.length}${params.seed ? `-s${params.seed}` : ''}`);
  if (history.getDataset(name)) throw new Error(`name: dataset "${name}" already exists; pick another name`);
  return history.insertDataset(syntheticDatasetFrom(params, name));
}
