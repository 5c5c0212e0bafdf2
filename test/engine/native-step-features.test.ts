// Guards the whole native training steps (recurrent, TCN, GCNN, WaveNet) on
// the tasks beyond token language models, against the stock TF.js step (every
// fused kernel unregistered) on odd shapes, on cpu and wasm: the adding
// problem (2 features in, one regression value out, scored on the last step
// only by its mask), a hand-made piano roll (5 pitches in and out, bernoulli,
// sequences of unequal length padded under a mask), the same piano roll
// without its mask and a token task scored under a random mask. For each
// model kind: which path the trainer gets, one step's loss and every gradient
// within 1e-4, and 12 steps of Adam (and of SGD with clipping) whose losses
// and parameters agree within 1e-4 relative. Also the bindings' checks of
// the window (inputs, targets, output kind, mask) and an all-zero mask.
// Skipped, with the reason, where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import type { NativeWholeStep } from '../../core/engine/fused/native-whole-step.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import type { PianoRollSet } from '../../core/ml/music/piano-roll.ts';
import { Rng } from '../../core/ml/rng.ts';
import { createMusicTask } from '../../core/ml/tasks/music-task.ts';
import { createSyntheticTask } from '../../core/ml/tasks/synthetic.ts';
import type { Batch, TaskData } from '../../core/ml/tasks/task-types.ts';
import { createTrainStep } from '../../core/ml/train/train-step.ts';
import { relDiffStrict } from '../helpers/optimizer-cases.ts';
import { expectTrainingMatchesStock, nativeWithStep, randomTextTask, stockStepOn } from '../helpers/train-step-cases.ts';

const native = (['trainStep', 'tcnStep', 'gcnnStep', 'wavenetStep'] as const).every((fn) =>
  nativeWithStep(fn, `native step feature-task tests (${fn})`),
)
  ? loadNativeKernels().kernels
  : null;

const KINDS = ['lstm', 'gru', 'rnn', 'tcn', 'gcnn', 'wavenet'] as const;
type Kind = (typeof KINDS)[number];

const PATHS: Record<Kind, string> = {
  lstm: 'native-recurrent',
  gru: 'native-recurrent',
  rnn: 'native-recurrent',
  tcn: 'native-tcn',
  gcnn: 'native-gcnn',
  wavenet: 'native-wavenet',
};

/** A small model of `kind` reading `F` features (0: token ids) into V output units, on odd widths. */
function config(kind: Kind, V: number, F: number): ModelConfig {
  const io = { vocabSize: V, inputFeatures: F, embedSize: 4, dropout: 0 };
  switch (kind) {
    case 'tcn':
      return { kind, ...io, hiddenSize: 5, levels: 2, kernelSize: 3, convsPerBlock: 2, weightNorm: true, residual: true };
    case 'gcnn':
      return { kind, ...io, hiddenSize: 5, levels: 2, kernelSize: 3, convsPerBlock: 1, dilated: true, weightNorm: true };
    case 'wavenet':
      return { kind, ...io, residualChannels: 5, dilationChannels: 3, skipChannels: 7, stacks: 1, layersPerStack: 2, kernelSize: 2 };
    default:
      return { kind, ...io, hiddenSize: 5, layers: 2 } as ModelConfig;
  }
}

/** The adding problem over 7 steps: features [B, 7, 2], one regression target scored on the last step. */
const addingTask = (): TaskData => createSyntheticTask({ task: 'adding', length: 7, trainSize: 60, validSize: 6, testSize: 6, seed: 3 });

/** 5 pitches, 12 seeded random sequences of 4..9 frames (so every batch pads some rows under its mask). */
function rollSet(): PianoRollSet {
  const P = 5;
  const rng = new Rng(23);
  const sequences = Array.from({ length: 12 }, (_, i) => Uint8Array.from({ length: (4 + (i % 6)) * P }, () => (rng.next() < 0.4 ? 1 : 0)));
  return {
    pitchOffset: 60,
    numPitches: P,
    sequences,
    splits: { train: { start: 0, end: 9 }, valid: { start: 9, end: 11 }, test: { start: 11, end: 12 } },
  };
}
const musicTask = (): TaskData => createMusicTask(rollSet());

/** A token batch scored under a seeded random 0/1 mask (at least one position scored). */
function maskedTokens(batch: Batch): Batch {
  const rng = new Rng(5);
  const mask = Float32Array.from(batch.targets, () => (rng.next() < 0.6 ? 1 : 0));
  mask[0] = 1;
  return { ...batch, mask };
}

interface TaskCase {
  /** Output units and input features (0: token ids) of the task's model. */
  V: number;
  F: number;
  data(): TaskData;
  /** The batch of the one-step check, from the task's first training batch. */
  batch(first: Batch): Batch;
}

const TEXT_V = 11;
const CASES: Record<string, TaskCase> = {
  'adding problem (regression, masked)': { V: 1, F: 2, data: addingTask, batch: (b) => b },
  'piano roll (bernoulli, masked)': { V: 5, F: 5, data: musicTask, batch: (b) => b },
  'piano roll (bernoulli, no mask)': { V: 5, F: 5, data: musicTask, batch: (b) => ({ ...b, mask: null }) },
  'tokens (categorical, masked)': { V: TEXT_V, F: 0, data: () => randomTextTask(TEXT_V), batch: maskedTokens },
};
/** The cases the trainer runs end to end (the others differ from these in one batch's mask only). */
const TRAINED = ['adding problem (regression, masked)', 'piano roll (bernoulli, masked)'];

