// Guards the whole native training step of the TCN language model
// (core/engine/fused/native-tcn-step.ts, native/src/tcn-step.cc) against the
// stock TF.js step (every fused kernel unregistered) on odd shapes (batch 3,
// window 7, vocabulary 11, kernel 3, up to 3 levels so dilation 4 puts whole
// taps in the padding), for the TCN's variants: embed ≠ hidden (level 0's
// downsample), embed = hidden (identity skip), one convolution per block with
// and without weight norm and residual. On cpu and wasm: which path the
// trainer gets, the loss and every gradient of one step within 1e-4, the
// losses and parameters after 12 steps of Adam and of SGD with clipping
// within 1e-4, Adam inside the step against the stock Adam within 1e-6 after
// 50 steps, a bit-for-bit resume, no leaked tensors, and 30 steps on real
// text with the same curve as the stock step. Skipped where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { NativeTcnStep, tcnArenaLayout } from '../../core/engine/fused/native-tcn-step.ts';
import { nativeStepRefusal } from '../../core/engine/fused/native-train-step.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig, TcnConfig } from '../../core/ml/models/model-config.ts';
import { Rng } from '../../core/ml/rng.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { createTrainStep } from '../../core/ml/train/train-step.ts';
import { relDiffStrict } from '../helpers/optimizer-cases.ts';
import {
  corpusChars,
  expectAdamMatchesStock,
  expectNoLeakedTensors,
  expectResumesBitForBit,
  expectStepPaths,
  expectTrainingMatchesStock,
  nativeWithStep,
  randomTextTask,
  stockStepOn,
  trainFor,
  withStockKernels,
} from '../helpers/train-step-cases.ts';

const native = nativeWithStep('tcnStep', 'native TCN step tests');

const V = 11;
const tcn = (extra: Partial<TcnConfig> = {}): TcnConfig => ({
  kind: 'tcn',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 4,
  hiddenSize: 5,
  levels: 3,
  kernelSize: 3,
  dropout: 0,
  convsPerBlock: 2,
  weightNorm: true,
  residual: true,
  ...extra,
});
/** The variants the native step covers, each on odd shapes. */
const VARIANTS: Record<string, TcnConfig> = {
  'embed ≠ hidden (downsample), 3 levels': tcn(),
  'embed = hidden (identity skip), 2 levels': tcn({ embedSize: 5, levels: 2 }),
  'one conv per block with downsample': tcn({ convsPerBlock: 1 }),
  'plain stack (no weight norm, no residual)': tcn({ convsPerBlock: 1, weightNorm: false, residual: false }),
};
const NAMES = Object.keys(VARIANTS);

const task = () => randomTextTask(V);

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native TCN training step on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it('runs for the TCN language model and falls back to TF.js where it does not cover', () => {
    const data = task();
    const cases: [ModelConfig, string][] = [
      ...Object.values(VARIANTS).map((c): [ModelConfig, string] => [c, 'native-tcn']),
      [tcn({ dropout: 0.05 }), 'tfjs'],
    ];
    expectStepPaths(cases, data);
    const dropped = buildModel(tcn({ dropout: 0.05 }), 3);
    expect(nativeStepRefusal({ model: dropped, data, optimizer: 'adam', clip: 0, rng: new Rng(1) })).toBe('dropout');
    dropped.dispose();
  });

  it.each(NAMES)('%s: the loss and every gradient of a step match the stock step within 1e-4 relative', async (name) => {
    const data = task();
    const batch = data.trainStream(3, 7, 9).next();
    const nativeModel = buildModel(VARIANTS[name]!, 4);
    const stockModel = buildModel(VARIANTS[name]!, 4);
    try {
      const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng: new Rng(1) });
      expect(runner).toBeInstanceOf(NativeTcnStep);
      const out = await runner.run(batch, null, 0);
      expect(out.state).toBeNull();
      const grads = (runner as NativeTcnStep).gradients();
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
    await expectTrainingMatchesStock(VARIANTS[name]!, task, 'native-tcn');
  });

  it("Adam's moments and parameters inside the step match the stock Adam on the same gradients within 1e-6 relative after 50 steps", async () => {
    const data = task();
    const model = buildModel(tcn(), 6);
    const runner = createTrainStep({ model, data, optimizer: 'adam', clip: 0.5, rng: new Rng(1) }) as NativeTcnStep;
    try {
      await expectAdamMatchesStock(runner, model, data);
    } finally {
      runner.dispose();
      model.dispose();
    }
  });

  it('a checkpoint taken after 5 steps resumes bit-for-bit on the native step', async () => {
    await expectResumesBitForBit((seed) => buildModel(tcn(), seed), task(), 'native-tcn');
  });

  it('leaves no tensors behind after the first step', async () => {
    await expectNoLeakedTensors(buildModel(tcn(), 1), task());
  });
});

describe.skipIf(!native)('the native TCN step’s arguments', () => {
  it('refuses a recurrent session, an arena of the wrong length and a token outside the vocabulary, naming them', () => {
    const k = native!;
    const [session, P] = k.tcnStepSession(V, 4, 5, 2, 3, 2, true, true);
    const [recurrent] = k.trainStepSession(1, V, 4, 5, 1);
    const ids = new Int32Array(6).fill(1);
    const adam = [0, 0.01, 0.9, 0.999, 1e-8, 0.01, 0] as const;
    expect(() => k.tcnStep(recurrent, 2, 3, ids, ids, new Float32Array(4 * P), ...adam)).toThrow(
      'tcnStep: session must come from tcnStepSession',
    );
    expect(() => k.tcnStep(session, 2, 3, ids, ids, new Float32Array(4 * P - 1), ...adam)).toThrow(
      `tcnStep: arena has ${4 * P - 1} elements, expected ${4 * P}`,
    );
    expect(() => k.tcnStep(session, 2, 3, ids, Int32Array.from([0, 1, 2, 3, 4, V]), new Float32Array(4 * P), ...adam)).toThrow(
      `tcnStep: targets[5] = ${V} is outside 0..${V - 1}`,
    );
    expect(P).toBe(tcnArenaLayout(tcn({ levels: 2 })).reduce((n, e) => n + e.size, 0));
  });
});

describe.skipIf(!native)('the native TCN step on real text (cpu)', () => {
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
    const config = tcn({ vocabSize: vocab, embedSize: 16, hiddenSize: 32 });
    const over = { batchSize: 8, seqLen: 32, seed: 5, clip: 0.5 };
    const fast = await trainFor(config, data, over, 30);
    const stock = await withStockKernels(() => trainFor(config, data, over, 30));
    expect([fast.path, stock.path]).toEqual(['native-tcn', 'tfjs']);
    expect(fast.losses.at(-1)!, 'it learns').toBeLessThan(fast.losses[0]! - 0.5);
    fast.losses.forEach((l, i) => expect(Math.abs(l - stock.losses[i]!) / stock.losses[i]!, `step ${i + 1}`).toBeLessThanOrEqual(1e-4));
  });
});
