// Tiny models of every kind, with token and feature inputs and every output
// kind, shared by the export tests, and the lab's own outputs to compare with.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../../core/ml/engine/tidy.ts';
import type { ExportContext } from '../../core/export/export-context.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import type { OutputKind } from '../../core/ml/tasks/task-types.ts';

export interface ExportCase {
  config: ModelConfig;
  output: OutputKind;
}

const tokens = { vocabSize: 9, inputFeatures: 0, embedSize: 5 } as const;
/** Music: 88-pitch frames in, a sigmoid per pitch out (small widths: 6 pitches). */
const music = { vocabSize: 6, inputFeatures: 6, embedSize: 4 } as const;
/** The adding problem: 2 features in, one regressed value out. */
const adding = { vocabSize: 1, inputFeatures: 2, embedSize: 3 } as const;

export const EXPORT_CASES: Record<string, ExportCase> = {
  'lstm 2 layers, tokens': { config: { kind: 'lstm', ...tokens, hiddenSize: 7, layers: 2, dropout: 0.2 }, output: 'categorical' },
  'lstm, music (bernoulli)': { config: { kind: 'lstm', ...music, hiddenSize: 5, layers: 1, dropout: 0 }, output: 'bernoulli' },
  'rnn 2 layers, adding (regression)': { config: { kind: 'rnn', ...adding, hiddenSize: 4, layers: 2, dropout: 0 }, output: 'regression' },
  'gru 2 layers, tokens': { config: { kind: 'gru', ...tokens, hiddenSize: 6, layers: 2, dropout: 0 }, output: 'categorical' },
  'gru, music (bernoulli)': { config: { kind: 'gru', ...music, hiddenSize: 3, layers: 1, dropout: 0 }, output: 'bernoulli' },
  'tcn residual + weight norm, tokens': {
    config: {
      kind: 'tcn',
      ...tokens,
      hiddenSize: 6,
      levels: 3,
      kernelSize: 3,
      dropout: 0.1,
      convsPerBlock: 2,
      weightNorm: true,
      residual: true,
    },
    output: 'categorical',
  },
  'tcn plain, adding (regression)': {
    config: {
      kind: 'tcn',
      ...adding,
      hiddenSize: 4,
      levels: 2,
      kernelSize: 2,
      dropout: 0,
      convsPerBlock: 1,
      weightNorm: false,
      residual: false,
    },
    output: 'regression',
  },
  'gcnn weight norm + projection, tokens': {
    config: {
      kind: 'gcnn',
      ...tokens,
      hiddenSize: 6,
      levels: 2,
      convsPerBlock: 2,
      kernelSize: 3,
      dilated: true,
      dropout: 0.1,
      weightNorm: true,
    },
    output: 'categorical',
  },
  'gcnn same widths, music (bernoulli)': {
    config: {
      kind: 'gcnn',
      ...music,
      embedSize: 5,
      hiddenSize: 5,
      levels: 2,
      convsPerBlock: 1,
      kernelSize: 2,
      dilated: false,
      dropout: 0,
      weightNorm: false,
    },
    output: 'bernoulli',
  },
  'wavenet, tokens': {
    config: {
      kind: 'wavenet',
      ...tokens,
      residualChannels: 4,
      dilationChannels: 3,
      skipChannels: 5,
      stacks: 2,
      layersPerStack: 2,
      kernelSize: 2,
      dropout: 0,
    },
    output: 'categorical',
  },
  'wavenet kernel 3, adding (regression)': {
    config: {
      kind: 'wavenet',
      ...adding,
      residualChannels: 3,
      dilationChannels: 4,
      skipChannels: 3,
      stacks: 1,
      layersPerStack: 2,
      kernelSize: 3,
      dropout: 0,
    },
    output: 'regression',
  },
  'truncated lstm 2 layers k 4, tokens': {
    config: { kind: 'truncated', ...tokens, dropout: 0, base: { kind: 'lstm', hiddenSize: 5, layers: 2 }, k: 4 },
    output: 'categorical',
  },
  'truncated gru k 3, music (bernoulli)': {
    config: { kind: 'truncated', ...music, dropout: 0, base: { kind: 'gru', hiddenSize: 4, layers: 1 }, k: 3 },
    output: 'bernoulli',
  },
  'truncated rnn k 2, adding (regression)': {
    config: { kind: 'truncated', ...adding, dropout: 0, base: { kind: 'rnn', hiddenSize: 4, layers: 1 }, k: 2 },
    output: 'regression',
  },
};

/** A seeded input: token ids [batch][time], or features [batch][time][width] (0/1 frames for music, floats otherwise). */
export function caseInput(config: ModelConfig, batch: number, time: number, seed: number): number[][] | number[][][] {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  if (config.inputFeatures === 0)
    return Array.from({ length: batch }, () => Array.from({ length: time }, () => Math.floor(next() * config.vocabSize)));
  return Array.from({ length: batch }, () =>
    Array.from({ length: time }, () =>
      Array.from({ length: config.inputFeatures }, () => (config.inputFeatures > 2 ? (next() < 0.3 ? 1 : 0) : next())),
    ),
  );
}

export function inputTensor(config: ModelConfig, input: number[][] | number[][][]): tf.Tensor2D | tf.Tensor3D {
  return config.inputFeatures === 0
    ? tf.tensor2d(input as number[][], undefined, 'int32')
    : tf.tensor3d(input as number[][][], undefined, 'float32');
}

/** What the lab computes from the logits: probabilities (categorical, Bernoulli) or values (regression). */
export function labOutputs(logits: tf.Tensor3D, output: OutputKind): tf.Tensor3D {
  return tidy(() => (output === 'categorical' ? tf.softmax(logits) : output === 'bernoulli' ? tf.sigmoid(logits) : logits.clone()));
}

/** The lab's outputs and logits for `input`, state zero at the start. */
export async function labForward(
  model: SequenceModel,
  input: number[][] | number[][][],
  output: OutputKind,
): Promise<{ outputs: Float32Array; logits: Float32Array }> {
  const x = inputTensor(model.config, input);
  const logits = tidy(() => model.forward(x, model.initialState(x.shape[0]), { training: false }).logits);
  const outputs = labOutputs(logits, output);
  const result = { outputs: (await outputs.data()) as Float32Array, logits: (await logits.data()) as Float32Array };
  tf.dispose([x, logits, outputs]);
  return result;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A minimal export context for tests. */
export function testContext(c: ExportCase, sidecar: Record<string, unknown> = {}): ExportContext {
  return { output: c.output, seqlabVersion: '0.0.0-test', sidecar: { model: c.config, ...sidecar } };
}
