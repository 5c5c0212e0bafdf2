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
import { NativeWavenetStep, wavenetArenaLayout } from '../../core/engine/fused/native-wavenet-step.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { WavenetConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import type { TaskData } from '../../core/ml/tasks/task-types.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { createTrainStep, type TrainStepSetup } from '../../core/ml/train/train-step.ts';
import { relDiffStrict } from '../helpers/optimizer-cases.ts';
import {
  corpusChars,
  expectAdamMatchesStock,
  expectNoLeakedTensors,
  expectResumesBitForBit,
  expectStepPaths,
  expectTrainingMatchesStock,
  nativeWithStep,
  paramsOf,
  randomTextTask,
  stockStepOn,
  trainFor,
  withStockKernels,
} from '../helpers/train-step-cases.ts';

/** Masks for the stock step to replay, one per gated layer in the forward's order; null: the model's own dropout. */
const replay = vi.hoisted(() => ({ masks: null as Float32Array[] | null }));
vi.mock('../../core/ml/ops/dropout.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/ml/ops/dropout.ts')>();
  const tfjs = await import('@tensorflow/tfjs');
  const seededDropout: typeof real.seededDropout = (x, rate, options) => {
    if (!replay.masks || !real.dropoutActive(rate, options)) return real.seededDropout(x, rate, options);
    const mask = replay.masks.shift();
    if (!mask) throw new Error('replayed dropout: more units than masks');
    return tfjs.mul(x, tfjs.tensor(mask, x.shape, 'float32')) as typeof x;
  };
  return { ...real, seededDropout };
});

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
const NAMES = Object.keys(VARIANTS);

