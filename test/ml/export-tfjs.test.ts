// tfjs export: files written by exportTfjs load with stock
// tf.loadLayersModel and compute the lab's outputs (probabilities or values)
// within 1e-4, for every kind tf.layers can express, with token and feature
// inputs and every output kind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTfjs } from '../../core/export/tfjs-export.ts';
import { exportGap } from '../../core/ml/export/export-support.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { caseInput, EXPORT_CASES, inputTensor, labForward, maxAbsDiff, testContext } from '../helpers/export-cases.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

/** A stock IOHandler over the files on disk (tfjs has no file:// loader without tfjs-node). */
function fileLoader(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      const bin = fs.readFileSync(path.join(dir, json.weightsManifest[0].paths[0]));
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      };
    },
  };
}

const expressible = Object.entries(EXPORT_CASES).filter(([, c]) => exportGap('tfjs', c.config, c.output) === null);

it('covers every kind but gru and truncated', () => {
  expect(new Set(expressible.map(([, c]) => c.config.kind))).toEqual(new Set(['lstm', 'rnn', 'tcn', 'gcnn', 'wavenet']));
});

describe.each(expressible)('tfjs export: %s', (_name, c) => {
  it('loads with tf.loadLayersModel and matches the lab', async () => {
    const { config, output } = c;
    const model = buildModel(config, 11);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-export-')), 'out');
    const result = await exportTfjs(model, dir, testContext(c));
    expect(result.files.sort()).toEqual(['SHA256SUMS', 'model.json', 'seqlab.json', 'weights.bin']);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['out']); // no partial folder left behind
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'seqlab.json'), 'utf8')).output.kind).toBe(output);

    const loaded = await tf.loadLayersModel(fileLoader(dir));
    for (const [batch, time, seed] of [
      [2, 11, 3],
      [1, 4, 4],
    ] as const) {
      const input = caseInput(config, batch, time, seed);
      const x = inputTensor(config, input);
      const got = loaded.predict(x) as tf.Tensor;
      expect(got.shape).toEqual([batch, time, config.vocabSize]);
      const want = await labForward(model, input, output);
      expect(maxAbsDiff((await got.data()) as Float32Array, want.outputs)).toBeLessThan(1e-4);
      tf.dispose([x, got]);
    }
    loaded.dispose();
    model.dispose();
  });
});

it('refuses to overwrite a non-empty folder', async () => {
  const c = EXPORT_CASES['lstm 2 layers, tokens']!;
  const model = buildModel(c.config, 1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-export-'));
  fs.writeFileSync(path.join(dir, 'keep.txt'), 'x');
  await expect(exportTfjs(model, dir, testContext(c))).rejects.toThrow(/already exists and is not an empty folder/);
  expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
  model.dispose();
});
