// Shared set-up of the whole-step equivalence tests (native recurrent, TCN, GCNN and WaveNet
// steps against the stock TF.js step): a seeded random text task, a small
// training config, the stock path (every fused kernel of the backend
// unregistered for the duration of a call), the model's parameters read out,
// character-level real text (PTB from ../shared/data, else the built-in
// agreement corpus) for the curve checks, and the checks every whole step
// passes: one step against the stock one, Adam inside the step against the
// stock Adam over 50 steps, a bit-for-bit resume, no leaked tensors.
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { loadNativeKernels, type NativeKernels } from '../../core/engine/fused/native-binding.ts';
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
import type { ModelState, SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import type { Batch, OutputKind, TaskData } from '../../core/ml/tasks/task-types.ts';
import { BUILTIN_CORPORA } from '../../core/ml/text/builtin-corpora.ts';
import { adamUpdate, type AdamParamUpdate } from '../../core/ml/train/optimizer.ts';
import { taskLoss } from '../../core/ml/train/task-loss.ts';
import { trainConfigSchema, type TrainConfig } from '../../core/ml/train/train-config.ts';
import type { TrainStepRunner } from '../../core/ml/train/train-step.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { relDiffStrict } from './optimizer-cases.ts';

/** A text task over `length` seeded random tokens of a V-symbol alphabet (the last tenth is the valid split). */
export function randomTextTask(V: number, length = 2000): TaskData {
  const rng = new Rng(17);
  const tokens = Int32Array.from({ length }, () => Math.floor(rng.next() * V));
  const cut = Math.floor(length * 0.9);
  return createTextTask(
    memoryTokenSource(tokens),
    { train: { start: 0, end: cut }, valid: { start: cut, end: length }, test: { start: length, end: length } },
    V,
  );
}

/** Batch 3, window 7 (odd shapes), no clipping, no validation or checkpoints; `over` wins. */
export const smallTrainConfig = (over: Record<string, unknown> = {}): TrainConfig =>
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
export async function withStockKernels<T>(fn: () => Promise<T>): Promise<T> {
  const backend = tf.getBackend();
  const saved = fusedKernelsFor(backend).map((name) => [name, resolveKernel(name)] as const);
  for (const [name] of saved) unregisterFusedKernel(name, backend);
  try {
    return await fn();
  } finally {
    for (const [name, impl] of saved) registerFusedKernel(name, backend, impl);
  }
}

/** Copies of the model's parameters, by name. */
export const paramsOf = (m: SequenceModel): Record<string, Float32Array> =>
  Object.fromEntries(m.variables.map((v) => [v.name, v.variable.dataSync().slice() as Float32Array]));

const PTB = path.resolve(import.meta.dirname, '../../../shared/data/ptb.valid.txt');
/** True when the PTB file is there (it is not in CI's clone). */
export const hasPtb = fs.existsSync(PTB);

/** Character-level tokens of the first 40k characters of PTB (or of the built-in agreement corpus). */
export function corpusChars(): { tokens: Int32Array; vocab: number } {
  const source = hasPtb ? fs.readFileSync(PTB, 'utf8') : BUILTIN_CORPORA.find((c) => c.name === 'agreement')!.generate();
  const text = source.slice(0, 40_000);
  const chars = [...new Set(text)].sort();
  const index = new Map(chars.map((c, i) => [c, i]));
  return { tokens: Int32Array.from(text, (c) => index.get(c)!), vocab: chars.length };
}

/**
 * The stock step's loss, gradients by parameter name and next state on one batch, from `start` (not disposed):
 * token ids or features in, the task's loss of `output` (task-loss.ts, with the batch's mask) out.
 */
export async function stockStepOn(
  model: SequenceModel,
  batch: Batch,
  start: tf.Tensor[] | null,
  output: OutputKind = 'categorical',
): Promise<{ loss: number; grads: Record<string, Float32Array>; state: Float32Array[] }> {
  return withStockKernels(async () => {
    const asTensor = (values: Int32Array | Float32Array, shape: number[]) =>
      tf.tensor(values, shape, values instanceof Int32Array ? 'int32' : 'float32');
    const mask = batch.mask ? tf.tensor2d(batch.mask, batch.inputShape.slice(0, 2) as [number, number]) : null;
    const t = { inputs: asTensor(batch.inputs, batch.inputShape), targets: asTensor(batch.targets, batch.targetShape) };
    const vars = model.variables.map((v) => v.variable);
    let next: tf.Tensor[] = [];
    const { value, grads: g } = tf.variableGrads(() => {
      const o = model.forward(t.inputs as tf.Tensor2D | tf.Tensor3D, start as ModelState, { training: true, rng: new Rng(1) });
      next = (o.state ?? []).map((s) => tf.keep(s));
      // Token language models keep the reference kernel's cross-entropy; every other task the task's loss.
      if (output === 'categorical' && !mask) return referenceKernel('meanCrossEntropy')(o.logits as never, t.targets as never) as tf.Scalar;
      return taskLoss(output, o.logits, t.targets, mask);
    }, vars);
    const grads = Object.fromEntries(model.variables.map((v) => [v.name, g[v.variable.name]!.dataSync().slice() as Float32Array]));
    const result = { loss: value.dataSync()[0]!, grads, state: next.map((s) => s.dataSync().slice() as Float32Array) };
    tf.dispose([value, ...Object.values(g), ...next, t.inputs, t.targets, ...(mask ? [mask] : [])]);
    return result;
  });
}

/** A whole native step's runner as the tests read it: its gradients after a step. */
interface GradientReader extends TrainStepRunner {
  gradients(): Record<string, Float32Array>;
}

/**
 * 50 steps of `runner` (Adam, clipping 0.5, a learning rate that changes every
 * step) beside the stock Adam fed the runner's own clipped gradients: the
 * parameters and both moments agree within 1e-6 relative at the end.
 */
export async function expectAdamMatchesStock(runner: GradientReader, model: SequenceModel, data: TaskData): Promise<void> {
  // The stock Adam's own copy of the parameters and moments.
  const copy = model.variables.map(({ variable }) => ({
    param: tf.variable(variable.clone(), false),
    m: tf.variable(tf.zerosLike(variable), false),
    v: tf.variable(tf.zerosLike(variable), false),
  }));
  const stream = data.trainStream(3, 7, 2);
  let state: ModelState = null;
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
      expect(relDiffStrict(variable.dataSync() as Float32Array, copy[i]!.param.dataSync() as Float32Array), name).toBeLessThanOrEqual(1e-6);
      expect(relDiffStrict(snap.slots[`m/${name}`]!, copy[i]!.m.dataSync() as Float32Array), `m/${name}`).toBeLessThanOrEqual(1e-6);
      expect(relDiffStrict(snap.slots[`v/${name}`]!, copy[i]!.v.dataSync() as Float32Array), `v/${name}`).toBeLessThanOrEqual(1e-6);
    });
  } finally {
    tf.dispose(state ?? []);
    tf.dispose(copy.flatMap((c) => [c.param, c.m, c.v]));
  }
}

