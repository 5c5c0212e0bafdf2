// Guards the whole native training step of the recurrent language models
// (core/engine/fused/native-recurrent-step.ts, native/src/train-step.cc) against
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
import { NativeRecurrentStep } from '../../core/engine/fused/native-recurrent-step.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { Rng } from '../../core/ml/rng.ts';
import { createTrainStep } from '../../core/ml/train/train-step.ts';
import { relDiffStrict } from '../helpers/optimizer-cases.ts';
import {
  expectAdamMatchesStock,
  expectNoLeakedTensors,
  expectResumesBitForBit,
  expectStepPaths,
  expectTrainingMatchesStock,
  nativeWithStep,
  randomTextTask,
  stockStepOn,
} from '../helpers/train-step-cases.ts';

const native = nativeWithStep('trainStep', 'native train step tests');

const V = 11;
const KINDS = ['lstm', 'gru', 'rnn'] as const;
const config = (kind: (typeof KINDS)[number], extra: Partial<ModelConfig> = {}): ModelConfig =>
  ({ kind, vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0, ...extra }) as ModelConfig;

const task = () => randomTextTask(V);

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
      // Dropout runs natively (native-recurrent-dropout.test.ts); so do constrained models, projected after each
      // native update (native-step-tasks.test.ts).
      [config('lstm', { dropout: 0.1 }), 'native-recurrent'],
      [config('gru', { dropout: 0.1 }), 'native-recurrent'],
      [config('lstm', { dropout: 0.1, stabilize: true } as Partial<ModelConfig>), 'native-recurrent'],
      [config('lstm', { stabilize: true } as Partial<ModelConfig>), 'native-recurrent'],
      [config('rnn', { spectralBound: 0.9 } as Partial<ModelConfig>), 'native-recurrent'],
      // The TCN's own step takes its dropout (native-tcn-step.test.ts).
      [
        { kind: 'tcn', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 5, levels: 2, kernelSize: 2, dropout: 0.1 } as ModelConfig,
        'native-tcn',
      ],
    ];
    expectStepPaths(cases, data);
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
      const stock = await stockStepOn(stockModel, batch, start);
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
      await expectTrainingMatchesStock(config(kind), task, 'native-recurrent');
    },
  );

  it("Adam's moments and parameters inside the step match the stock Adam on the same gradients within 1e-6 relative after 50 steps", async () => {
    const data = task();
    const model = buildModel(config('lstm'), 6);
    const runner = createTrainStep({ model, data, optimizer: 'adam', clip: 0.5, rng: new Rng(1) }) as NativeRecurrentStep;
    try {
      await expectAdamMatchesStock(runner, model, data);
    } finally {
      runner.dispose();
      model.dispose();
    }
  });

  it.each(KINDS)('%s: a checkpoint taken after 5 steps resumes bit-for-bit on the native step', async (kind) => {
    await expectResumesBitForBit((seed) => buildModel(config(kind), seed), task(), 'native-recurrent');
  });

  it('leaves no tensors behind after the first step', async () => {
    await expectNoLeakedTensors(buildModel(config('lstm'), 1), task());
  });
});
