// A tiny piano-roll dataset (C major triads and scale steps, 12 pitches from
// middle C) imported from JSON, and an LSTM run on it with one real
// checkpoint (one training step), for the music-sampling tests.
import fs from 'node:fs';
import path from 'node:path';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { encodeCheckpoint } from '../../core/ml/train/checkpoint.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { importDataset } from '../../core/services/datasets.ts';
import { createRun, parseRunConfig } from '../../core/services/runs.ts';
import { openTaskData } from '../../core/datasets/registry.ts';
import type { DatasetRecord, History, RunRecord } from '../../core/storage/history.ts';

/** Sequence i: 12 steps alternating a triad on scale degree i and a single note. */
export function tinyChorales(): { pitchOffset: number; numPitches: number; train: number[][][]; valid: number[][][]; test: number[][][] } {
  const scale = [0, 2, 4, 5, 7, 9, 11];
  const seq = (i: number) =>
    Array.from({ length: 12 }, (_, t) => (t % 2 === 0 ? [0, 2, 4].map((d) => scale[(i + t + d) % 7]!) : [scale[(i + t) % 7]!]));
  return { pitchOffset: 60, numPitches: 12, train: [0, 1, 2, 3].map(seq), valid: [4, 5].map(seq), test: [6].map(seq) };
}

/** Imports {@link tinyChorales} as dataset "chorales" and stores an LSTM run on it with a step-1 checkpoint. */
export async function musicRun(history: History, dataDir: string): Promise<{ dataset: DatasetRecord; run: RunRecord }> {
  let dataset = history.getDataset('chorales');
  if (!dataset) {
    const file = path.join(dataDir, 'chorales.json');
    fs.writeFileSync(file, JSON.stringify(tinyChorales()));
    dataset = await importDataset(history, dataDir, { paths: [file], name: 'chorales' });
  }
  const config = parseRunConfig(
    { model: { kind: 'lstm', hiddenSize: 8, layers: 1 }, train: { steps: 1, batchSize: 2, seqLen: 16, seed: 4 } },
    dataset,
  );
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