const bytesEqual = (a: Float32Array, b: Float32Array) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/**
 * A checkpoint taken after 5 steps, restored into a model built with other
 * weights, continues bit-for-bit for 7 steps: losses, norms, parameters and
 * optimiser slots; the resumed trainer runs on `path`.
 */
export async function expectResumesBitForBit(build: (seed: number) => SequenceModel, data: TaskData, path: string): Promise<void> {
  const cfg = smallTrainConfig({ clip: 0.5 });
  const whole = build(cfg.seed);
  const first = new Trainer(whole, cfg, data);
  const resumedModel = build(cfg.seed + 1); // other weights: the checkpoint must set them all
  const resumed = new Trainer(resumedModel, cfg, data);
  try {
    for (let i = 0; i < 5; i++) await first.trainStep();
    resumed.restore(await first.snapshot());
    for (let i = 0; i < 7; i++) {
      const [a, b] = [(await first.trainStep())!, (await resumed.trainStep())!];
      expect(b.trainLoss, `step ${a.step}`).toBe(a.trainLoss);
      expect(b.gradNorm).toBe(a.gradNorm);
    }
    expect(resumed.stepPath).toBe(path);
    const [pa, pb] = [paramsOf(whole), paramsOf(resumedModel)];
    for (const name of Object.keys(pa)) expect(bytesEqual(pb[name]!, pa[name]!), name).toBe(true);
    const [oa, ob] = [(await first.snapshot()).optimizer, (await resumed.snapshot()).optimizer];
    expect(ob.step).toBe(oa.step);
    for (const [slot, values] of Object.entries(oa.slots)) expect(bytesEqual(ob.slots[slot]!, values), slot).toBe(true);
  } finally {
    first.dispose();
    resumed.dispose();
    whole.dispose();
    resumedModel.dispose();
  }
}

