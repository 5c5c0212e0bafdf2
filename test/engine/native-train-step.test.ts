// Guards the whole native training step of the recurrent language models
// (core/engine/fused/native-train-step.ts, native/src/train-step.cc) against
// the stock TF.js step (every fused kernel unregistered) on odd shapes (batch
// 3, window 7, embedding 4, hidden 5, vocabulary 11, two layers), on cpu and
// wasm: which path the trainer gets, the loss and every gradient of one step
// within 1e-4, the losses and parameters after 12 steps of Adam and of SGD
// with clipping within 1e-4, Adam's moments and parameters inside the step
// against the stock Adam fed the same gradients within 1e-6 relative after 50
// steps, a checkpoint resumed bit-for-bit, and no leaked tensors. Skipped,
// with the reason, where the addon is not built.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend } from '../../core/engine/backends.ts';
import { loadNativeKernels } from '../../core/engine/fused/native-binding.ts';
import { NativeRecurrentStep } from '../../core/engine/fused/native-train-step.ts';
import { memoryTokenSource } from '../../core/ml/data/memory-source.ts';
import {
  fusedKernelsFor,
  referenceKernel,
  registerFusedKernel,
  resolveKernel,
  unregisterFusedKernel,
} from '../../core/ml/engine/kernel-registry.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import type { TaskData } from '../../core/ml/tasks/task-types.ts';
import { adamUpdate, type AdamParamUpdate } from '../../core/ml/train/optimizer.ts';
import { trainConfigSchema, type TrainConfig } from '../../core/ml/train/train-config.ts';
import { createTrainStep } from '../../core/ml/train/train-step.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { relDiffStrict } from '../helpers/optimizer-cases.ts';

const load = loadNativeKernels();
const native = load.kernels && typeof load.kernels.trainStep === 'function' ? load.kernels : null;
if (!native)
  console.warn(
    `native train step tests skipped: native kernels unavailable (${'reason' in load ? load.reason : 'built without trainStep'})`,
  );

const V = 11;
const KINDS = ['lstm', 'gru', 'rnn'] as const;
const config = (kind: (typeof KINDS)[number], extra: Partial<ModelConfig> = {}): ModelConfig =>
  ({ kind, vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0, ...extra }) as ModelConfig;

/** A text task over 2,000 seeded random tokens of an 11-symbol alphabet. */
function task(): TaskData {
  const rng = new Rng(17);
  const tokens = Int32Array.from({ length: 2000 }, () => Math.floor(rng.next() * V));
  return createTextTask(
    memoryTokenSource(tokens),
    { train: { start: 0, end: 1800 }, valid: { start: 1800, end: 2000 }, test: { start: 2000, end: 2000 } },
    V,
  );
}

const trainConfig = (over: Record<string, unknown> = {}): TrainConfig =>
  trainConfigSchema.parse({
    steps: 1000,
    batchSize: 3,
    seqLen: 7,
    lr: 0.01,
    validEvery: 1e6,
    checkpointEvery: 1e6,
    seed: 9,
    clip: 0,
    ...over,
  });

/** Runs `fn` with every fused kernel of the active backend unregistered: the stock TF.js reference. */
async function withStockKernels<T>(fn: () => Promise<T>): Promise<T> {
  const backend = tf.getBackend();
  const saved = fusedKernelsFor(backend).map((name) => [name, resolveKernel(name)] as const);
  for (const [name] of saved) unregisterFusedKernel(name, backend);
  try {
    return await fn();
  } finally {
    for (const [name, impl] of saved) registerFusedKernel(name, backend, impl);
  }
}

const params = (m: SequenceModel) => Object.fromEntries(m.variables.map((v) => [v.name, v.variable.dataSync().slice() as Float32Array]));

