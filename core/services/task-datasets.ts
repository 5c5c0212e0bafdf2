// Synthetic datasets (adding problem, copy memory): stored as their
// generator's parameters and regenerated on demand, so no folder is made.
import type { SyntheticTaskInput } from '../ml/tasks/synthetic.ts';
import { syntheticDatasetFrom } from '../datasets/synthetic.ts';
import { syntheticTaskSchema } from '../ml/tasks/synthetic.ts';
import { describeIssues } from '../ml/zod-issues.ts';
import type { DatasetRecord, History } from '../storage/history.ts';
import { checkDatasetName } from './dataset-folders.ts';

/** Stores a synthetic task as a dataset; a bad parameter is refused naming it ("length: must be ..."). */
export function createSyntheticDataset(history: History, input: SyntheticTaskInput & { name?: string }): DatasetRecord {
  const { name: requested, ...raw } = input;
  const parsed = syntheticTaskSchema.safeParse(raw);
  if (!parsed.success) throw new Error(describeIssues(parsed.error), { cause: parsed.error });
  const params = parsed.data;
  const name = checkDatasetName(requested ?? `${params.task}-T${params.length}${params.seed ? `-s${params.seed}` : ''}`);
  if (history.getDataset(name)) throw new Error(`name: dataset "${name}" already exists; pick another name`);
  return history.insertDataset(syntheticDatasetFrom(params, name));
}
