// The cases every convolutional whole native step (TCN, GCNN, WaveNet) shares:
// without dropout, one step's loss and gradients, 12 steps of Adam and SGD,
// Adam inside the step, resume and leaks (equivalenceCases); with dropout, against the stock TF.js step replaying the addon's masks (the
// test file's vi.mock of seededDropout fills `replay`), one generator draw per
// step, repeatable runs and a bit-for-bit resume; and 30 steps on real text
// with the stock step's curve. One copy, so a fix to the harness reaches all
// three steps. The mock itself stays in each test file: vi.mock is hoisted per
// file.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import type { NativeWholeStep } from '../../core/engine/fused/native-whole-step.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { Rng } from '../../core/ml/rng.ts';
import type { TaskData } from '../../core/ml/tasks/task-types.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { createTrainStep } from '../../core/ml/train/train-step.ts';
import { type DropoutReplay, replaying } from './dropout-replay.ts';
import { relDiffStrict } from './optimizer-cases.ts';
import {
  corpusChars,
  expectAdamMatchesStock,
  expectNoLeakedTensors,
  expectResumesBitForBit,
  expectTrainingMatchesStock,
  paramsOf,
  stockStepOn,
  trainFor,
  withStockKernels,
} from './train-step-cases.ts';

/** What the shared cases need to know of one convolutional native step. */
export interface ConvStepSuite<C extends ModelConfig> {
  /** The model's name in the case titles, e.g. 'TCN'. */
  label: string;
  /** The path its runner reports, e.g. 'native-tcn'. */
  path: string;
  /** Whether the addon with this step is built (the cases are skipped otherwise). */
  built: boolean;
  /** The variants without dropout, by name. */
  plain: Record<string, C>;
  /** The model of the single-config cases (Adam inside the step, resume, leaks). */
  base: C;
  /** The dropout variants (rate > 0), by name; the first also runs the repeatability and resume cases. */
  variants: Record<string, C>;
  /** The masks the native step draws from `seed` for `rows` = B·T rows of `c`, one per dropout site in the forward's order. */
  masksFor(c: C, seed: number, rows: number): Float32Array[];
  /** The small text task of the odd shapes (batch 3, window 7). */
  task(): TaskData;
  /** The holder the test file's mock reads. */
  replay: DropoutReplay;
  /** The model for 30 steps on real text, at the corpus's vocabulary. */
  realText(vocab: number): C;
}

/**
 * Without dropout, inside the caller's describe on one backend: each plain variant's loss and every gradient of a step
 * and 12 steps of Adam and of SGD with clipping against the stock step within 1e-4; Adam's moments against the stock
 * Adam within 1e-6 after 50 steps; a bit-for-bit resume; no leaked tensors.
 */