const task = () => randomTextTask(V);

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

  it.each(NAMES)('%s: the loss and every gradient of a step match the stock step within 1e-4 relative', async (name) => {
    const data = task();
    const batch = data.trainStream(3, 7, 9).next();
    const nativeModel = buildModel(VARIANTS[name]!, 4);
    const stockModel = buildModel(VARIANTS[name]!, 4);
    try {
      const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng: new Rng(1) });
      expect(runner).toBeInstanceOf(NativeWavenetStep);
      const out = await runner.run(batch, null, 0);
      expect(out.state).toBeNull();
      const grads = (runner as NativeWavenetStep).gradients();
      const stock = await stockStepOn(stockModel, batch, null);
      expect(Math.abs(out.loss - stock.loss) / stock.loss, `loss ${out.loss} vs ${stock.loss}`).toBeLessThanOrEqual(1e-4);
      expect(Object.keys(grads)).toEqual(Object.keys(stock.grads));
      for (const [param, g] of Object.entries(stock.grads))
        expect(relDiffStrict(grads[param]!, g), `gradient of ${param}`).toBeLessThanOrEqual(1e-4);
      runner.dispose();
    } finally {
      nativeModel.dispose();
      stockModel.dispose();
    }
  });

  it.each(NAMES)('%s: losses and parameters after 12 steps (Adam; SGD with clipping) match the stock step within 1e-4', async (name) => {
    await expectTrainingMatchesStock(VARIANTS[name]!, task, 'native-wavenet');
  });

  it("Adam's moments and parameters inside the step match the stock Adam on the same gradients within 1e-6 relative after 50 steps", async () => {
    const data = task();
    const model = buildModel(wavenet(), 6);
    const runner = createTrainStep({ model, data, optimizer: 'adam', clip: 0.5, rng: new Rng(1) }) as NativeWavenetStep;
    try {
      await expectAdamMatchesStock(runner, model, data);
    } finally {
      runner.dispose();
      model.dispose();
    }
  });

  it('a checkpoint taken after 5 steps resumes bit-for-bit on the native step', async () => {
    await expectResumesBitForBit((seed) => buildModel(wavenet(), seed), task(), 'native-wavenet');
  });

  it('leaves no tensors behind after the first step', async () => {
    await expectNoLeakedTensors(buildModel(wavenet(), 1), task());
  });
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

  it('takes a WaveNet with dropout 0.05 and refuses the switch, feature inputs, other tasks, constraints and other layouts', () => {
    const data = task();
    const model = buildModel(wavenet({ dropout: 0.05 }), 3);
    try {
      expect(nativeStepRefusal(setupOf(model, data))).toBeNull();
      vi.stubEnv('SEQLAB_NATIVE_STEP', '0');
      expect(nativeStepRefusal(setupOf(model, data))).toBe('disabled by SEQLAB_NATIVE_STEP=0');
      vi.unstubAllEnvs();
      const { config, variables } = model;
      const constrained = { config, variables, constrain: () => Promise.resolve() };
      expect(nativeStepRefusal(setupOf(constrained, data))).toBe('a constrained model (projected after every step)');
      const features = { config: { ...config, inputFeatures: 3 } as WavenetConfig, variables };
      expect(nativeStepRefusal(setupOf(features, data))).toBe('not a token-level language-model task');
      expect(nativeStepRefusal(setupOf(model, { ...data, output: 'regression' } as TaskData))).toBe(
        'not a token-level language-model task',
      );
      expect(nativeStepRefusal(setupOf(model, { ...data, stateful: false } as TaskData))).toBe('not a token-level language-model task');
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
    const [session, P] = k.wavenetStepSession(V, 4, 5, 3, 7, 2, 2, 3);
    const [gcnnSession] = k.gcnnStepSession(V, 4, 5, 2, 3, 2, true, true);
    const ids = new Int32Array(6).fill(1);
    const adam = [0, 0.01, 0.9, 0.999, 1e-8, 0.01, 0] as const;
    expect(() => k.wavenetStep(gcnnSession, 2, 3, ids, ids, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      'wavenetStep: session must come from wavenetStepSession',
    );
    expect(() => k.gcnnStep(session, 2, 3, ids, ids, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      'gcnnStep: session must come from gcnnStepSession',
    );
    expect(() => k.wavenetStep(session, 2, 3, ids, ids, new Float32Array(4 * P - 1), 0, 0, ...adam)).toThrow(
      `wavenetStep: arena has ${4 * P - 1} elements, expected ${4 * P}`,
    );
    expect(() => k.wavenetStep(session, 2, 3, Int32Array.from([0, 1, 2, 3, 4, V]), ids, new Float32Array(4 * P), 0, 0, ...adam)).toThrow(
      `wavenetStep: ids[5] = ${V} is outside 0..${V - 1}`,
    );
    expect(() => k.wavenetStep(session, 2, 3, ids, ids, new Float32Array(4 * P), 1, 0, ...adam)).toThrow(
      'wavenetStep: dropout must be in [0, 1)',
    );
    expect(() => k.wavenetStep(session, 2, 3, ids, ids, new Float32Array(4 * P), 0.1, 0.5, ...adam)).toThrow(
      'wavenetStep: seed must be a whole number in [0, 2^53)',
    );
    expect(() => k.wavenetStepSession(V, 4, 5, 3, 7, 2, 25, 3)).toThrow('wavenetStepSession: layersPerStack must be at most 24');
    expect(P).toBe(wavenetArenaLayout(wavenet()).reduce((n, e) => n + e.size, 0));
    expect(k.wavenetStepSession(V, 4, 5, 3, 7, 1, 1, 2)[1]).toBe(
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

/** The dropout variants: odd shapes, kernel 3 and 2, several layers and one. */
const DROPOUT_VARIANTS: Record<string, WavenetConfig> = {
  'kernel 3, 2 stacks × 2 layers': wavenet({ dropout: 0.3 }),
  'kernel 2, 1 stack × 3 layers': wavenet({ dropout: 0.3, kernelSize: 2, stacks: 1, layersPerStack: 3 }),
  'kernel 2, a single layer': wavenet({ dropout: 0.3, kernelSize: 2, stacks: 1, layersPerStack: 1 }),
};
const DROPOUT_NAMES = Object.keys(DROPOUT_VARIANTS);

/** The masks the native step draws from `seed` for a [B·T, D] step of `c`, one per gated layer in the forward's order. */
const masksFor = (c: WavenetConfig, seed: number, rows: number) =>
  Array.from({ length: c.stacks * c.layersPerStack }, (_, i) => native!.tcnDropoutMask(seed, i, rows * c.dilationChannels, c.dropout));

/** Runs `fn` with the stock step replaying `masks`; every mask must be used. */
async function replaying<T>(masks: Float32Array[], fn: () => Promise<T>): Promise<T> {
  replay.masks = [...masks];
  try {
    const out = await fn();
    expect(replay.masks, 'every unit took its mask').toHaveLength(0);
    return out;
  } finally {
    replay.masks = null;
  }
}

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native WaveNet training step with dropout on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it.each(DROPOUT_NAMES)('%s: the loss and every gradient of a step match the stock step on the same masks within 1e-4', async (name) => {
    const config = DROPOUT_VARIANTS[name]!;
    const data = task();
    const batch = data.trainStream(3, 7, 9).next();
    const nativeModel = buildModel(config, 4);
    const stockModel = buildModel(config, 4);
    try {
      const rng = new Rng(1);
      const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng });
      expect(runner).toBeInstanceOf(NativeWavenetStep);
      const out = await runner.run(batch, null, 0);
      const grads = (runner as NativeWavenetStep).gradients();
      const mirror = new Rng(1);
      const masks = masksFor(config, mirror.seed(), 21);
      expect(rng.getState(), 'one seed drawn for the step').toEqual(mirror.getState());
      const stock = await replaying(masks, () => stockStepOn(stockModel, batch, null));
      expect(Math.abs(out.loss - stock.loss) / stock.loss, `loss ${out.loss} vs ${stock.loss}`).toBeLessThanOrEqual(1e-4);
      for (const [param, g] of Object.entries(stock.grads))
        expect(relDiffStrict(grads[param]!, g), `gradient of ${param}`).toBeLessThanOrEqual(1e-4);
      // The masks matter: without them the stock step's gradients are others.
      const plainModel = buildModel({ ...config, dropout: 0 }, 4);
      const plain = await stockStepOn(plainModel, batch, null);
      plainModel.dispose();
      const apart = Math.max(...Object.entries(stock.grads).map(([param, g]) => relDiffStrict(plain.grads[param]!, g)));
      expect(apart).toBeGreaterThan(0.05);
      runner.dispose();
    } finally {
      nativeModel.dispose();
      stockModel.dispose();
    }
  });

  it.each(DROPOUT_NAMES)(
    '%s: losses and parameters after 6 steps of Adam match the stock step on the same masks within 1e-4',
    async (name) => {
      const config = DROPOUT_VARIANTS[name]!;
      const data = task();
      const stream = data.trainStream(3, 7, 5);
      const batches = Array.from({ length: 6 }, () => stream.next());
      const lr = 0.01;
      const nativeModel = buildModel(config, 4);
      const stockModel = buildModel(config, 4);
      try {
        const runner = createTrainStep({ model: nativeModel, data, optimizer: 'adam', clip: 0.5, rng: new Rng(3) });
        expect(runner.path).toBe('native-wavenet');
        const fast: number[] = [];
        for (const b of batches) fast.push((await runner.run(b, null, lr)).loss);
        runner.dispose();
        const mirror = new Rng(3);
        const stock = await withStockKernels(async () => {
          const ref = createTrainStep({ model: stockModel, data, optimizer: 'adam', clip: 0.5, rng: new Rng(99) });
          expect(ref.path).toBe('tfjs');
          const losses: number[] = [];
          for (const b of batches) losses.push((await replaying(masksFor(config, mirror.seed(), 21), () => ref.run(b, null, lr))).loss);
          ref.dispose();
          return losses;
        });
        fast.forEach((l, i) => expect(Math.abs(l - stock[i]!) / stock[i]!, `step ${i + 1}`).toBeLessThanOrEqual(1e-4));
        const [pa, pb] = [paramsOf(nativeModel), paramsOf(stockModel)];
        for (const [param, p] of Object.entries(pb)) expect(relDiffStrict(pa[param]!, p), param).toBeLessThanOrEqual(1e-4);
      } finally {
        nativeModel.dispose();
        stockModel.dispose();
      }
    },
  );

  it('two runs from the same seed give the same losses and parameters', async () => {
    const config = wavenet({ dropout: 0.3 });
    const a = await trainFor(config, task(), {}, 6);
    const b = await trainFor(config, task(), {}, 6);
    expect(a.path).toBe('native-wavenet');
    expect(b.losses).toEqual(a.losses);
    expect(b.params).toEqual(a.params);
  });

  it('a checkpoint taken after 5 steps resumes bit-for-bit with dropout', async () => {
    await expectResumesBitForBit((seed) => buildModel(wavenet({ dropout: 0.3 }), seed), task(), 'native-wavenet');
  });
});

describe.skipIf(!native)('the native WaveNet step on real text (cpu)', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend('cpu');
  });

  it('30 steps of Adam give the stock step’s curve (every loss within 1e-4 relative)', async () => {
    const { tokens, vocab } = corpusChars();
    const n = tokens.length;
    const cut = Math.floor(n * 0.9);
    const data = createTextTask(
      memoryTokenSource(tokens),
      { train: { start: 0, end: cut }, valid: { start: cut, end: n }, test: { start: n, end: n } },
      vocab,
    );
    const config = wavenet({
      vocabSize: vocab,
      embedSize: 16,
      residualChannels: 16,
      dilationChannels: 16,
      skipChannels: 32,
      kernelSize: 2,
    });
    const over = { batchSize: 8, seqLen: 32, seed: 5, clip: 0.5 };
    const fast = await trainFor(config, data, over, 30);
    const stock = await withStockKernels(() => trainFor(config, data, over, 30));
    expect([fast.path, stock.path]).toEqual(['native-wavenet', 'tfjs']);
    expect(fast.losses.at(-1)!, 'it learns').toBeLessThan(fast.losses[0]! - 0.5);
    fast.losses.forEach((l, i) => expect(Math.abs(l - stock.losses[i]!) / stock.losses[i]!, `step ${i + 1}`).toBeLessThanOrEqual(1e-4));
  });
});
