// Guards the whole native training steps beyond the streamed language model:
// episodic token tasks (copy memory, where the trainer hands a recurrent step a
// zero state for every batch), the k-truncated model (windows of its base
// through the recurrent step: several k, a constrained base, the adding
// problem; and a bit-for-bit resume) and constrained recurrent models (Miller &
// Hardt's stable RNN and stable LSTM, projected by their own TF.js code after
// every native update and read back into the arena). For each: the trainer
// gets the native path, and 12 steps of Adam and of SGD with clipping give the
// stock TF.js step's losses and parameters within 1e-4 relative; a constrained
// model also ends on its constraint set. Skipped, with the reason, where the
// addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { createSyntheticTask } from '../../core/ml/tasks/synthetic.ts';
import type { TaskData } from '../../core/ml/tasks/task-types.ts';
import {
  expectResumesBitForBit,
  expectTrainingMatchesStock,
  nativeWithStep,
  randomTextTask,
  smallTrainConfig,
} from '../helpers/train-step-cases.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';

const native = nativeWithStep('tcnStep', 'native steps on copy memory and constrained models');

/** Copy memory with a blank span of 4 (sequences of 24), 10 classes: Bai et al.'s task at test size. */
const copyTask = () => createSyntheticTask({ task: 'copy', length: 4, trainSize: 64, validSize: 8, testSize: 8, seed: 3 });
const V = 11;
const textTask = () => randomTextTask(V);

const COPY_MODELS: [string, ModelConfig, string][] = [
  [
    'TCN',
    { kind: 'tcn', vocabSize: 10, inputFeatures: 0, embedSize: 6, hiddenSize: 6, levels: 2, kernelSize: 3, dropout: 0 } as ModelConfig,
    'native-tcn',
  ],
  [
    'LSTM',
    { kind: 'lstm', vocabSize: 10, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 1, dropout: 0 } as ModelConfig,
    'native-recurrent',
  ],
  [
    'GRU',
    { kind: 'gru', vocabSize: 10, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0 } as ModelConfig,
    'native-recurrent',
  ],
];

// A tight bound (0.3) keeps the projection active at every step, so a step that ignored it would drift at once.
const stableRnn = {
  kind: 'rnn',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  hiddenSize: 5,
  layers: 2,
  dropout: 0,
  spectralBound: 0.3,
} as ModelConfig;
const stableLstm = {
  kind: 'lstm',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  hiddenSize: 5,
  layers: 1,
  dropout: 0,
  stabilize: true,
} as ModelConfig;

const truncated = (k: number, base: Record<string, unknown>, inputs = { vocabSize: V, inputFeatures: 0 }): ModelConfig =>
  ({ kind: 'truncated', ...inputs, embedSize: 4, dropout: 0, k, base }) as ModelConfig;
/** The adding problem at T = 9: two features in, one regression value out, scored on the last step only. */
const addingTask = () => createSyntheticTask({ task: 'adding', length: 9, trainSize: 64, validSize: 8, testSize: 8, seed: 3 });

// Windows shorter than the batch (k = 3 of 7), a head only (k = 1), the whole window (k ≥ T), a constrained base,
// and feature inputs with a masked regression target.
const TRUNCATED: [string, ModelConfig, () => TaskData][] = [
  ['GRU ×2, k = 3', truncated(3, { kind: 'gru', hiddenSize: 5, layers: 2 }), textTask],
  ['LSTM, k = 1', truncated(1, { kind: 'lstm', hiddenSize: 5, layers: 1 }), textTask],
  ['RNN, k = 9 ≥ T', truncated(9, { kind: 'rnn', hiddenSize: 5, layers: 1 }), textTask],
  ['stable RNN (‖U‖₂ ≤ 0.3), k = 4', truncated(4, { kind: 'rnn', hiddenSize: 5, layers: 1, spectralBound: 0.3 }), textTask],
  ['LSTM, k = 4, adding problem', truncated(4, { kind: 'lstm', hiddenSize: 5, layers: 1 }, { vocabSize: 1, inputFeatures: 2 }), addingTask],
];

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native step on other tasks and constrained models, %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it.each(COPY_MODELS)(
    'copy memory, %s: losses and parameters after 12 steps match the stock step within 1e-4',
    async (_name, config, path) => {
      await expectTrainingMatchesStock(config, copyTask, path);
    },
  );

  it('stable RNN (‖U‖₂ ≤ 0.3): losses and parameters after 12 steps match the stock step within 1e-4', async () => {
    await expectTrainingMatchesStock(stableRnn, textTask, 'native-recurrent');
  });

  it('stable LSTM: losses within 1e-4 and parameters within 3e-4 of the stock step after 12 steps', async () => {
    // The forget bias starts at 10, so σ'(·) ≈ 4.5e-5 and the forget block's gradients are ~1e-5 of the others':
    // Adam scales them up to full-size updates, rounding included. The largest gap after 12 Adam steps is there
    // (recurrent_kernel, forget block: 1.1e-4 of the tensor's largest value); SGD stays within 1e-4.
    await expectTrainingMatchesStock(stableLstm, textTask, 'native-recurrent', 3e-4);
  });

  it.each(TRUNCATED)(
    'truncated model, %s: losses and parameters after 12 steps match the stock step within 1e-4',
    async (_name, config, data) => {
      await expectTrainingMatchesStock(config, data, 'native-truncated');
    },
  );

  it('truncated model: a checkpoint resumes bit-for-bit', async () => {
    await expectResumesBitForBit(
      (seed) => buildModel(truncated(3, { kind: 'gru', hiddenSize: 5, layers: 2 }), seed),
      textTask(),
      'native-truncated',
    );
  });

  it('a stable RNN trained on the native step stays on its constraint set', async () => {
    const model = buildModel(stableRnn, 3);
    const trainer = new Trainer(model, smallTrainConfig({ lr: 0.1 }), textTask());
    try {
      expect(trainer.stepPath).toBe('native-recurrent');
      for (let i = 0; i < 8; i++) expect(await trainer.trainStep()).not.toBeNull();
      // Lanczos on every layer's U: the bound holds up to float32 rounding of the projection.
      expect(await model.stabilityBound!()).toBeLessThanOrEqual(0.3 * (1 + 1e-4));
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });
});