export function equivalenceCases<C extends ModelConfig>(s: ConvStepSuite<C>): void {
  const names = Object.keys(s.plain);
  it.each(names)('%s: the loss and every gradient of a step match the stock step within 1e-4 relative', async (name) => {
    const data = s.task();
    const batch = data.trainStream(3, 7, 9).next();
    const nativeModel = buildModel(s.plain[name]!, 4);
    const stockModel = buildModel(s.plain[name]!, 4);
    try {
      const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng: new Rng(1) });
      expect(runner.path).toBe(s.path);
      const out = await runner.run(batch, null, 0);
      expect(out.state).toBeNull();
      const grads = (runner as NativeWholeStep).gradients();
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

  it.each(names)('%s: losses and parameters after 12 steps (Adam; SGD with clipping) match the stock step within 1e-4', async (name) => {
    await expectTrainingMatchesStock(s.plain[name]!, s.task, s.path);
  });

  it("Adam's moments and parameters inside the step match the stock Adam on the same gradients within 1e-6 relative after 50 steps", async () => {
    const data = s.task();
    const model = buildModel(s.base, 6);
    const runner = createTrainStep({ model, data, optimizer: 'adam', clip: 0.5, rng: new Rng(1) });
    try {
      expect(runner.path).toBe(s.path);
      await expectAdamMatchesStock(runner as NativeWholeStep, model, data);
    } finally {
      runner.dispose();
      model.dispose();
    }
  });

  it('a checkpoint taken after 5 steps resumes bit-for-bit on the native step', async () => {
    await expectResumesBitForBit((seed) => buildModel(s.base, seed), s.task(), s.path);
  });

  it('leaves no tensors behind after the first step', async () => {
    await expectNoLeakedTensors(buildModel(s.base, 1), s.task());
  });
}

/** The dropout cases on cpu and wasm: one step's loss and gradients, 6 Adam steps, one draw per step, repeatability, resume. */
export function describeDropoutCases<C extends ModelConfig>(s: ConvStepSuite<C>): void {
  const names = Object.keys(s.variants);
  const rows = 3 * 7;
  describe.skipIf(!s.built).each(['cpu', 'wasm'])(`the whole native ${s.label} training step with dropout on %s`, (backend) => {
    beforeAll(async () => {
      tf.env().set('PROD', true);
      await activateBackend(backend as 'cpu' | 'wasm');
      expect(tf.getBackend()).toBe(backend);
    });

    it.each(names)('%s: the loss and every gradient of a step match the stock step on the same masks within 1e-4', async (name) => {
      const config = s.variants[name]!;
      const data = s.task();
      const batch = data.trainStream(3, 7, 9).next();
      const nativeModel = buildModel(config, 4);
      const stockModel = buildModel(config, 4);
      try {
        const rng = new Rng(1);
        const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng });
        expect(runner.path).toBe(s.path);
        const out = await runner.run(batch, null, 0);
        const grads = (runner as NativeWholeStep).gradients();
        const mirror = new Rng(1);
        const masks = s.masksFor(config, mirror.seed(), rows);
        expect(rng.getState(), 'one seed drawn for the step').toEqual(mirror.getState());
        const stock = await replaying(s.replay, masks, () => stockStepOn(stockModel, batch, null));
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

    it.each(names)('%s: losses and parameters after 6 steps of Adam match the stock step on the same masks within 1e-4', async (name) => {
      const config = s.variants[name]!;
      const data = s.task();
      const stream = data.trainStream(3, 7, 5);
      const batches = Array.from({ length: 6 }, () => stream.next());
      const lr = 0.01;
      const nativeModel = buildModel(config, 4);
      const stockModel = buildModel(config, 4);
      try {
        const runner = createTrainStep({ model: nativeModel, data, optimizer: 'adam', clip: 0.5, rng: new Rng(3) });
        expect(runner.path).toBe(s.path);
        const fast: number[] = [];
        for (const b of batches) fast.push((await runner.run(b, null, lr)).loss);
        runner.dispose();
        const mirror = new Rng(3);
        const stock = await withStockKernels(async () => {
          const ref = createTrainStep({ model: stockModel, data, optimizer: 'adam', clip: 0.5, rng: new Rng(99) });
          expect(ref.path).toBe('tfjs');
          const losses: number[] = [];
          for (const b of batches)
            losses.push((await replaying(s.replay, s.masksFor(config, mirror.seed(), rows), () => ref.run(b, null, lr))).loss);
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
    });

    const first = s.variants[names[0]!]!;
    it('two runs from the same seed give the same losses and parameters', async () => {
      const a = await trainFor(first, s.task(), {}, 6);
      const b = await trainFor(first, s.task(), {}, 6);
      expect(a.path).toBe(s.path);
      expect(b.losses).toEqual(a.losses);
      expect(b.params).toEqual(a.params);
    });

    it('a checkpoint taken after 5 steps resumes bit-for-bit with dropout', async () => {
      await expectResumesBitForBit((seed) => buildModel(first, seed), s.task(), s.path);
    });
  });
}

/** 30 steps of Adam on real text (char-level PTB valid) on cpu: the stock step's curve within 1e-4 at every step. */
export function describeRealTextCurve<C extends ModelConfig>(s: ConvStepSuite<C>): void {
  describe.skipIf(!s.built)(`the native ${s.label} step on real text (cpu)`, () => {
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
      const config = s.realText(vocab);
      const over = { batchSize: 8, seqLen: 32, seed: 5, clip: 0.5 };
      const fast = await trainFor(config, data, over, 30);
      const stock = await withStockKernels(() => trainFor(config, data, over, 30));
      expect([fast.path, stock.path]).toEqual([s.path, 'tfjs']);
      expect(fast.losses.at(-1)!, 'it learns').toBeLessThan(fast.losses[0]! - 0.5);
      fast.losses.forEach((l, i) => expect(Math.abs(l - stock.losses[i]!) / stock.losses[i]!, `step ${i + 1}`).toBeLessThanOrEqual(1e-4));
    });
  });
}
