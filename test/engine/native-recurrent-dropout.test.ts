// Guards dropout in the whole native training step of the recurrent language
// models (core/engine/fused/native-recurrent-step.ts, native/src/train-step.cc)
// against the stock TF.js step (every fused kernel unregistered) replaying the
// addon's masks (the model's own seededDropout swapped for tcnDropoutMask's
// multipliers, one per layer output in the forward's order), for rnn, lstm and
// gru with two layers on odd shapes (batch 3, window 7, embedding 4, hidden 5,
// vocabulary 11), on cpu and wasm: the loss, every gradient and the next state
// of a step within 1e-4 (from a non-zero start state), the losses and
// parameters after 6 steps of Adam with clipping within 1e-4, one draw of the
// run's generator per step, repeatable runs and a bit-for-bit resume.
// Skipped where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { NativeRecurrentStep } from '../../core/engine/fused/native-recurrent-step.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import { createTrainStep } from '../../core/ml/train/train-step.ts';
import { replaying } from '../helpers/dropout-replay.ts';
import { relDiffStrict } from '../helpers/optimizer-cases.ts';
import {
  expectResumesBitForBit,
  nativeWithStep,
  paramsOf,
  randomTextTask,
  stockStepOn,
  trainFor,
  withStockKernels,
} from '../helpers/train-step-cases.ts';

/** Masks for the stock step to replay, one per dropout site in the forward's order; null: the model's own dropout. */
const replay = vi.hoisted(() => ({ masks: null as Float32Array[] | null }));
vi.mock('../../core/ml/ops/dropout.ts', async (importOriginal) =>
  (await import('../helpers/dropout-replay.ts')).replayingDropout(await importOriginal(), replay),
);

const native = nativeWithStep('trainStep', 'native recurrent dropout tests');

const V = 11;
const B = 3;
const T = 7;
const KINDS = ['rnn', 'lstm', 'gru'] as const;
type Kind = (typeof KINDS)[number];
const config = (kind: Kind, extra: Partial<ModelConfig> = {}): ModelConfig =>
  ({ kind, vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0.3, ...extra }) as ModelConfig;

const task = () => randomTextTask(V);

/** The masks the native step draws from `seed` for a [B·T, H] step of `c`: one per layer output (unit = layer), in the forward's order. */
const masksFor = (c: ModelConfig, seed: number) => {
  const r = c as Extract<ModelConfig, { kind: Kind }>;
  return Array.from({ length: r.layers }, (_, l) => native!.tcnDropoutMask(seed, l, B * T * r.hiddenSize, r.dropout));
};

