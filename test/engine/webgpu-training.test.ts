// Every model kind trains on the webgpu backend as it does on wasm: on the
// software adapter (SEQLAB_WEBGPU=software), 20 steps from the same seed on
// each backend through the real Trainer — validation with its stability
// read-outs and the contraction probe, the constraint after every update, a
// checkpoint snapshot at the end — give the same losses and read-outs within
// 1e-3 relative, and the tensor count stays flat across steps on webgpu.
// Nothing on this path may read synchronously: in Node a synchronous read on
// webgpu throws (`OffscreenCanvas is not defined`), so a sync read anywhere
// fails the run here. Skipped, with the reason, where the software adapter is
// unavailable (CI installs it).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { measureBatchContraction } from '../../core/ml/stability/batch-contraction.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer, type StepMetrics } from '../../core/ml/train/trainer.ts';
import { patternCorpus } from '../helpers/memory-source.ts';
import { onBackend, probeSoftwareWebgpu, relativeDifference } from '../helpers/software-webgpu.ts';

const webgpu = await probeSoftwareWebgpu();
if (!webgpu.available) console.warn(`webgpu-training tests skipped: the software WebGPU adapter is unavailable (${webgpu.reason})`);

const V = 8;
const STEPS = 20;
const VALID_EVERY = 10;
const TOLERANCE = 1e-3;

/** Tiny shapes: the software adapter runs every kernel on llvmpipe. */
const common = { vocabSize: V, inputFeatures: 0, embedSize: 8 } as const;
const recurrent = { ...common, hiddenSize: 8, layers: 1, dropout: 0 } as const;
const MODELS: Record<string, ModelConfig> = {
  rnn: { kind: 'rnn', ...recurrent },
  gru: { kind: 'gru', ...recurrent },
  lstm: { kind: 'lstm', ...recurrent, layers: 2 },
  tcn: {
    kind: 'tcn',
    ...common,
    hiddenSize: 8,
    levels: 2,
    kernelSize: 2,
    dropout: 0.1,
    convsPerBlock: 2,
    weightNorm: true,
    residual: true,
  },
  gcnn: { kind: 'gcnn', ...common, hiddenSize: 8, levels: 2, convsPerBlock: 1, kernelSize: 2, dilated: true, dropout: 0, weightNorm: true },
  wavenet: {
    kind: 'wavenet',
    ...common,
    residualChannels: 4,
    dilationChannels: 4,
    skipChannels: 8,
    stacks: 1,
    layersPerStack: 3,
    kernelSize: 2,
    dropout: 0,
  },
  truncated: { kind: 'truncated', ...common, dropout: 0, base: { kind: 'gru', hiddenSize: 8, layers: 1 }, k: 4 },
  'stable rnn (spectralBound 0.9)': { kind: 'rnn', ...recurrent, spectralBound: 0.9 },
  'stable lstm (stabilize)': { kind: 'lstm', ...recurrent, stabilize: true },
};

interface Curve {
  rows: StepMetrics[];
  /** tf.memory().numTensors after each step's metrics (and validation) were out. */
  tensors: number[];
}

/** Trains `model` for STEPS steps on the active backend (variables are created there) and disposes everything it made. */
async function trainCurve(model: ModelConfig): Promise<Curve> {
  const { source, splits } = patternCorpus(4000, V);
  const config = trainConfigSchema.parse({
    steps: STEPS,
    batchSize: 2,
    seqLen: 8,
    lr: 0.01,
    validEvery: VALID_EVERY,
    validTokens: 32,
    checkpointEvery: 1_000_000,
    seed: 3,
  });
  const m = buildModel(model, config.seed);
  const trainer = new Trainer(m, config, createTextTask(source, splits, V), { contraction: measureBatchContraction });
  const curve: Curve = { rows: [], tensors: [] };
  try {
    const outcome = await trainer.run({
      onMetrics: (row) => {
        curve.rows.push(row);
        curve.tensors.push(tf.memory().numTensors);
      },
      onCheckpoint: () => {},
      shouldStop: () => false,
    });
    expect(outcome).toEqual({ status: 'completed' });
    return curve;
  } finally {
    trainer.dispose();
    m.dispose();
  }
}

/** Runs `fn` with the native whole training step off (SEQLAB_NATIVE_STEP=0) when `off`, restoring the setting after. */
async function withoutNativeStep<T>(off: boolean, fn: () => Promise<T>): Promise<T> {
  if (!off) return fn();
  const before = process.env['SEQLAB_NATIVE_STEP'];
  process.env['SEQLAB_NATIVE_STEP'] = '0';
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env['SEQLAB_NATIVE_STEP'];
    else process.env['SEQLAB_NATIVE_STEP'] = before;
  }
}

function expectClose(label: string, a: number | null, b: number | null): void {
  if (b === null) return expect(a, `${label}: null on wasm`).toBeNull();
  expect(a, `${label}: missing on webgpu`).not.toBeNull();
  expect(relativeDifference(a!, b), `${label}: webgpu ${a} vs wasm ${b}`).toBeLessThanOrEqual(TOLERANCE);
}

describe.skipIf(!webgpu.available)('every model kind trains on webgpu (software adapter) as on wasm', () => {
  it.each(Object.entries(MODELS))('%s', async (name, model) => {
    // With dropout the wasm reference is the TF.js step: the native whole steps draw their own masks
    // (same distribution, other draws), while webgpu runs the TF.js step's seeded masks.
    const reference = await onBackend('wasm', () => withoutNativeStep(model.dropout > 0, () => trainCurve(model)));
    const gpu = await onBackend('webgpu', () => trainCurve(model));
    expect(gpu.rows).toHaveLength(STEPS);
    for (let i = 0; i < STEPS; i++) {
      const [a, b] = [gpu.rows[i]!, reference.rows[i]!];
      expectClose(`${name}, step ${i + 1}, train loss`, a.trainLoss, b.trainLoss);
      expectClose(`${name}, step ${i + 1}, gradient norm`, a.gradNorm, b.gradNorm);
      expectClose(`${name}, step ${i + 1}, valid loss`, a.validLoss, b.validLoss);
      expectClose(`${name}, step ${i + 1}, stability bound`, a.stabilityBound, b.stabilityBound);
      expectClose(`${name}, step ${i + 1}, contraction`, a.contraction, b.contraction);
    }
    // Validation ran, with the read-outs each kind has.
    const validated = gpu.rows.filter((r) => r.validLoss !== null);
    expect(validated.map((r) => r.step)).toEqual([VALID_EVERY, STEPS]);
    const isRecurrent = ['rnn', 'gru', 'lstm'].includes(model.kind);
    for (const r of validated) expect(r.contraction !== null, `${name}: contraction read-out`).toBe(isRecurrent);
    // The constraint held after every update: ‖U‖₂ ≤ λ for the stable RNN.
    if (model.kind === 'rnn' && model.spectralBound != null)
      for (const r of validated) expect(r.stabilityBound!).toBeLessThanOrEqual(model.spectralBound + 1e-4);
    // Flat: every step leaves as many tensors as the first (Adam's slots exist from step 1 on).
    expect(gpu.tensors, `${name}: tensors after each step on webgpu`).toEqual(gpu.tensors.map(() => gpu.tensors[0]));
  });
});