/** No tensor is left behind by trainer steps after the first. */
export async function expectNoLeakedTensors(model: SequenceModel, data: TaskData): Promise<void> {
  const trainer = new Trainer(model, smallTrainConfig(), data);
  try {
    await trainer.trainStep();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await trainer.trainStep();
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** `steps` trainer steps of a model built from `config` on `data`: the per-step losses, the final parameters and the step's path. */
export async function trainFor(config: ModelConfig, data: TaskData, over: Record<string, unknown>, steps: number) {
  const cfg = smallTrainConfig(over);
  const model = buildModel(config, cfg.seed);
  const trainer = new Trainer(model, cfg, data);
  try {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push((await trainer.trainStep())!.trainLoss);
    return { losses, params: paramsOf(model), path: trainer.stepPath };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}

/** The step path a trainer gets for each config. */
export function expectStepPaths(cases: [ModelConfig, string][], data: TaskData): void {
  for (const [c, path] of cases) {
    const model = buildModel(c, 3);
    const trainer = new Trainer(model, smallTrainConfig(), data);
    expect(trainer.stepPath, JSON.stringify(c)).toBe(path);
    trainer.dispose();
    model.dispose();
  }
}

/**
 * 12 steps of Adam, and of SGD with clipping: every loss within 1e-4 relative of the stock step's, and the final
 * parameters within `paramTolerance` (1e-4 unless a case says why it needs more).
 */
export async function expectTrainingMatchesStock(
  config: ModelConfig,
  data: () => TaskData,
  path: string,
  paramTolerance = 1e-4,
): Promise<void> {
  for (const over of [{ optimizer: 'adam' }, { optimizer: 'sgd', lr: 0.5, clip: 0.25 }]) {
    const fast = await trainFor(config, data(), over, 12);
    const stock = await withStockKernels(() => trainFor(config, data(), over, 12));
    expect([fast.path, stock.path]).toEqual([path, 'tfjs']);
    fast.losses.forEach((l, i) =>
      expect(Math.abs(l - stock.losses[i]!) / stock.losses[i]!, `${over.optimizer} step ${i + 1}`).toBeLessThanOrEqual(1e-4),
    );
    for (const [name, p] of Object.entries(stock.params))
      expect(relDiffStrict(fast.params[name]!, p), `${over.optimizer} ${name}`).toBeLessThanOrEqual(paramTolerance);
  }
}

/** The addon when it is built with the whole step `fn`, else null, with a warning that says why `what` is skipped. */
export function nativeWithStep(fn: 'trainStep' | 'tcnStep' | 'gcnnStep' | 'wavenetStep', what: string): NativeKernels | null {
  const load = loadNativeKernels();
  if (load.kernels && typeof load.kernels[fn] === 'function') return load.kernels;
  console.warn(`${what} skipped: native kernels unavailable (${'reason' in load ? load.reason : `built without ${fn}`})`);
  return null;
}