/** A non-zero start state for `model` at batch B, so the state's path through the step is checked too. */
const startState = (model: SequenceModel): tf.Tensor2D[] =>
  (model as unknown as { initialState(b: number): tf.Tensor2D[] }).initialState(B).map((z, i) => {
    const s = tf.add(z, tf.fill(z.shape, 0.1 * (i + 1) - 0.15)) as tf.Tensor2D;
    z.dispose();
    return s;
  });

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native recurrent training step with dropout on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it.each(KINDS)('%s: the loss, every gradient and the next state match the stock step on the same masks within 1e-4', async (kind) => {
    const c = config(kind);
    const data = task();
    const batch = data.trainStream(B, T, 9).next();
    const nativeModel = buildModel(c, 4);
    const stockModel = buildModel(c, 4);
    const start = startState(nativeModel);
    try {
      const rng = new Rng(1);
      const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng });
      expect(runner).toBeInstanceOf(NativeRecurrentStep);
      const out = await runner.run(batch, start, 0);
      const grads = (runner as NativeRecurrentStep).gradients();
      const mirror = new Rng(1);
      const masks = masksFor(c, mirror.seed());
      expect(rng.getState(), 'one seed drawn for the step').toEqual(mirror.getState());
      const stock = await replaying(replay, masks, () => stockStepOn(stockModel, batch, start));
      expect(Math.abs(out.loss - stock.loss) / stock.loss, `loss ${out.loss} vs ${stock.loss}`).toBeLessThanOrEqual(1e-4);
      expect(Object.keys(grads)).toEqual(Object.keys(stock.grads));
      for (const [param, g] of Object.entries(stock.grads))
        expect(relDiffStrict(grads[param]!, g), `gradient of ${param}`).toBeLessThanOrEqual(1e-4);
      out.state!.forEach((s, i) =>
        expect(relDiffStrict(s.dataSync() as Float32Array, stock.state[i]!), `state ${i}`).toBeLessThanOrEqual(1e-4),
      );
      // The masks matter: without them the stock step's gradients are others.
      const plainModel = buildModel({ ...c, dropout: 0 } as ModelConfig, 4);
      const plain = await stockStepOn(plainModel, batch, start);
      plainModel.dispose();
      const apart = Math.max(...Object.entries(stock.grads).map(([param, g]) => relDiffStrict(plain.grads[param]!, g)));
      expect(apart).toBeGreaterThan(0.05);
      tf.dispose(out.state!);
      runner.dispose();
    } finally {
      tf.dispose(start);
      nativeModel.dispose();
      stockModel.dispose();
    }
  });

  it.each(KINDS)('%s: losses and parameters after 6 steps of Adam match the stock step on the same masks within 1e-4', async (kind) => {
    const c = config(kind);
    const data = task();
    const stream = data.trainStream(B, T, 5);
    const batches = Array.from({ length: 6 }, () => stream.next());
    const lr = 0.01;
    const nativeModel = buildModel(c, 4);
    const stockModel = buildModel(c, 4);
    try {
      const rng = new Rng(3);
      const runner = createTrainStep({ model: nativeModel, data, optimizer: 'adam', clip: 0.5, rng });
      expect(runner.path).toBe('native-recurrent');
      const fast: number[] = [];
      let state: tf.Tensor[] | null = null;
      for (const b of batches) {
        const out = await runner.run(b, state, lr);
        tf.dispose(state ?? []);
        state = out.state;
        fast.push(out.loss);
      }
      tf.dispose(state ?? []);
      runner.dispose();
      const mirror = new Rng(3);
      const stock = await withStockKernels(async () => {
        const ref = createTrainStep({ model: stockModel, data, optimizer: 'adam', clip: 0.5, rng: new Rng(99) });
        expect(ref.path).toBe('tfjs');
        const losses: number[] = [];
        let s: tf.Tensor[] | null = null;
        for (const b of batches) {
          const out = await replaying(replay, masksFor(c, mirror.seed()), () => ref.run(b, s, lr));
          tf.dispose(s ?? []);
          s = out.state;
          losses.push(out.loss);
        }
        tf.dispose(s ?? []);
        ref.dispose();
        return losses;
      });
      expect(rng.getState(), 'one seed drawn per step').toEqual(mirror.getState());
      fast.forEach((l, i) => expect(Math.abs(l - stock[i]!) / stock[i]!, `step ${i + 1}`).toBeLessThanOrEqual(1e-4));
      const [pa, pb] = [paramsOf(nativeModel), paramsOf(stockModel)];
      for (const [param, p] of Object.entries(pb)) expect(relDiffStrict(pa[param]!, p), param).toBeLessThanOrEqual(1e-4);
    } finally {
      nativeModel.dispose();
      stockModel.dispose();
    }
  });

  it.each(KINDS)('%s: two runs from the same seed give the same losses and parameters', async (kind) => {
    const a = await trainFor(config(kind), task(), {}, 6);
    const b = await trainFor(config(kind), task(), {}, 6);
    expect(a.path).toBe('native-recurrent');
    expect(b.losses).toEqual(a.losses);
    expect(b.params).toEqual(a.params);
  });

  it.each(KINDS)('%s: a checkpoint taken after 5 steps resumes bit-for-bit with dropout', async (kind) => {
    await expectResumesBitForBit((seed) => buildModel(config(kind), seed), task(), 'native-recurrent');
  });
});

describe.skipIf(!native)('the native recurrent step’s dropout arguments', () => {
  it('refuses a rate outside [0, 1) and a seed that is not a whole number below 2^53, naming them', () => {
    const k = native!;
    const [session, P] = k.trainStepSession(1, V, V, 4, 5, 2);
    const ids = new Int32Array(6).fill(1);
    const state = new Float32Array(2 * 2 * 2 * 5);
    const adam = [0, 0.01, 0.9, 0.999, 1e-8, 0.01, 0] as const;
    const arena = new Float32Array(4 * P);
    expect(() => k.trainStep(session, 2, 3, ids, ids, 0, null, state, arena, 1, 0, ...adam)).toThrow(
      'trainStep: dropout must be in [0, 1)',
    );
    expect(() => k.trainStep(session, 2, 3, ids, ids, 0, null, state, arena, 0.1, 0.5, ...adam)).toThrow(
      'trainStep: seed must be a whole number in [0, 2^53)',
    );
    const [loss] = k.trainStep(session, 2, 3, ids, ids, 0, null, state, arena, 0.1, 7, ...adam);
    expect(Number.isFinite(loss)).toBe(true);
  });
});
