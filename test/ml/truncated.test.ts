// Miller & Hardt's k-truncated model: the batched truncatedForward is exact
// (k ≥ T gives the recurrent model; small k gives, at every t, a fresh run
// over the last k inputs), and the `truncated` kind is a proper feed-forward
// model with receptive field k that trains and evaluates through the Trainer.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig, RecurrentConfig } from '../../core/ml/models/model-config.ts';
import { isRecurrentModel, type RecurrentSequenceModel } from '../../core/ml/models/recurrent-model.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { truncatedForward } from '../../core/ml/models/truncated.ts';
import { TruncatedModel } from '../../core/ml/models/truncated-model.ts';
import type { SequenceInput } from '../../core/ml/ops/project-input.ts';
import { Rng } from '../../core/ml/rng.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { patternCorpus } from '../helpers/memory-source.ts';
import { leakedTensors, useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const V = 6;
const bases: Record<string, RecurrentConfig> = {
  'rnn 1 layer': { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 1, dropout: 0 },
  'rnn 2 layers': { kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0 },
  'lstm 2 layers': { kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0 },
  'gru 2 layers': { kind: 'gru', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0 },
  'gru on features': { kind: 'gru', vocabSize: 2, inputFeatures: 3, embedSize: 4, hiddenSize: 5, layers: 1, dropout: 0 },
};

function randomInput(config: RecurrentConfig, batch: number, time: number, seed: number): SequenceInput {
  const rng = new Rng(seed);
  if (config.inputFeatures > 0)
    return tf.tensor3d(
      Float32Array.from({ length: batch * time * config.inputFeatures }, () => rng.normal()),
      [batch, time, config.inputFeatures],
    );
  return tf.tensor2d(
    Int32Array.from({ length: batch * time }, () => rng.int(config.vocabSize)),
    [batch, time],
    'int32',
  );
}

function recurrentModel(config: RecurrentConfig, seed: number): RecurrentSequenceModel {
  const m = buildModel(config, seed);
  if (!isRecurrentModel(m)) throw new Error('expected a recurrent model');
  return m;
}

/** Input positions from..to−1 of every row. */
function window(input: SequenceInput, from: number, to: number): SequenceInput {
  return input.rank === 2
    ? tf.slice(input as tf.Tensor2D, [0, from], [-1, to - from])
    : tf.slice(input as tf.Tensor3D, [0, from, 0], [-1, to - from, -1]);
}

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe.each(Object.entries(bases))('truncatedForward, %s', (_name, config) => {
  const T = 9;
  const B = 3;

  it('with k ≥ T equals the recurrent model (max abs diff ≤ 1e-5)', () => {
    const model = recurrentModel(config, 1);
    const input = randomInput(config, B, T, 2);
    const full = model.forward(input, null, { training: false });
    for (const k of [T, T + 4]) {
      const truncated = truncatedForward(model, input, k);
      expect(truncated.shape).toEqual([B, T, config.vocabSize]);
      expect(maxDiff(truncated, full.logits)).toBeLessThanOrEqual(1e-5);
      truncated.dispose();
    }
    tf.dispose([input, full.logits, ...full.state!]);
    model.dispose();
  });

  it('with small k, output t equals a fresh run from zero over inputs t−k+1 … t', () => {
    const model = recurrentModel(config, 3);
    const input = randomInput(config, B, T, 4);
    for (const k of [1, 2, 3, 5]) {
      const truncated = truncatedForward(model, input, k);
      for (let t = 0; t < T; t++) {
        const fresh = tf.tidy(() => {
          const logits = model.forward(window(input, Math.max(0, t - k + 1), t + 1), null, { training: false }).logits;
          return tf.slice(logits, [0, logits.shape[1] - 1, 0], [-1, 1, -1]);
        });
        const at = tf.slice(truncated, [0, t, 0], [-1, 1, -1]);
        expect(maxDiff(at, fresh), `k ${k}, t ${t}`).toBeLessThanOrEqual(1e-5);
        tf.dispose([fresh, at]);
      }
      truncated.dispose();
    }
    input.dispose();
    model.dispose();
  });
});

describe('truncated model kind', () => {
  const config: ModelConfig = {
    kind: 'truncated',
    vocabSize: V,
    inputFeatures: 0,
    embedSize: 4,
    dropout: 0,
    base: { kind: 'lstm', hiddenSize: 5, layers: 2 },
    k: 4,
  };

  it('is feed-forward with receptive field k, exactly the dependency span', async () => {
    const model = buildModel(config, 5);
    expect(model.recurrent).toBe(false);
    expect(model.initialState(2)).toBeNull();
    expect(model.receptiveField()).toBe(4);
    const T = 10;
    const base = Array.from({ length: T }, (_, i) => (i * 5 + 1) % V);
    const last = async (tokens: number[]) => {
      const out = model.forward(tf.tensor2d(tokens, [1, T], 'int32'), null, { training: false });
      const values = Array.from((await out.logits.data()).subarray((T - 1) * V));
      out.logits.dispose();
      return values;
    };
    const reference = await last(base);
    const edit = async (pos: number) => last(base.map((v, i) => (i === pos ? (v + 2) % V : v)));
    expect(await edit(T - 4)).not.toEqual(reference);
    expect(await edit(T - 5)).toEqual(reference);
    model.dispose();
  });

  it('holds its base model’s parameters: same names, same draws, and the same k-truncated outputs', () => {
    const truncated = buildModel(config, 6) as TruncatedModel;
    const recurrent = buildModel({ kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0 }, 6);
    expect(truncated.variables.map((v) => v.name)).toEqual(recurrent.variables.map((v) => v.name));
    truncated.variables.forEach((v, i) => expect(maxDiff(v.variable, recurrent.variables[i]!.variable)).toBe(0));
    expect(truncated.parameterCount()).toBe(recurrent.parameterCount());
    const input = randomInput(bases['lstm 2 layers']!, 2, 7, 7);
    const a = truncated.forward(input, null, { training: false }).logits;
    const b = truncatedForward(recurrent as RecurrentSequenceModel, input, 4);
    expect(maxDiff(a, b)).toBe(0);
    tf.dispose([input, a, b]);
    truncated.dispose();
    recurrent.dispose();
  });

  it('scores a window the same with k−1 steps of left context as inside the whole sequence (the evaluator’s contract)', () => {
    const model = buildModel(config, 8);
    const T = 16;
    const input = randomInput(bases['lstm 2 layers']!, 2, T, 9);
    const whole = model.forward(input, null, { training: false }).logits;
    const from = 9; // score positions 9..15 from a window starting k−1 = 3 earlier
    const part = model.forward(window(input, from - 3, T), null, { training: false }).logits;
    const scored = tf.slice(part, [0, 3, 0], [-1, -1, -1]);
    const expected = tf.slice(whole, [0, from, 0], [-1, -1, -1]);
    expect(maxDiff(scored, expected)).toBeLessThanOrEqual(1e-6);
    tf.dispose([input, whole, part, scored, expected]);
    model.dispose();
  });

  it('trains through the Trainer and evaluates with its left context', async () => {
    const corpus = patternCorpus(3000, V);
    const train = trainConfigSchema.parse({
      steps: 4,
      batchSize: 4,
      seqLen: 12,
      lr: 0.01,
      validEvery: 2,
      validTokens: 128,
      checkpointEvery: 10,
      seed: 3,
    });
    const model = buildModel({ ...config, base: { kind: 'rnn', hiddenSize: 8, layers: 1, spectralBound: 0.9 } }, 3);
    const trainer = new Trainer(model, train, createTextTask(corpus.source, corpus.splits, V));
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) losses.push((await trainer.trainStep())!.trainLoss);
    expect(losses.every(Number.isFinite)).toBe(true);
    const valid = await trainer.evaluate();
    expect(Number.isFinite(valid.loss)).toBe(true);
    expect(await (model as SequenceModel).stabilityBound!()).toBeLessThanOrEqual(0.9 + 1e-4); // the base's constraint runs after every step
    trainer.dispose();
    model.dispose();
  });

  it('refuses a bad k and a non-recurrent base, naming the field', () => {
    expect(() => buildModel({ ...config, k: 0 }, 1)).toThrow(/k: must be a whole number from 1 to 4096/);
    expect(() => buildModel({ ...config, base: { kind: 'tcn' } } as unknown as ModelConfig, 1)).toThrow(/base/);
  });
});

describe('tensor leaks', () => {
  it('truncatedForward and the truncated model leave no tensors behind', async () => {
    const model = recurrentModel(bases['gru 2 layers']!, 1);
    const truncated = buildModel(
      {
        kind: 'truncated',
        vocabSize: V,
        inputFeatures: 0,
        embedSize: 4,
        dropout: 0.2,
        base: { kind: 'rnn', hiddenSize: 5, layers: 2 },
        k: 3,
      },
      1,
    );
    const input = randomInput(bases['gru 2 layers']!, 2, 8, 1);
    expect(await leakedTensors(() => truncatedForward(model, input, 3).dispose())).toBe(0);
    expect(await leakedTensors(() => truncatedForward(model, input, 20).dispose())).toBe(0);
    expect(await leakedTensors(() => truncated.forward(input, null, { training: true, rng: new Rng(1) }).logits.dispose())).toBe(0);
    input.dispose();
    model.dispose();
    truncated.dispose();
  });
});
