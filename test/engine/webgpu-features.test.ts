// The features around training work on the webgpu backend, on the software
// adapter (SEQLAB_WEBGPU=software): resuming from an encoded checkpoint
// continues exactly as an uninterrupted run; text sampling and WaveNet code
// generation draw what they draw on wasm; the contraction read-out (closed
// form and autodiff) agrees with wasm; and `seqlab train --backend webgpu`
// completes end to end, samples included. A synchronous read anywhere on
// these paths throws on webgpu in Node, so each test also guards that.
// Skipped, with the reason, where the software adapter is unavailable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { generateCodes } from '../../core/ml/generate/generate-codes.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { isRecurrentModel } from '../../core/ml/models/recurrent-model.ts';
import { analyticStateJacobian } from '../../core/ml/stability/cell-jacobian.ts';
import { measureContraction, stateJacobian } from '../../core/ml/stability/contraction.ts';
import { createTextTask } from '../../core/ml/tasks/text-task.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../core/ml/train/checkpoint.ts';
import { trainConfigSchema } from '../../core/ml/train/train-config.ts';
import { Trainer } from '../../core/ml/train/trainer.ts';
import { runConfigSchema } from '../../core/ml/train/run-config.ts';
import { History } from '../../core/storage/history.ts';
import { audioDuringTraining } from '../../core/worker/audio-during-training.ts';
import { audioRun } from '../helpers/audio-run.ts';
import { jsonLines, seqlab, tempHome } from '../helpers/cli.ts';
import { patternCorpus } from '../helpers/memory-source.ts';
import { onBackend, probeSoftwareWebgpu, relativeDifference } from '../helpers/software-webgpu.ts';

const webgpu = await probeSoftwareWebgpu();
if (!webgpu.available) console.warn(`webgpu-features tests skipped: the software WebGPU adapter is unavailable (${webgpu.reason})`);

const V = 8;
const common = { vocabSize: V, inputFeatures: 0, embedSize: 8 } as const;
const recurrent = { ...common, hiddenSize: 8, layers: 1, dropout: 0 } as const;
const lstm: ModelConfig = { kind: 'lstm', ...recurrent };
const gru: ModelConfig = { kind: 'gru', ...recurrent };
const stableRnn: ModelConfig = { kind: 'rnn', ...recurrent, spectralBound: 0.9 };
const tcn: ModelConfig = {
  kind: 'tcn',
  ...common,
  hiddenSize: 8,
  levels: 2,
  kernelSize: 2,
  dropout: 0.1,
  convsPerBlock: 2,
  weightNorm: true,
  residual: true,
};
const wavenet: ModelConfig = {
  kind: 'wavenet',
  ...common,
  residualChannels: 4,
  dilationChannels: 4,
  skipChannels: 8,
  stacks: 1,
  layersPerStack: 3,
  kernelSize: 2,
  dropout: 0,
};

/** Builds the model on the active backend, runs `fn`, disposes the model, and checks `fn` left no tensors behind. */
async function withModel<T>(config: ModelConfig, fn: (model: ReturnType<typeof buildModel>) => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const model = buildModel(config, 7);
  let result: T;
  try {
    result = await fn(model);
  } finally {
    model.dispose();
  }
  expect(tf.memory().numTensors, `${config.kind}: tensors left behind on ${tf.getBackend()}`).toBe(before);
  return result;
}

