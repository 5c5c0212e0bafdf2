// Guards end-to-end use of the native fused kernels: training an LSTM, a GRU,
// a TCN, a GCNN and a WaveNet for 30 steps on real text (character-level Penn Treebank from
// ../shared/data; where that folder is absent, as in CI's clone, the built-in
// `agreement` corpus the app ships) gives the same per-step losses with the
// fused kernels as with the stock-op references (fused kernels unregistered),
// same seed, cpu backend — and the fused kernels really ran. Skipped, with the
// reason, where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { fusedCausalConv1d, fusedCausalConvUnit } from '../../core/engine/fused/fused-conv.ts';
import { fusedEmbedTokens, fusedTimeDistributedDense } from '../../core/engine/fused/fused-dense.ts';
import { fusedAdamUpdate, fusedGlobalNorm, fusedSgdUpdate } from '../../core/engine/fused/fused-optimizer.ts';
import { fusedGruSequence, fusedLstmSequence, fusedRnnSequence } from '../../core/engine/fused/fused-recurrent.ts';
import { loadNativeKernels, type NativeKernels } from '../../core/engine/fused/native-binding.ts';
import { fusedTrainStep } from '../../core/engine/fused/native-train-step.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import { fusedKernelsFor, registerFusedKernel, unregisterFusedKernel } from '../../core/ml/engine/kernel-registry.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer, type StepMetrics } from '../../core/ml/train/trainer.ts';
import { corpusChars, hasPtb } from '../helpers/train-step-cases.ts';

const load = loadNativeKernels();
const native = load.kernels;
const hasData = hasPtb;
if (!native) console.warn(`fused-training tests skipped: native kernels unavailable (${'reason' in load ? load.reason : ''})`);
if (!hasData) console.warn('fused-training: ../shared/data/ptb.valid.txt is absent; training on the built-in agreement corpus instead');

const BACKEND = 'cpu';
const STEPS = 30;

/** The same set installFusedKernels registers, from fresh factories; `count` tallies calls per kernel. */
function fusedFactories(k: NativeKernels): Record<string, (...a: never[]) => unknown> {
  return {
    lstmSequence: fusedLstmSequence(k),
    gruSequence: fusedGruSequence(k),
    rnnSequence: fusedRnnSequence(k),
    causalConv1d: fusedCausalConv1d(k),
    causalConvUnit: fusedCausalConvUnit(k),
    timeDistributedDense: fusedTimeDistributedDense(k),
    embedTokens: fusedEmbedTokens(),
    adamUpdate: fusedAdamUpdate(k),
    sgdUpdate: fusedSgdUpdate(k),
    globalNorm: fusedGlobalNorm(k),
  };
}

const models = (V: number): Record<string, ModelConfig> => ({
  lstm: { kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 16, hiddenSize: 32, layers: 1, dropout: 0 },
  gru: { kind: 'gru', vocabSize: V, inputFeatures: 0, embedSize: 16, hiddenSize: 32, layers: 1, dropout: 0 },
  tcn: {
    kind: 'tcn',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 16,
    hiddenSize: 32,
    levels: 3,
    kernelSize: 3,
    dropout: 0,
    convsPerBlock: 2,
    weightNorm: true,
    residual: true,
  },
  gcnn: {
    kind: 'gcnn',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 16,
    hiddenSize: 32,
    levels: 2,
    convsPerBlock: 1,
    kernelSize: 3,
    dilated: true,
    dropout: 0,
    weightNorm: true,
  },
  wavenet: {
    kind: 'wavenet',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 16,
    residualChannels: 16,
    dilationChannels: 16,
    skipChannels: 32,
    stacks: 1,
    layersPerStack: 3,
    kernelSize: 2,
    dropout: 0,
  },
});

