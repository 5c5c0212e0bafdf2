// Guards the k-truncated model's batch rewritten as one batch of its base
// (core/engine/fused/truncated-windows.ts): the base model run from a zero
// state over the rewritten rows, scored by their mask, gives the truncated
// model's loss (core/ml/models/truncated.ts, the TF.js reference) on token and
// feature inputs, with and without the batch's own mask, for k = 1, a middle
// k, k = T − 1 and k ≥ T; and every position is scored exactly once.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { truncatedWindows } from '../../core/engine/fused/truncated-windows.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import type { TruncatedModel } from '../../core/ml/models/truncated-model.ts';
import { Rng } from '../../core/ml/rng.ts';
import { batchTensors } from '../../core/ml/tasks/batch-arrays.ts';
import type { Batch, OutputKind } from '../../core/ml/tasks/task-types.ts';
import { taskLoss } from '../../core/ml/train/task-loss.ts';

const B = 2;
const T = 7;

function tokenBatch(V: number, masked: boolean): Batch {
  const rng = new Rng(4);
  const ids = () => Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
  const mask = masked ? Float32Array.from({ length: B * T }, (_, i) => (i % 3 === 1 ? 0 : 0.5 + (i % 2))) : null;
  return { inputs: ids(), inputShape: [B, T], targets: ids(), targetShape: [B, T], mask, reset: true };
}

function featureBatch(F: number, V: number): Batch {
  const rng = new Rng(5);
  const floats = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  const mask = Float32Array.from({ length: B * T }, (_, i) => (i % T === T - 1 ? 1 : 0)); // the adding problem's
  return { inputs: floats(B * T * F), inputShape: [B, T, F], targets: floats(B * T * V), targetShape: [B, T, V], mask, reset: true };
}

/** The truncated model's loss on `batch` (reference), and its base's loss on the rewritten batch from a zero state. */
function bothLosses(model: TruncatedModel, batch: Batch, output: OutputKind, k: number): [number, number] {
  return tf.tidy(() => {
    const t = batchTensors(batch);
    const reference = taskLoss(output, model.forward(t.inputs, null, { training: false }).logits, t.targets, t.mask);
    const rows = truncatedWindows(batch, k);
    const w = batchTensors(rows);
    const start = model.base.initialState(rows.inputShape[0]!);
    const rewritten = taskLoss(output, model.base.forward(w.inputs, start, { training: false }).logits, w.targets, w.mask);
    return [reference.dataSync()[0]!, rewritten.dataSync()[0]!];
  });
}

const truncated = (k: number, base: string, inputFeatures = 0, vocabSize = 5): ModelConfig =>
  ({
    kind: 'truncated',
    vocabSize,
    inputFeatures,
    embedSize: 3,
    dropout: 0,
    k,
    base: { kind: base, hiddenSize: 4, layers: 2 },
  }) as ModelConfig;

describe('the truncated model as one batch of its base', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([1, 3, T - 1, T, T + 4])('k = %i: token inputs, with and without a mask, give the reference loss', (k) => {
    for (const base of ['lstm', 'gru', 'rnn'])
      for (const masked of [false, true]) {
        const model = buildModel(truncated(k, base), 2) as TruncatedModel;
        const [reference, rewritten] = bothLosses(model, tokenBatch(5, masked), 'categorical', k);
        expect(Math.abs(rewritten - reference), `${base} masked=${masked}`).toBeLessThanOrEqual(1e-6 * Math.abs(reference));
        model.dispose();
      }
  });

  it.each([1, 4])('k = %i: feature inputs with a regression target on the last step give the reference loss', (k) => {
    const model = buildModel(truncated(k, 'gru', 2, 1), 2) as TruncatedModel;
    const [reference, rewritten] = bothLosses(model, featureBatch(2, 1), 'regression', k);
    expect(Math.abs(rewritten - reference)).toBeLessThanOrEqual(1e-6 * Math.abs(reference));
    model.dispose();
  });

  it('scores every position once: rows of k steps, B heads, B·(T − k + 1) windows', () => {
    const k = 3;
    const rows = truncatedWindows(tokenBatch(5, false), k);
    expect(rows.inputShape).toEqual([B + B * (T - k + 1), k]);
    expect(rows.mask!.reduce((s, m) => s + m, 0)).toBe(B * T);
    // Window of position t = 4 of sequence 1 is its inputs 2, 3, 4, scored at its last step.
    const batch = tokenBatch(5, false);
    const r = B + 1 * (T - k + 1) + (4 - (k - 1));
    expect(Array.from(rows.inputs.subarray(r * k, r * k + k))).toEqual(Array.from(batch.inputs.subarray(T + 2, T + 5)));
    expect(Array.from(rows.mask!.subarray(r * k, r * k + k))).toEqual([0, 0, 1]);
    expect(() => truncatedWindows(batch, 0)).toThrow('k must be a whole number ≥ 1');
  });
});
