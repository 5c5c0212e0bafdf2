// An audio dataset (the built-in melodies) and a tiny WaveNet run on it with
// one real checkpoint (one training step), for the audio-generation tests.
import { buildModel } from '../../core/ml/models/build-model.ts';
import { encodeCheckpoint } from '../../core/ml/train/checkpoint.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { createMelodiesDataset } from '../../core/services/audio-datasets.ts';
import { createRun, parseRunConfig } from '../../core/services/runs.ts';
import { openTaskData } from '../../core/datasets/registry.ts';
import type { DatasetRecord, History, RunRecord } from '../../core/storage/history.ts';

export const TINY_WAVENET = {
  kind: 'wavenet',
  embedSize: 4,
  residualChannels: 4,
  dilationChannels: 4,
  skipChannels: 6,
  stacks: 2,
  layersPerStack: 3,
  kernelSize: 2,
};

/** Stores the melodies dataset and a checkpointed run of `model` (default a tiny WaveNet) on it. */
export async function audioRun(
  history: History,
  dataDir: string,
  model: Record<string, unknown> = TINY_WAVENET,
): Promise<{ dataset: DatasetRecord; run: RunRecord }> {
  const dataset = history.getDataset('melodies') ?? (await createMelodiesDataset(history, dataDir));
  const config = parseRunConfig({ model, train: { steps: 1, batchSize: 2, seqLen: 32, seed: 4 } }, dataset);
  const run = createRun(history, dataset, config);
  const task = openTaskData(dataset);
  const m = buildModel(config.model, config.train.seed);
  const trainer = new Trainer(m, config.train, task.data);
  try {
    await trainer.trainStep();
    history.saveCheckpoint(run.id, 1, encodeCheckpoint(await trainer.snapshot()));
  } finally {
    trainer.dispose();
    m.dispose();
    task.close();
  }
  return { dataset, run };
}