describe.skipIf(!webgpu.available)('on webgpu (software adapter)', () => {
  const { source, splits } = patternCorpus(4000, V);
  const trainConfig = trainConfigSchema.parse({
    steps: 8,
    batchSize: 2,
    seqLen: 8,
    lr: 0.01,
    validEvery: 1_000_000,
    checkpointEvery: 1_000_000,
    seed: 3,
  });
  const newTrainer = (model: ReturnType<typeof buildModel>) => new Trainer(model, trainConfig, createTextTask(source, splits, V));

  async function losses(trainer: Trainer, steps: number): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < steps; i++) out.push((await trainer.trainStep())!.trainLoss);
    return out;
  }

  it.each([
    ['lstm', lstm],
    ['stable rnn', stableRnn],
    ['tcn', tcn],
  ] as const)('resuming %s from an encoded checkpoint continues as the uninterrupted run', async (_name, config) => {
    await onBackend('webgpu', async () => {
      const straight = await withModel(config, async (m) => {
        const t = newTrainer(m);
        const l = await losses(t, 8);
        t.dispose();
        return l;
      });
      const snapshot = await withModel(config, async (m) => {
        const t = newTrainer(m);
        await losses(t, 4);
        const bytes = encodeCheckpoint(await t.snapshot());
        t.dispose();
        return decodeCheckpoint(bytes);
      });
      const resumed = await withModel(config, async (m) => {
        const t = newTrainer(m);
        t.restore(snapshot);
        expect(t.step).toBe(4);
        const l = await losses(t, 4);
        t.dispose();
        return l;
      });
      resumed.forEach((loss, i) =>
        expect(
          relativeDifference(loss, straight[4 + i]!),
          `step ${5 + i}: resumed ${loss} vs straight ${straight[4 + i]}`,
        ).toBeLessThanOrEqual(1e-5),
      );
    });
  });

  it.each([
    ['lstm', lstm],
    ['tcn', tcn],
  ] as const)('text sampling from %s draws the tokens it draws on wasm', async (_name, config) => {
    const sample = () =>
      withModel(config, async (m) =>
        Array.from(await generateCodes(m, { prime: Int32Array.of(1, 2, 3), length: 12, temperature: 0.7, seed: 11 })),
      );
    const reference = await onBackend('wasm', sample);
    const gpu = await onBackend('webgpu', sample);
    expect(gpu).toEqual(reference);
  });

  it('WaveNet code generation: the cached generator matches the naive one and wasm', async () => {
    const codes = (method: 'cached' | 'naive') =>
      withModel(wavenet, async (m) => {
        const logits: Float32Array[] = [];
        const out = await generateCodes(m, {
          length: 16,
          temperature: 1,
          seed: 5,
          method,
          onLogits: (l) => logits.push(Float32Array.from(l)),
        });
        return { codes: Array.from(out), logits };
      });
    const reference = await onBackend('wasm', () => codes('cached'));
    const [cached, naive] = await onBackend('webgpu', async () => [await codes('cached'), await codes('naive')]);
    expect(cached.codes).toEqual(naive.codes);
    expect(cached.codes).toEqual(reference.codes);
    cached.logits.forEach((l, i) =>
      l.forEach((x, j) => expect(Math.abs(x - naive.logits[i]![j]!), `code ${i}, class ${j}`).toBeLessThan(1e-4)),
    );
    // Random weights at temperature 1 spread over several codes: the comparison is not of a constant.
    expect(new Set(cached.codes).size).toBeGreaterThan(2);
  });

  it.each([
    ['lstm, 2 layers', { ...lstm, layers: 2 }],
    ['gru', gru],
    ['stable rnn', stableRnn],
  ] as const)('the contraction read-out of %s agrees with wasm, closed form and autodiff', async (_name, config) => {
    const contraction = () =>
      withModel(config, async (m) => {
        const input = tf.tensor2d([1, 4, 2, 7, 0, 3, 5, 6, 2, 2, 1, 0], [2, 6], 'int32');
        try {
          return await measureContraction(m, input);
        } finally {
          input.dispose();
        }
      });
    const reference = await onBackend('wasm', contraction);
    const gpu = await onBackend('webgpu', contraction);
    expect(reference).not.toBeNull();
    expect(relativeDifference(gpu!, reference!), `webgpu ${gpu} vs wasm ${reference}`).toBeLessThanOrEqual(1e-3);

    // The autodiff Jacobian (the fallback for other cells) equals the closed form on webgpu.
    await onBackend('webgpu', () =>
      withModel(config, async (m) => {
        if (!isRecurrentModel(m)) throw new Error('expected a recurrent model');
        const zeros = m.initialState(2);
        const state = zeros.map((s) => tf.add(s, 0.3) as tf.Tensor2D);
        tf.dispose(zeros);
        const xt = tf.tidy(() => m.embed(tf.tensor2d([3, 5], [2, 1], 'int32')));
        const closed = analyticStateJacobian(m, xt, state)!;
        const auto = stateJacobian(m, xt, state);
        const [a, b] = [await closed.data(), await auto.data()];
        tf.dispose([closed, auto, xt, ...state]);
        expect(a.length).toBe(b.length);
        a.forEach((x, i) => expect(Math.abs(x - b[i]!), `entry ${i}`).toBeLessThan(1e-4));
      }),
    );
  });

  it('audio during training: a WaveNet trained and checkpointed on an audio dataset on webgpu generates a stored WAV', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-webgpu-audio-'));
    const history = History.open(dir);
    try {
      await onBackend('webgpu', async () => {
        const { dataset, run } = await audioRun(history, dir); // one training step and a checkpoint, here on webgpu
        const { model: config, train } = runConfigSchema.parse(run.config);
        const sample = await withModel(config, (m) =>
          audioDuringTraining(history, run.id, dataset, m, {
            step: 1,
            seconds: 0.02,
            temperature: 1,
            seed: train.seed,
            shouldStop: () => false,
          }),
        );
        expect(sample).toMatchObject({ step: 1, method: 'cached' });
        expect(sample!.seconds).toBeGreaterThan(0);
      });
    } finally {
      history.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('seqlab train --backend webgpu --model tcn completes, with validation, samples and checkpoints', () => {
    const home = tempHome();
    const args = [
      '--json',
      'train',
      '--model',
      'tcn',
      '--backend',
      'webgpu',
      '--steps',
      '6',
      '--hidden',
      '8',
      '--embed',
      '8',
      '--levels',
      '2',
      '--kernel',
      '2',
      '--batch',
      '2',
      '--seq-len',
      '16',
    ];
    const r = seqlab(home, [
      ...args,
      '--valid-every',
      '3',
      '--valid-tokens',
      '64',
      '--checkpoint-every',
      '3',
      '--set',
      'sampleEvery=3',
      '--set',
      'sampleLength=12',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => l['type'] === 'started')).toMatchObject({ backend: 'webgpu' });
    expect(lines.filter((l) => l['type'] === 'progress')).toHaveLength(6);
    expect(lines.at(-1)).toMatchObject({ status: 'completed', step: 6 });
    expect(typeof lines.at(-1)!['validLoss']).toBe('number');
    const history = History.open(home);
    try {
      const [run] = history.listRuns();
      expect(run).toMatchObject({ status: 'completed', backend: 'webgpu', step: 6 });
      expect(history.listSamples(run!.id).map((s) => s.step)).toEqual([3, 6]);
      expect(
        history
          .listCheckpoints(run!.id)
          .map((c) => c.step)
          .sort((a, b) => a - b),
      ).toEqual([3, 6]);
    } finally {
      history.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