const grid = (names: string[]) => KINDS.flatMap((kind) => names.map((name) => [kind, name] as [Kind, string]));

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native steps on feature and masked tasks on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it.each(grid(Object.keys(CASES)))(
    '%s, %s: the loss and every gradient of a step match the stock step within 1e-4',
    async (kind, name) => {
      const c = CASES[name]!;
      const data = c.data();
      const batch = c.batch(data.trainStream(3, 7, 9).next());
      const nativeModel = buildModel(config(kind, c.V, c.F), 4);
      const stockModel = buildModel(config(kind, c.V, c.F), 4);
      try {
        const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng: new Rng(1) });
        expect(runner.path).toBe(PATHS[kind]);
        const out = await runner.run(batch, null, 0);
        const grads = (runner as NativeWholeStep).gradients();
        const stock = await stockStepOn(stockModel, batch, null, data.output);
        expect(Math.abs(out.loss - stock.loss) / stock.loss, `loss ${out.loss} vs ${stock.loss}`).toBeLessThanOrEqual(1e-4);
        expect(Object.keys(grads)).toEqual(Object.keys(stock.grads));
        for (const [param, g] of Object.entries(stock.grads))
          expect(relDiffStrict(grads[param]!, g), `gradient of ${param}`).toBeLessThanOrEqual(1e-4);
        tf.dispose(out.state ?? []);
        runner.dispose();
      } finally {
        nativeModel.dispose();
        stockModel.dispose();
      }
    },
  );

  it.each(grid(TRAINED))(
    '%s, %s: losses and parameters after 12 steps (Adam; SGD with clipping) match the stock step within 1e-4',
    async (kind, name) => {
      const c = CASES[name]!;
      await expectTrainingMatchesStock(config(kind, c.V, c.F), c.data, PATHS[kind]);
    },
  );
});

describe.skipIf(!native)('the whole native steps’ window arguments', () => {
  const none = [2, 0, 0.9, 0.999, 1e-8, 0, 0] as const; // optimizer 2: gradients only
  // A TCN session of 3 output units reading 2 features (or ids in 0..1), on windows of B = 2, T = 3; opened on first
  // use, as collecting the cases runs this body even where the addon is missing.
  let opened: [session: unknown, P: number] | undefined;
  const tcn = () => (opened ??= native!.tcnStepSession(3, 2, 4, 5, 2, 2, 1, false, true));
  const arena = () => new Float32Array(4 * tcn()[1]).fill(0.1);
  const feats = new Float32Array(2 * 3 * 2).fill(0.5);
  const values = new Float32Array(2 * 3 * 3).fill(0.25);
  const step = (inputs: unknown, targets: unknown, output: number, mask: unknown) =>
    native!.tcnStep(
      tcn()[0],
      2,
      3,
      inputs as Float32Array,
      targets as Float32Array,
      output,
      mask as Float32Array | null,
      arena(),
      0,
      0,
      ...none,
    );

  it('refuses inputs, targets, output kinds and masks that do not fit the session, naming them', () => {
    expect(() => step(new Float32Array(11), values, 2, null)).toThrow('tcnStep: inputs has 11 elements, expected 12');
    expect(() => step(new Uint8Array(12), values, 2, null)).toThrow(
      'tcnStep: inputs must be an Int32Array (token ids) or a Float32Array (features)',
    );
    expect(() => step(Int32Array.from([0, 1, 0, 1, 0, 2]), values, 2, null)).toThrow('tcnStep: inputs[5] = 2 is outside 0..1');
    expect(() => step(feats, values, 3, null)).toThrow('tcnStep: output must be 0 (categorical), 1 (bernoulli) or 2 (regression)');
    expect(() => step(feats, values.subarray(1), 1, null)).toThrow('tcnStep: targets has 17 elements, expected 18');
    expect(() => step(feats, new Int32Array(18), 2, null)).toThrow('tcnStep: targets must be a Float32Array');
    expect(() => step(feats, new Float32Array(6), 0, null)).toThrow('tcnStep: targets must be an Int32Array');
    expect(() => step(feats, Int32Array.from([0, 1, 2, 3, 0, 0]), 0, null)).toThrow('tcnStep: targets[3] = 3 is outside 0..2');
    expect(() => step(feats, values, 2, new Float32Array(5))).toThrow('tcnStep: mask has 5 elements, expected 6');
    expect(() => step(feats, values, 2, new Int32Array(6))).toThrow('tcnStep: mask must be a Float32Array');
    const [recurrent, rP] = native!.trainStepSession(1, 3, 2, 4, 5, 1);
    const state = new Float32Array(2 * 2 * 5);
    expect(() =>
      native!.trainStep(recurrent, 2, 3, feats, values, 2, new Float32Array(7), state, new Float32Array(4 * rP), 0, 0, ...none),
    ).toThrow('trainStep: mask has 7 elements, expected 6');
  });

  it('scores nothing under an all-zero mask: loss 0 and every gradient 0 (the divisor is max(Σmask, 1))', () => {
    for (const output of [0, 1, 2]) {
      const a = arena();
      const targets = output === 0 ? new Int32Array(6) : values;
      const [loss, norm, applied] = native!.tcnStep(tcn()[0], 2, 3, feats, targets, output, new Float32Array(6), a, 0, 0, ...none);
      expect([loss, norm, applied]).toEqual([0, 0, true]);
      expect(a.subarray(tcn()[1], 2 * tcn()[1]).every((g) => g === 0)).toBe(true);
    }
  });
});
