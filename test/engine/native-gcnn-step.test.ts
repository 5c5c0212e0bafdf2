// Guards the whole native training step of the gated convolutional language
// model (core/engine/fused/native-gcnn-step.ts, native/src/gcnn-step.cc)
// against the stock TF.js step (every fused kernel unregistered) on odd shapes
// (batch 3, window 7, vocabulary 11, kernel 3; dilated to 2 so whole taps sit
// in the padding), for the GCNN's variants: embed ≠ hidden (level 0's 1×1
// projection) with 2 levels of 2 convolutions, embed = hidden (identity skip),
// weight norm on and off, undilated single convolutions. On cpu and wasm: which
// path the trainer gets and what it refuses, the loss and every gradient of
// one step within 1e-4 (the halves' gradients scattered from the one gathered
// convolution), the losses and parameters after 12 steps of Adam and of SGD
// with clipping within 1e-4, Adam inside the step against the stock Adam
// within 1e-6 after 50 steps, a bit-for-bit resume, no leaked tensors, and 30
// steps on real text with the same curve as the stock step. With dropout (the
// TCN step's masks, tcnDropoutMask, not TF.js's): the loss and gradients of a
// step and the losses and parameters after 6 steps against the stock step
// replaying the same masks, one draw of the run's generator per step,
// repeatable runs and a bit-for-bit resume. Skipped where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { gcnnArenaLayout } from '../../core/engine/fused/native-gcnn-step.ts';
import { nativeStepRefusal } from '../../core/engine/fused/native-train-step.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { GcnnConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import type { TaskData } from '../../core/ml/tasks/task-types.ts';
import type { TrainStepSetup } from '../../core/ml/train/train-step.ts';
import { type ConvStepSuite, describeDropoutCases, describeRealTextCurve, equivalenceCases } from '../helpers/native-dropout-cases.ts';
import { expectStepPaths, nativeWithStep, randomTextTask } from '../helpers/train-step-cases.ts';

/** Masks for the stock step to replay, one per GLU in the forward's order; null: the model's own dropout. */
const replay = vi.hoisted(() => ({ masks: null as Float32Array[] | null }));
vi.mock('../../core/ml/ops/dropout.ts', async (importOriginal) =>
  (await import('../helpers/dropout-replay.ts')).replayingDropout(await importOriginal(), replay),
);

const native = nativeWithStep('gcnnStep', 'native GCNN step tests');

const V = 11;
const gcnn = (extra: Partial<GcnnConfig> = {}): GcnnConfig => ({
  kind: 'gcnn',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  hiddenSize: 5,
  levels: 2,
  convsPerBlock: 2,
  kernelSize: 3,
  dilated: true,
  dropout: 0,
  weightNorm: true,
  ...extra,
});
/** The variants the native step covers, each on odd shapes. */
const VARIANTS: Record<string, GcnnConfig> = {
  'embed ≠ hidden (projection), 2 levels × 2 convs, dilated, weight norm': gcnn(),
  'embed = hidden (identity skip), weight norm': gcnn({ embedSize: 5 }),
  'embed ≠ hidden, no weight norm': gcnn({ weightNorm: false }),
  'embed = hidden, no weight norm, undilated, 3 levels × 1 conv': gcnn({
    embedSize: 5,
    weightNorm: false,
    dilated: false,
    levels: 3,
    convsPerBlock: 1,
  }),
};

const task = () => randomTextTask(V);

const suite: ConvStepSuite<GcnnConfig> = {
  label: 'GCNN',
  path: 'native-gcnn',
  built: !!native,
  plain: VARIANTS,
  base: gcnn(),
  /** The dropout variants: odd shapes, weight norm on and off, embed ≠ hidden (projection) and not, undilated. */
  variants: {
    'weight norm, embed ≠ hidden, dilated, 2 levels × 2 convs': gcnn({ dropout: 0.3 }),
    'no weight norm, embed = hidden': gcnn({ dropout: 0.3, weightNorm: false, embedSize: 5 }),
    'weight norm, undilated, 3 levels × 1 conv': gcnn({ dropout: 0.3, dilated: false, levels: 3, convsPerBlock: 1 }),
  },
  /** one per GLU in the forward's order. */
  masksFor: (c, seed, rows) =>
    Array.from({ length: c.levels * c.convsPerBlock }, (_, i) => native!.tcnDropoutMask(seed, i, rows * c.hiddenSize, c.dropout)),
  task,
  replay,
  realText: (vocab) => gcnn({ vocabSize: vocab, embedSize: 16, hiddenSize: 32 }),
};

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native GCNN training step on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it('runs for the GCNN language model, dropout included', () => {
    expectStepPaths(
      [...Object.values(VARIANTS).map((c): [GcnnConfig, string] => [c, 'native-gcnn']), [gcnn({ dropout: 0.05 }), 'native-gcnn']],
      task(),
    );
  });

  equivalenceCases(suite);
});

