// Training-throughput benchmark on random tokens, with exactly the model
// shapes of shared/bench/torch_ref.py (one-hot input, 32-wide projection,
// one recurrent layer or a plain stack of causal dilated convolutions, linear
// read-out, Adam 1e-3, no clipping), through the same Trainer as real runs.
// The GCNN has no twin there: it runs with the model's own defaults (blocks of
// 2 weight-normalised GLU convolutions, dilation 1) on the same projection,
// so its figures compare the lab's own steps, not the lab against PyTorch.
// Nor has the WaveNet: the model's own proportions (2 stacks of `levels`
// gated layers, residual and dilation channels = hidden, skip channels =
// 2·hidden, as its defaults 32/32/64), on the same projection.
// Two variations have no twin either: `truncate` trains a recurrent model's
// k-truncated version, and task 'adding' feeds the adding problem (2 features
// in, one regression value scored on the last step) instead of tokens.
import { memoryTokenSource } from './data/memory-source.ts';
import { buildModel } from './models/build-model.ts';
import type { ModelConfig } from './models/model-config.ts';
import { Rng } from './rng.ts';
import { createSyntheticTask } from './tasks/synthetic.ts';
import type { TaskData } from './tasks/task-types.ts';
import { createTextTask } from './tasks/text-task.ts';
import { trainConfigSchema } from './train/train-config.ts';
import { Trainer } from './train/trainer.ts';

export interface BenchOptions {
  model: 'rnn' | 'gru' | 'lstm' | 'tcn' | 'gcnn' | 'wavenet';
  hidden: number;
  batch: number;
  seqLen: number;
  vocab: number;
  levels: number;
  kernel: number;
  /** Timed steps, after 3 warm-up steps. */
  steps: number;
  /** The model's dropout while training (0 when absent, as torch_ref.py). */
  dropout?: number;
  /** A recurrent model's k-truncated version with this k (absent: the model itself). */
  truncate?: number;
  /** Random tokens (default) or the adding problem of length seqLen. */
  task?: 'text' | 'adding';
  /**
   * Running totals of GPU work (e.g. WebGPU dispatches and submits), read
   * before and after the timed steps; given, the result has them per step.
   */
  gpuWork?: () => { dispatches: number; submits: number };
}

export interface BenchResult {
  model: string;
  hidden: number;
  batch: number;
  seqLen: number;
  vocab: number;
  msPerStep: number;
  tokensPerSec: number;
  params: number;
  /** The dropout trained with, when not 0. */
  dropout?: number;
  /** The truncation k, when the model was truncated. */
  truncate?: number;
  /** The task, when not random tokens. */
  task?: 'adding';
  /** Which training step ran: 'tfjs' (autograd over per-op kernels) or a backend's whole step ('native-recurrent'). */
  trainStep: string;
  /** Compute dispatches per timed step (only with gpuWork). */
  dispatchesPerStep?: number;
  /** Queue submits per timed step (only with gpuWork). */
  submitsPerStep?: number;
}

/** The model of `o`, truncated when asked. */
function benchModel(o: BenchOptions): ModelConfig {
  const io = o.task === 'adding' ? { vocabSize: 1, inputFeatures: 2 } : { vocabSize: o.vocab, inputFeatures: 0 };
  const c = { ...benchModelConfig(o), ...io } as ModelConfig;
  if (o.truncate === undefined) return c;
  if (c.kind !== 'rnn' && c.kind !== 'lstm' && c.kind !== 'gru')
    throw new Error(`--truncate: only rnn, lstm and gru have a truncated version (got ${c.kind})`);
  const { kind, hiddenSize, layers } = c;
  return {
    kind: 'truncated',
    vocabSize: c.vocabSize,
    inputFeatures: c.inputFeatures,
    embedSize: c.embedSize,
    dropout: c.dropout,
    k: o.truncate,
    base: { kind, hiddenSize, layers },
  } as ModelConfig;
}