async function trainLosses(model: ModelConfig, data: { tokens: Int32Array; vocab: number }): Promise<StepMetrics[]> {
  const n = data.tokens.length;
  const splits = {
    train: { start: 0, end: Math.floor(n * 0.9) },
    valid: { start: Math.floor(n * 0.9), end: n },
    test: { start: n, end: n },
  };
  const config = trainConfigSchema.parse({
    steps: STEPS,
    batchSize: 8,
    seqLen: 32,
    lr: 0.01,
    validEvery: 1_000_000,
    checkpointEvery: 1_000_000,
    seed: 5,
  });
  const m = buildModel(model, config.seed);
  const trainer = new Trainer(m, config, createTextTask(memoryTokenSource(data.tokens), splits, data.vocab));
  try {
    const rows: StepMetrics[] = [];
    for (let i = 0; i < STEPS; i++) {
      const row = await trainer.trainStep();
      expect(row, `step ${i} produced a finite loss`).not.toBeNull();
      rows.push(row!);
    }
    return rows;
  } finally {
    trainer.dispose();
    m.dispose();
  }
}

describe.skipIf(!native)(
  `training curves overlap with and without the fused kernels (char-level ${hasData ? 'PTB' : 'agreement corpus'}, cpu)`,
  () => {
    const k = native!;
    const data = corpusChars();

    beforeAll(async () => {
      tf.env().set('PROD', true);
      await activateBackend(BACKEND);
      // This file guards the per-op kernels under TF.js autograd; the whole native step has its own test (native-train-step.test.ts).
      unregisterFusedKernel('trainStep', BACKEND);
    });

    afterAll(() => {
      // Leave the registry as installFusedKernels left it.
      for (const [name, impl] of Object.entries(fusedFactories(k))) registerFusedKernel(name, BACKEND, impl);
      registerFusedKernel('trainStep', BACKEND, fusedTrainStep(k));
    });

    it.each(Object.entries(models(data.vocab)))('%s', async (_name, model) => {
      // Fused run, through counting wrappers so we know the fused kernels ran.
      const calls: Record<string, number> = {};
      for (const [name, impl] of Object.entries(fusedFactories(k))) {
        registerFusedKernel(name, BACKEND, (...a: never[]) => {
          calls[name] = (calls[name] ?? 0) + 1;
          return impl(...a);
        });
      }
      const fused = await trainLosses(model, data);
      expect(calls['embedTokens'] ?? 0, 'fused embedTokens ran').toBeGreaterThan(0);
      expect(calls['adamUpdate'] ?? 0, 'native adamUpdate ran').toBe(STEPS);
      expect(calls['globalNorm'] ?? 0, 'native globalNorm ran').toBeGreaterThan(0);
      if (['tcn', 'gcnn', 'wavenet'].includes(model.kind))
        expect(calls['causalConvUnit'] ?? 0, 'fused causalConvUnit ran').toBeGreaterThan(0);
      else expect(calls[`${model.kind}Sequence`] ?? 0, `fused ${model.kind}Sequence ran`).toBeGreaterThan(0);

      // Reference run: every fused kernel unregistered for the backend.
      const names = fusedKernelsFor(BACKEND);
      for (const name of names) unregisterFusedKernel(name, BACKEND);
      let reference: StepMetrics[];
      try {
        expect(fusedKernelsFor(BACKEND)).toEqual([]);
        reference = await trainLosses(model, data);
      } finally {
        for (const [name, impl] of Object.entries(fusedFactories(k))) registerFusedKernel(name, BACKEND, impl);
      }

      for (let i = 0; i < STEPS; i++) {
        const [a, b] = [fused[i]!.trainLoss, reference[i]!.trainLoss];
        expect(Math.abs(a - b) / Math.abs(b), `step ${i + 1}: fused loss ${a} vs reference ${b}`).toBeLessThanOrEqual(1e-3);
        const [ga, gb] = [fused[i]!.gradNorm, reference[i]!.gradNorm];
        expect(Math.abs(ga - gb) / Math.abs(gb), `step ${i + 1}: fused gradient norm ${ga} vs reference ${gb}`).toBeLessThanOrEqual(1e-3);
      }
      // It learned: the mean of the last five losses is clearly below the first loss (ln V at the start).
      const tail = reference.slice(-5).reduce((s, r) => s + r.trainLoss, 0) / 5;
      expect(tail).toBeLessThan(reference[0]!.trainLoss * 0.9);
    });
  },
);