describe.skipIf(!native)('what the native GCNN step refuses', () => {
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

  it('takes the default GCNN (dropout 0.05) takes feature inputs, other tasks and constraints, and refuses the switch and other layouts', () => {
    const data = task();
    const model = buildModel(gcnn({ dropout: 0.05 }), 3);
    try {
      expect(nativeStepRefusal(setupOf(model, data))).toBeNull();
      vi.stubEnv('SEQLAB_NATIVE_STEP', '0');
      expect(nativeStepRefusal(setupOf(model, data))).toBe('disabled by SEQLAB_NATIVE_STEP=0');
      vi.unstubAllEnvs();
      const { config, variables } = model;
      const constrained = { config, variables, constrain: () => Promise.resolve() };
      expect(nativeStepRefusal(setupOf(constrained, data))).toBeNull(); // the runner projects after its update
      // Feature inputs and every output kind are the window's: only a mismatched input/kernel is refused.
      const mislaid = { config: { ...config, inputFeatures: 3 } as GcnnConfig, variables };
      expect(nativeStepRefusal(setupOf(mislaid, data))).toBe('parameters not in the layout of the native step');
      expect(nativeStepRefusal(setupOf(model, { ...data, output: 'regression' } as TaskData))).toBeNull();
      expect(nativeStepRefusal(setupOf(model, { ...data, output: 'bernoulli' } as TaskData))).toBeNull();
      const features = buildModel(gcnn({ inputFeatures: 3 }), 3);
      expect(nativeStepRefusal(setupOf(features, { ...data, inputFeatures: 3, output: 'regression' } as TaskData))).toBeNull();
      features.dispose();
      expect(nativeStepRefusal(setupOf(model, { ...data, stateful: false } as TaskData))).toBeNull(); // episodic tasks (copy memory)
      const otherKernel = { config: { ...config, kernelSize: 2 } as GcnnConfig, variables };
      expect(nativeStepRefusal(setupOf(otherKernel, data))).toBe('parameters not in the layout of the native step');
      const deep = { config: { ...config, levels: 25 } as GcnnConfig, variables };
      expect(nativeStepRefusal(setupOf(deep, data))).toBe('dilated with more than 24 levels');
    } finally {
      model.dispose();
    }
  });
});

describe.skipIf(!native)('the native GCNN step’s arguments', () => {
  it('refuses a TCN session, an arena of the wrong length and a token outside the vocabulary, naming them', () => {
    const k = native!;
    const [session, P] = k.gcnnStepSession(V, V, 4, 5, 2, 3, 2, true, true);
    const [tcn] = k.tcnStepSession(V, V, 4, 5, 2, 3, 2, true, true);
    const ids = new Int32Array(6).fill(1);
    const adam = [0, 0.01, 0.9, 0.999, 1e-8, 0.01, 0] as const;
    expect(() => k.gcnnStep(tcn, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      'gcnnStep: session must come from gcnnStepSession',
    );
    expect(() => k.tcnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      'tcnStep: session must come from tcnStepSession',
    );
    expect(() => k.gcnnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P - 1), 0, 0, ...adam)).toThrow(
      `gcnnStep: arena has ${4 * P - 1} elements, expected ${4 * P}`,
    );
    expect(() =>
      k.gcnnStep(session, 2, 3, ids, Int32Array.from([0, 1, 2, 3, 4, V]), 0, null, new Float32Array(4 * P), 0, 0, ...adam),
    ).toThrow(`gcnnStep: targets[5] = ${V} is outside 0..${V - 1}`);
    expect(() => k.gcnnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 1, 0, ...adam)).toThrow(
      'gcnnStep: dropout must be in [0, 1)',
    );
    expect(() => k.gcnnStep(session, 2, 3, ids, ids, 0, null, new Float32Array(4 * P), 0.1, 0.5, ...adam)).toThrow(
      'gcnnStep: seed must be a whole number in [0, 2^53)',
    );
    expect(() => k.gcnnStepSession(V, V, 4, 5, 25, 3, 2, true, true)).toThrow('gcnnStepSession: levels must be at most 24 when dilated');
    expect(P).toBe(gcnnArenaLayout(gcnn()).reduce((n, e) => n + e.size, 0));
    expect(k.gcnnStepSession(V, V, 5, 5, 3, 3, 1, false, false)[1]).toBe(
      gcnnArenaLayout(gcnn({ embedSize: 5, weightNorm: false, levels: 3, convsPerBlock: 1 })).reduce((n, e) => n + e.size, 0),
    );
  });
});

describeDropoutCases(suite);
describeRealTextCurve(suite);
