// Guards the whole native training step of the WaveNet
// (core/engine/fused/native-wavenet-step.ts, native/src/wavenet-step.cc)
// against the stock TF.js step (every fused kernel unregistered) on odd shapes
// (batch 3, window 7, vocabulary 11, embed 4, residual 5, dilation 3, skip 7
// channels; dilations up to 4 so whole taps sit in the padding), for the
// WaveNet's variants: kernel 3 with 2 stacks × 2 layers, kernel 2 with 1 stack
// × 3 layers, and a single layer (no residual projection at all). On cpu and
// wasm: which path the trainer gets and what it refuses, the loss and every
// gradient of one step within 1e-4 (filter and gate scattered from the one
// gathered convolution, the skip sum's and the residuals' gradients), the
// losses and parameters after 12 steps of Adam and of SGD with clipping within
// 1e-4, Adam inside the step against the stock Adam within 1e-6 after 50
// steps, a bit-for-bit resume, no leaked tensors, and 30 steps on real text
// with the same curve as the stock step. With dropout (the TCN step's masks,
// tcnDropoutMask with unit = layer, not TF.js's): the loss and gradients of a
// step and the losses and parameters after 6 steps against the stock step
// replaying the same masks, one draw of the run's generator per step,
// repeatable runs and a bit-for-bit resume. Skipped where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { nativeStepRefusal } from '../../core/engine/fused/native-train-step.ts';
import { wavenetArenaLayout } from '../../core/engine/fused/native-wavenet-step.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { WavenetConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import type { TaskData } from '../../core/ml/tasks/task-types.ts';
import type { TrainStepSetup } from '../../core/ml/train/train-step.ts';
import { type ConvStepSuite, describeDropoutCases, describeRealTextCurve, equivalenceCases } from '../helpers/native-dropout-cases.ts';
import { expectStepPaths, nativeWithStep, randomTextTask } from '../helpers/train-step-cases.ts';

/** Masks for the stock step to replay, one per gated layer in the forward's order; null: the model's own dropout. */
const replay = vi.hoisted(() => ({ masks: null as Float32Array[] | null }));
vi.mock('../../core/ml/ops/dropout.ts', async (importOriginal) =>
  (await import('../helpers/dropout-replay.ts')).replayingDropout(await importOriginal(), replay),
);

const native = nativeWithStep('wavenetStep', 'native WaveNet step tests');

const V = 11;
const wavenet = (extra: Partial<WavenetConfig> = {}): WavenetConfig => ({
  kind: 'wavenet',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  residualChannels: 5,
  dilationChannels: 3,
  skipChannels: 7,
  stacks: 2,
  layersPerStack: 2,
  kernelSize: 3,
  dropout: 0,
  ...extra,
});
/** The variants the native step covers, each on odd shapes. */
const VARIANTS: Record<string, WavenetConfig> = {
  'kernel 3, 2 stacks × 2 layers': wavenet(),
  'kernel 2, 1 stack × 3 layers (dilation 4)': wavenet({ kernelSize: 2, stacks: 1, layersPerStack: 3 }),
  'kernel 2, a single layer (no residual projection)': wavenet({ kernelSize: 2, stacks: 1, layersPerStack: 1 }),
};

const task = () => randomTextTask(V);

const suite: ConvStepSuite<WavenetConfig> = {
  label: 'WaveNet',
  path: 'native-wavenet',
  built: !!native,
  plain: VARIANTS,
  base: wavenet(),
  /** The dropout variants: odd shapes, kernel 3 and 2, several layers and one. */
  variants: {
    'kernel 3, 2 stacks × 2 layers': wavenet({ dropout: 0.3 }),
    'kernel 2, 1 stack × 3 layers': wavenet({ dropout: 0.3, kernelSize: 2, stacks: 1, layersPerStack: 3 }),
    'kernel 2, a single layer': wavenet({ dropout: 0.3, kernelSize: 2, stacks: 1, layersPerStack: 1 }),
  },
  /** one per gated layer in the forward's order. */
  masksFor: (c, seed, rows) =>
    Array.from({ length: c.stacks * c.layersPerStack }, (_, i) => native!.tcnDropoutMask(seed, i, rows * c.dilationChannels, c.dropout)),
  task,
  replay,
  realText: (vocab) =>
    wavenet({
      vocabSize: vocab,
      embedSize: 16,
      residualChannels: 16,
      dilationChannels: 16,
      skipChannels: 32,
      kernelSize: 2,
    }),
};

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native WaveNet training step on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it('runs for the WaveNet language model, dropout included', () => {
    expectStepPaths(
      [
        ...Object.values(VARIANTS).map((c): [WavenetConfig, string] => [c, 'native-wavenet']),
        [wavenet({ dropout: 0.05 }), 'native-wavenet'],
      ],
      task(),
    );
  });

  equivalenceCases(suite);
});

