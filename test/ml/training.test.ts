// Training-loop invariants: overfitting one batch, seeded determinism, no
// tensor leaks, NaN detection, clipping, and exact resume from a checkpoint.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { generateCodes } from '../../core/ml/generate/generate-codes.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../core/ml/train/checkpoint.ts';
import { clipByGlobalNorm, globalNorm } from '../../core/ml/train/clip.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer, type StepMetrics } from '../../core/ml/train/trainer.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { patternCorpus } from '../helpers/memory-source.ts';
import { leakedTensors, useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const V = 11;
const models: Record<string, ModelConfig> = {
  lstm: { kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 8, hiddenSize: 16, layers: 1, dropout: 0 },
  tcn: {
    kind: 'tcn',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 8,
    hiddenSize: 16,
    levels: 2,
    kernelSize: 3,
    dropout: 0.1,
    convsPerBlock: 2,
    weightNorm: true,
    residual: true,
  },
};
const corpus = patternCorpus(4000, V);

function makeTrainer(model: ModelConfig, over: Partial<Record<string, unknown>> = {}) {
  const config = trainConfigSchema.parse({
    steps: 30,
    batchSize: 4,
    seqLen: 16,
    lr: 0.01,
    validEvery: 10,
    validTokens: 256,
    checkpointEvery: 10,
    seed: 7,
    ...over,
  });
  const m = buildModel(model, config.seed);
  return { model: m, trainer: new Trainer(m, config, createTextTask(corpus.source, corpus.splits, V)), config };
}

async function runSteps(trainer: Trainer, n: number): Promise<StepMetrics[]> {
  const rows: StepMetrics[] = [];
  for (let i = 0; i < n; i++) rows.push((await trainer.trainStep())!);
  return rows;
}

describe.each(Object.entries(models))('%s training', (_name, modelConfig) => {
  it('drives the loss on one repeated batch close to zero', async () => {
    const { model, trainer } = makeTrainer({ ...modelConfig, dropout: 0 }, { lr: 0.02, batchSize: 2, seqLen: 12 });
    const first = (await trainer.trainStep())!.trainLoss;
    let last = first;
    for (let i = 0; i < 150; i++) {
      (trainer as unknown as { batches: { cursor: number } }).batches.cursor = 0; // same batch every step
      last = (await trainer.trainStep())!.trainLoss;
    }
    expect(first).toBeGreaterThan(1.5);
    expect(last).toBeLessThan(0.1);
    trainer.dispose();
    model.dispose();
  });

  it('gives identical losses for the same seed and different ones for another seed', async () => {
    const lossesFor = async (seed: number) => {
      const { model, trainer } = makeTrainer(modelConfig, { seed });
      const rows = await runSteps(trainer, 5);
      trainer.dispose();
      model.dispose();
      return rows.map((r) => r.trainLoss);
    };
    const a = await lossesFor(3);
    expect(await lossesFor(3)).toEqual(a);
    expect(await lossesFor(4)).not.toEqual(a);
  });

  it('leaks no tensors across training steps, validation and sampling', async () => {
    const { model, trainer } = makeTrainer(modelConfig);
    await runSteps(trainer, 2); // optimizer slots and state exist from here on
    expect(await leakedTensors(() => runSteps(trainer, 3))).toBe(0);
    expect(await leakedTensors(() => trainer.evaluate())).toBe(0);
    expect(
      await leakedTensors(() => generateCodes(model, { prime: Int32Array.of(1, 2, 3), length: 8, temperature: 1, topK: 3, seed: 1 })),
    ).toBe(0);
    trainer.dispose();
    model.dispose();
  });

  it('resumes from a checkpoint exactly where it left off', async () => {
    const a = makeTrainer(modelConfig);
    await runSteps(a.trainer, 4);
    const bytes = encodeCheckpoint(await a.trainer.snapshot());
    const cont = (await runSteps(a.trainer, 3)).map((r) => r.trainLoss);

    const b = makeTrainer(modelConfig, { seed: 7 });
    b.trainer.restore(decodeCheckpoint(bytes));
    expect(b.trainer.step).toBe(4);
    const resumed = (await runSteps(b.trainer, 3)).map((r) => r.trainLoss);
    expect(resumed).toEqual(cont);
    for (const t of [a, b]) {
      t.trainer.dispose();
      t.model.dispose();
    }
  });
});

describe('training safeguards', () => {
  it('stops with diverged on a NaN loss without applying the update', async () => {
    const { model, trainer } = makeTrainer(models.lstm!);
    await runSteps(trainer, 1);
    const before = await model.variables[0]!.variable.data();
    const kernel = model.variables.find((v) => v.name === 'output/kernel')!.variable;
    tf.tidy(() => kernel.assign(tf.fill(kernel.shape, NaN)));
    const checkpoints: number[] = [];
    const outcome = await trainer.run({ onMetrics: () => {}, onCheckpoint: (s) => void checkpoints.push(s.step), shouldStop: () => false });
    expect(outcome).toEqual({ status: 'diverged', error: 'loss became NaN or infinite at step 2' });
    expect(trainer.step).toBe(1);
    expect(checkpoints).toEqual([]);
    expect(await model.variables[0]!.variable.data()).toEqual(before);
    trainer.dispose();
    model.dispose();
  });

  it('clips the global norm to the threshold', async () => {
    const grads = { a: tf.tensor([3, 4]), b: tf.tensor([12]) }; // norm 13
    const clipped = clipByGlobalNorm(grads, 13, 1.3);
    const n = globalNorm(clipped);
    expect((await n.data())[0]).toBeCloseTo(1.3, 5);
    expect(Array.from(await clipped.a!.data())).toEqual([expect.closeTo(0.3, 5), expect.closeTo(0.4, 5)]);
    tf.dispose([n, ...Object.values(clipped)]);
  });

  it('reports metrics, validates and checkpoints on schedule, and honours a stop request', async () => {
    const { model, trainer } = makeTrainer(models.tcn!, { steps: 25 });
    const rows: StepMetrics[] = [];
    const ckpts: number[] = [];
    const outcome = await trainer.run({
      onMetrics: (r) => void rows.push(r),
      onCheckpoint: (s) => void ckpts.push(s.step),
      shouldStop: () => rows.length >= 22,
    });
    expect(outcome.status).toBe('stopped');
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(rows.filter((r) => r.validLoss !== null).map((r) => r.step)).toEqual([10, 20]);
    expect(ckpts).toEqual([10, 20, 22]);
    expect(rows.every((r) => r.tokensPerSec > 0 && r.gradNorm > 0 && Math.abs(r.bitsPerSymbol! - r.trainLoss / Math.LN2) < 1e-9)).toBe(
      true,
    );
    trainer.dispose();
    model.dispose();
  });
});
