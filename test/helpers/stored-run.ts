// A stored run with a real checkpoint for the export tests: a tiny GRU
// trained one step on a small adding problem (feature input, a regressed
// value), plus a training row and a validation row of metrics.
import { buildModel } from '../../core/ml/models/build-model.ts';
import { encodeCheckpoint } from '../../core/ml/train/checkpoint.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { createRun, parseRunConfig } from '../../core/services/runs.ts';
import { createSyntheticDataset } from '../../core/services/task-datasets.ts';
import { openTaskData } from '../../core/datasets/registry.ts';
import type { History, MetricRow, RunRecord } from '../../core/storage/history.ts';

export async function storedAddingRun(history: History): Promise<RunRecord> {
  const dataset = createSyntheticDataset(history, {
    task: 'adding',
    length: 6,
    trainSize: 8,
    validSize: 4,
    testSize: 4,
    name: 'adding-tiny',
  });
  const config = parseRunConfig(
    { model: { kind: 'gru', embedSize: 3, hiddenSize: 4, layers: 1 }, train: { steps: 1, batchSize: 2, seed: 4 } },
    dataset,
  );
  const run = createRun(history, dataset, config);
  const task = openTaskData(dataset);
  const model = buildModel(config.model, config.train.seed);
  const trainer = new Trainer(model, config.train, task.data);
  try {
    const row = (await trainer.trainStep())!;
    const valid: MetricRow = { ...row, step: 2, validLoss: 0.25, validAccuracy: null, stabilityBound: 1.5, contraction: 0.75 };
    history.appendMetrics(run.id, [row, valid]);
    history.saveCheckpoint(run.id, 1, encodeCheckpoint(await trainer.snapshot()));
  } finally {
    trainer.dispose();
    model.dispose();
    task.close();
  }
  return run;
}