describe.skipIf(!native)('what the native WaveNet step refuses', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  /** A set-up around `model` (its config and variables), on `data`. */
  const setupOf = (model: Pick<SequenceModel, 'config' | 'variables'> & Partial<SequenceModel>, data: TaskData): TrainStepSetup => ({
    model: model as SequenceModel,
    data,
    optimizer: 'adam',
    clip: 0,
    rng: new Rng(1),
  });

  it('takes a WaveNet with dropout 0.05 takes feature inputs, other tasks and constraints, and refuses the switch and other layouts', () => {
    const data = task();
    const model = buildModel(wavenet({ dropout: 0.05 }), 3);
    try {
      expect(nativeStepRefusal(setupOf(model, data))).toBeNull();
      vi.stubEnv('SEQLAB_NATIVE_STEP', '0');
      expect(nativeStepRefusal(setupOf(model, data))).toBe('disabled by SEQLAB_NATIVE_STEP=0');
      vi.unstubAllEnvs();
      const { config, variables } = model;
      const constrained = { config, variables, constrain: () => Promise.resolve() };
      expect(nativeStepRefusal(setupOf(constrained, data))).toBeNull(); // the runner projects after its update
      // Feature inputs and every output kind are the window's: only a mismatched input/kernel is refused.
      const mislaid = { config: { ...config, inputFeatures: 3 } as WavenetConfig, variables };
      expect(nativeStepRefusal(setupOf(mislaid, data))).toBe('parameters not in the layout of the native step');
      expect(nativeStepRefusal(setupOf(model, { ...data, output: 'regression' } as TaskData))).toBeNull();
      expect(nativeStepRefusal(setupOf(model, { ...data, output: 'bernoulli' } as TaskData))).toBeNull();
      const features = buildModel(wavenet({ inputFeatures: 3 }), 3);
      expect(nativeStepRefusal(setupOf(features, { ...data, inputFeatures: 3, output: 'regression' } as TaskData))).toBeNull();
      features.dispose();
      expect(nativeStepRefusal(setupOf(model, { ...data, stateful: false } as TaskData))).toBeNull(); // episodic tasks (copy memory)
      const otherKernel = { config: { ...config, kernelSize: 2 } as WavenetConfig, variables };
      expect(nativeStepRefusal(setupOf(otherKernel, data))).toBe('parameters not in the layout of the native step');
      const deep = { config: { ...config, layersPerStack: 25 } as WavenetConfig, variables };
      expect(nativeStepRefusal(setupOf(deep, data))).toBe('more than 24 layers per stack');
      const otherSkip = { config: { ...config, skipChannels: 6 } as WavenetConfig, variables };
      expect(nativeStepRefusal(setupOf(otherSkip, data))).toBe('parameters not in the layout of the native step');
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!native)('the native WaveNet step’s arguments', () => {
  it('refuses a GCNN session, an arena of the wrong length and a token outside the vocabulary, naming them', () => {
    const k = native!;
    const [session, P] = k.wavenetStepSession(V, V, 4, 5, 3, 7, 2, 2, 3);
    const [gcnnSession] = k.gcnnStepSession(V, V, 4, 5, 2, 3, 2, true, true);
    const ids = new Int32Array(6).fill(1);
    const adam = [0, 0.01, 0.9, 0.999, 1e-8, 0.01, 0] as const;
    expect(() => k.wavenetStep(gcnnSession, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      'wavenetStep: session must come from wavenetStepSession',
    );
    expect(() => k.gcnnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      'gcnnStep: session must come from gcnnStepSession',
    );
    expect(() => k.wavenetStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P - 1), 0, 0, ...adam)).toThrow(
      `wavenetStep: arena has ${4 * P - 1} elements, expected ${4 * P}`,
    );
    expect(() =>
      k.wavenetStep(session, 2, 3, Int32Array.from([0, 1, 2, 3, 4, V]), ids, 0, null, new Float32Array(4 * P), 0, 0, ...adam),
    ).toThrow(`wavenetStep: inputs[5] = ${V} is outside 0..${V - 1}`);
    expect(() => k.wavenetStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 1, 0, ...adam)).toThrow(
      'wavenetStep: dropout must be in [0, 1)',
    );
    expect(() => k.wavenetStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0.1, 0.5, ...adam)).toThrow(
      'wavenetStep: seed must be a whole number in [0, 2^53)',
    );
    expect(() => k.wavenetStepSession(V, V, 4, 5, 3, 7, 2, 25, 3)).toThrow('wavenetStepSession: layersPerStack must be at most 24');
    expect(P).toBe(wavenetArenaLayout(wavenet()).reduce((n, e) => n + e.size, 0));
    expect(k.wavenetStepSession(V, V, 4, 5, 3, 7, 1, 1, 2)[1]).toBe(
      wavenetArenaLayout(wavenet({ stacks: 1, layersPerStack: 1, kernelSize: 2 })).reduce((n, e) => n + e.size, 0),
    );
  });

  it('lays the arena out in the model’s variable order', () => {
    for (const config of Object.values(VARIANTS)) {
      const model = buildModel(config, 1);
      expect(wavenetArenaLayout(config)).toEqual(model.variables.map(({ name, variable }) => ({ name, size: variable.size })));
      model.dispose();
    }
  });
});

describeDropoutCases(suite);
describeRealTextCurve(suite);