/** `steps` trainer steps; returns the per-step losses and the final parameters. */
async function train(kind: (typeof KINDS)[number], over: Record<string, unknown>, steps: number) {
  const cfg = trainConfig(over);
  const model = buildModel(config(kind), cfg.seed);
  const trainer = new Trainer(model, cfg, task());
  try {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push((await trainer.trainStep())!.trainLoss);
    return { losses, params: params(model), path: trainer.stepPath };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

describe.skipIf(!native).each(['cpu', 'wasm'])('the whole native training step on %s', (backend) => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await activateBackend(backend as 'cpu' | 'wasm');
    expect(tf.getBackend()).toBe(backend);
  });

  it('runs for rnn, lstm and gru language models and falls back to TF.js where it does not cover', () => {
    const data = task();
    const cases: [ModelConfig, string][] = [
      [config('lstm'), 'native-recurrent'],
      [config('gru'), 'native-recurrent'],
      [config('rnn'), 'native-recurrent'],
      [config('lstm', { dropout: 0.1 }), 'tfjs'],
      [config('lstm', { stabilize: true } as Partial<ModelConfig>), 'tfjs'],
      [config('rnn', { spectralBound: 0.9 } as Partial<ModelConfig>), 'tfjs'],
      [
        { kind: 'tcn', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, levels: 2, kernelSize: 2, dropout: 0 } as ModelConfig,
        'tfjs',
      ],
    ];
    for (const [c, path] of cases) {
      const model = buildModel(c, 3);
      const trainer = new Trainer(model, trainConfig(), data);
      expect(trainer.stepPath, JSON.stringify(c)).toBe(path);
      trainer.dispose();
      model.dispose();
    }
  });

  it.each(KINDS)('%s: the loss, every gradient and the next state of a step match the stock step within 1e-4 relative', async (kind) => {
    const data = task();
    const batch = data.trainStream(3, 7, 9).next();
    const nativeModel = buildModel(config(kind), 4);
    const stockModel = buildModel(config(kind), 4);
    try {
      const runner = createTrainStep({ model: nativeModel, data, optimizer: 'sgd', clip: 0, rng: new Rng(1) });
      expect(runner).toBeInstanceOf(NativeRecurrentStep);
      // A non-zero start state, so the state's path through the step is checked too.
      const start = (nativeModel as unknown as { initialState(b: number): tf.Tensor2D[] }).initialState(3).map((z, i) => {
        const s = tf.add(z, tf.fill(z.shape, 0.1 * (i + 1) - 0.15)) as tf.Tensor2D;
        z.dispose();
        return s;
      });
      const out = await runner.run(batch, start, 0);
      const grads = (runner as NativeRecurrentStep).gradients();
      const stock = await withStockKernels(async () => {
        const t = {
          inputs: tf.tensor2d(batch.inputs as Int32Array, [3, 7], 'int32'),
          targets: tf.tensor2d(batch.targets as Int32Array, [3, 7], 'int32'),
        };
        const vars = stockModel.variables.map((v) => v.variable);
        let next: tf.Tensor[] = [];
        const { value, grads: g } = tf.variableGrads(() => {
          const o = stockModel.forward(t.inputs, start, { training: true, rng: new Rng(1) });
          next = o.state!.map((s) => tf.keep(s));
          return referenceKernel('meanCrossEntropy')(o.logits as never, t.targets as never) as tf.Scalar;
        }, vars);
        const byName = Object.fromEntries(
          stockModel.variables.map((v) => [v.name, g[v.variable.name]!.dataSync().slice() as Float32Array]),
        );
        const result = { loss: value.dataSync()[0]!, grads: byName, state: next.map((s) => s.dataSync().slice() as Float32Array) };
        tf.dispose([value, ...Object.values(g), ...next, t.inputs, t.targets]);
        return result;
      });
      expect(Math.abs(out.loss - stock.loss) / stock.loss, `loss ${out.loss} vs ${stock.loss}`).toBeLessThanOrEqual(1e-4);
      for (const [name, g] of Object.entries(stock.grads))
        expect(relDiffStrict(grads[name]!, g), `gradient of ${name}`).toBeLessThanOrEqual(1e-4);
      out.state!.forEach((s, i) =>
        expect(relDiffStrict(s.dataSync() as Float32Array, stock.state[i]!), `state ${i}`).toBeLessThanOrEqual(1e-4),
      );
      tf.dispose([...start, ...out.state!]);
      runner.dispose();
    } finally {
      nativeModel.dispose();
      stockModel.dispose();
    }
  });

  it.each(KINDS)(
    '%s: losses and parameters after 12 steps (Adam; SGD with clipping) match the stock step within 1e-4 relative',
    async (kind) => {
      for (const over of [{ optimizer: 'adam' }, { optimizer: 'sgd', lr: 0.5, clip: 0.25 }]) {
        const fast = await train(kind, over, 12);
        const stock = await withStockKernels(() => train(kind, over, 12));
        expect(fast.path).toBe('native-recurrent');
        expect(stock.path).toBe('tfjs');
        fast.losses.forEach((l, i) =>
          expect(Math.abs(l - stock.losses[i]!) / stock.losses[i]!, `${over.optimizer} step ${i + 1}`).toBeLessThanOrEqual(1e-4),
        );
        for (const [name, p] of Object.entries(stock.params))
          expect(relDiffStrict(fast.params[name]!, p), `${over.optimizer} ${name}`).toBeLessThanOrEqual(1e-4);
      }
    },
  );

  it("Adam's moments and parameters inside the step match the stock Adam on the same gradients within 1e-6 relative after 50 steps", async () => {
    const data = task();
    const model = buildModel(config('lstm'), 6);
    const runner = createTrainStep({ model, data, optimizer: 'adam', clip: 0.5, rng: new Rng(1) }) as NativeRecurrentStep;
    // The stock Adam's own copy of the parameters and moments, fed the native step's (clipped) gradients.
    const copy = model.variables.map(({ variable }) => ({
      param: tf.variable(variable.clone(), false),
      m: tf.variable(tf.zerosLike(variable), false),
      v: tf.variable(tf.zerosLike(variable), false),
    }));
    const stream = data.trainStream(3, 7, 2);
    let state: tf.Tensor[] | null = null;
    try {
      for (let step = 1; step <= 50; step++) {
        const lr = 0.01 * (1 + (step % 3));
        const out = await runner.run(stream.next(), state, lr);
        expect(out.applied).toBe(true);
        tf.dispose(state ?? []);
        state = out.state;
        const grads = runner.gradients();
        const updates: AdamParamUpdate[] = model.variables.map(({ name, variable }, i) => ({
          ...copy[i]!,
          grad: tf.tensor(grads[name]!, variable.shape),
        }));
        const stepSize = (lr * Math.sqrt(1 - 0.999 ** step)) / (1 - 0.9 ** step);
        (referenceKernel('adamUpdate') as typeof adamUpdate)(updates, { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, stepSize });
        tf.dispose(updates.map((u) => u.grad));
      }
      const snap = await runner.snapshotOptimizer();
      expect(snap.step).toBe(50);
      model.variables.forEach(({ name, variable }, i) => {
        expect(relDiffStrict(variable.dataSync() as Float32Array, copy[i]!.param.dataSync() as Float32Array), name).toBeLessThanOrEqual(
          1e-6,
        );
        expect(relDiffStrict(snap.slots[`m/${name}`]!, copy[i]!.m.dataSync() as Float32Array), `m/${name}`).toBeLessThanOrEqual(1e-6);
        expect(relDiffStrict(snap.slots[`v/${name}`]!, copy[i]!.v.dataSync() as Float32Array), `v/${name}`).toBeLessThanOrEqual(1e-6);
      });
    } finally {
      tf.dispose(state ?? []);
      tf.dispose(copy.flatMap((c) => [c.param, c.m, c.v]));
      runner.dispose();
      model.dispose();
    }
  });

  it.each(KINDS)('%s: a checkpoint taken after 5 steps resumes bit-for-bit on the native step', async (kind) => {
    const cfg = trainConfig({ clip: 0.5 });
    const data = task();
    const whole = buildModel(config(kind), cfg.seed);
    const first = new Trainer(whole, cfg, data);
    const resumedModel = buildModel(config(kind), cfg.seed + 1); // other weights: the checkpoint must set them all
    const resumed = new Trainer(resumedModel, cfg, data);
    try {
      for (let i = 0; i < 5; i++) await first.trainStep();
      const snap = await first.snapshot();
      resumed.restore(snap);
      for (let i = 0; i < 7; i++) {
        const [a, b] = [(await first.trainStep())!, (await resumed.trainStep())!];
        expect(b.trainLoss, `step ${a.step}`).toBe(a.trainLoss);
        expect(b.gradNorm).toBe(a.gradNorm);
      }
      expect(resumed.stepPath).toBe('native-recurrent');
      const [pa, pb] = [params(whole), params(resumedModel)];
      for (const name of Object.keys(pa)) expect(Buffer.from(pb[name]!.buffer).equals(Buffer.from(pa[name]!.buffer)), name).toBe(true);
      const [oa, ob] = [(await first.snapshot()).optimizer, (await resumed.snapshot()).optimizer];
      expect(ob.step).toBe(oa.step);
      for (const [slot, values] of Object.entries(oa.slots))
        expect(Buffer.from(ob.slots[slot]!.buffer).equals(Buffer.from(values.buffer)), slot).toBe(true);
    } finally {
      first.dispose();
      resumed.dispose();
      whole.dispose();
      resumedModel.dispose();
    }
  });

  it('leaves no tensors behind after the first step', async () => {
    const cfg = trainConfig();
    const model = buildModel(config('lstm'), 1);
    const trainer = new Trainer(model, cfg, task());
    try {
      await trainer.trainStep();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await trainer.trainStep();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      trainer.dispose();
      model.dispose();
    }
  });
});
