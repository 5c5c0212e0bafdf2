// Export round trip: files written by exportTfjs load with stock
// tf.loadLayersModel and predict what the in-app model predicts (1e-4).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTfjs } from '../../core/export/tfjs-export.ts';
import { tidy } from '../../core/ml/engine/tidy.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

/** A stock IOHandler over the files on disk (tfjs has no file:// loader without tfjs-node). */
function fileLoader(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
      return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) };
    },
  };
}

const cases: Record<string, ModelConfig> = {
  'lstm 2 layers': { kind: 'lstm', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0.2 },
  'tcn residual + weight norm': { kind: 'tcn', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 6, levels: 3, kernelSize: 3, dropout: 0.1, convsPerBlock: 2, weightNorm: true, residual: true },
  'tcn plain, kernel 2, one level': { kind: 'tcn', vocabSize: 9, inputFeatures: 0, embedSize: 4, hiddenSize: 7, levels: 1, kernelSize: 2, dropout: 0, convsPerBlock: 1, weightNorm: false, residual: false },
  'rnn 2 layers (simpleRNN)': { kind: 'rnn', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0.2 },
};

describe.each(Object.entries(cases))('tfjs export: %s', (_name, config) => {
  it('loads with tf.loadLayersModel and matches the in-app predictions', async () => {
    const model = buildModel(config, 11);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-export-')), 'out');
    const result = await exportTfjs(model, dir, { config });
    expect(result.files.sort()).toEqual(['model.json', 'seqlab.json', 'weights.bin']);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['out']); // no partial folder left behind

    const loaded = await tf.loadLayersModel(fileLoader(dir));
    const T = 23;
    const tokens = tf.tensor2d([Array.from({ length: T }, (_, i) => (i * 5 + 2) % 9), Array.from({ length: T }, (_, i) => (i * i) % 9)], [2, T], 'int32');
    const expected = tidy(() => tf.softmax(model.forward(tokens, null, { training: false }).logits));
    const got = loaded.predict(tokens) as tf.Tensor;
    expect(got.shape).toEqual([2, T, 9]);
    const diff = tf.max(tf.abs(tf.sub(got, expected)));
    expect((await diff.data())[0]).toBeLessThan(1e-4);
    tf.dispose([tokens, expected, got, diff]);
    loaded.dispose();
    model.dispose();
  });
});

it('refuses to overwrite a non-empty folder', async () => {
  const model = buildModel(cases['lstm 2 layers']!, 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-export-'));
  fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
  await expect(exportTfjs(model, dir, {})).rejects.toThrow(/already exists and is not an empty folder/);
  expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  model.dispose();
});