/** Random tokens as a text task, or the adding problem with sequences of seqLen. */
function benchTask(o: BenchOptions): TaskData {
  if (o.task === 'adding')
    return createSyntheticTask({ task: 'adding', length: o.seqLen, trainSize: 4 * o.batch, validSize: 1, testSize: 1, seed: 0 });
  const rng = new Rng(0);
  const tokens = new Int32Array(o.batch * (o.seqLen + 1) * 2 + 1).map(() => rng.int(o.vocab));
  const span = { train: { start: 0, end: tokens.length }, valid: { start: 0, end: 0 }, test: { start: 0, end: 0 } };
  return createTextTask(memoryTokenSource(tokens), span, o.vocab);
}

function benchModelConfig(o: BenchOptions): ModelConfig {
  // One recurrent layer as torch.nn.RNN/GRU/LSTM(32, hidden) in torch_ref.py (torch.nn.RNN has a second
  // bias vector of `hidden` values that ours folds into one; the compute per step is the same).
  if (o.model === 'wavenet')
    return {
      kind: 'wavenet',
      vocabSize: o.vocab,
      inputFeatures: 0,
      embedSize: 32,
      residualChannels: o.hidden,
      dilationChannels: o.hidden,
      skipChannels: 2 * o.hidden,
      stacks: 2,
      layersPerStack: o.levels,
      kernelSize: o.kernel,
      dropout: o.dropout ?? 0,
    };
  if (o.model === 'gcnn')
    return {
      kind: 'gcnn',
      vocabSize: o.vocab,
      inputFeatures: 0,
      embedSize: 32,
      hiddenSize: o.hidden,
      levels: o.levels,
      kernelSize: o.kernel,
      convsPerBlock: 2,
      dilated: false,
      dropout: o.dropout ?? 0,
      weightNorm: true,
    };
  if (o.model !== 'tcn')
    return {
      kind: o.model,
      vocabSize: o.vocab,
      inputFeatures: 0,
      embedSize: 32,
      hiddenSize: o.hidden,
      layers: 1,
      dropout: o.dropout ?? 0,
    };
  return {
    kind: 'tcn',
    vocabSize: o.vocab,
    inputFeatures: 0,
    embedSize: 32,
    hiddenSize: o.hidden,
    levels: o.levels,
    kernelSize: o.kernel,
    dropout: o.dropout ?? 0,
    convsPerBlock: 1,
    weightNorm: false,
    residual: false,
  };
}

export async function runBenchmark(o: BenchOptions): Promise<BenchResult> {
  const model = buildModel(benchModel(o), 0);
  const config = trainConfigSchema.parse({ steps: o.steps + 3, batchSize: o.batch, seqLen: o.seqLen, lr: 1e-3, clip: 0, seed: 0 });
  const trainer = new Trainer(model, config, benchTask(o));
  try {
    for (let i = 0; i < 3; i++) await trainer.trainStep();
    const work0 = o.gpuWork?.();
    const t0 = performance.now();
    for (let i = 0; i < o.steps; i++) {
      if (!(await trainer.trainStep())) throw new Error('benchmark loss became NaN');
    }
    const sec = (performance.now() - t0) / 1000 / o.steps;
    const work1 = o.gpuWork?.();
    const perStep =
      work0 && work1
        ? {
            dispatchesPerStep: +((work1.dispatches - work0.dispatches) / o.steps).toFixed(1),
            submitsPerStep: +((work1.submits - work0.submits) / o.steps).toFixed(1),
          }
        : {};
    return {
      model: o.model,
      hidden: o.hidden,
      batch: o.batch,
      seqLen: o.seqLen,
      vocab: o.vocab,
      msPerStep: +(sec * 1000).toFixed(3),
      tokensPerSec: +((o.batch * o.seqLen) / sec).toFixed(1),
      params: model.parameterCount(),
      ...(o.dropout ? { dropout: o.dropout } : {}),
      ...(o.truncate !== undefined ? { truncate: o.truncate } : {}),
      ...(o.task === 'adding' ? { task: 'adding' as const } : {}),
      trainStep: trainer.stepPath,
      ...perStep,
    };
  } finally {
    trainer.dispose();
    model.dispose();
  }
}
