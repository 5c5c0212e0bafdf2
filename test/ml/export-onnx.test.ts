// ONNX export: files written by exportOnnx load in onnxruntime-web (wasm, in
// Node) and give the in-app logits (max abs difference <= 1e-4), for every
// model kind and for odd sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../core/export/onnx-export.ts';
import { tidy } from '../../core/ml/engine/tidy.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { ModelConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(async () => {
  await useCpuBackend();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

const cases: Record<string, ModelConfig> = {
  'lstm 2 layers': { kind: 'lstm', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0.2 },
  'lstm hidden 7, one layer': { kind: 'lstm', vocabSize: 11, inputFeatures: 0, embedSize: 3, hiddenSize: 7, layers: 1, dropout: 0 },
  'tcn residual + weight norm': { kind: 'tcn', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 6, levels: 3, kernelSize: 3, dropout: 0.1, convsPerBlock: 2, weightNorm: true, residual: true },
  'tcn residual, same widths, no weight norm': { kind: 'tcn', vocabSize: 9, inputFeatures: 0, embedSize: 7, hiddenSize: 7, levels: 2, kernelSize: 2, dropout: 0, convsPerBlock: 2, weightNorm: false, residual: true },
  'tcn plain, hidden 7, kernel 2, one level': { kind: 'tcn', vocabSize: 9, inputFeatures: 0, embedSize: 4, hiddenSize: 7, levels: 1, kernelSize: 2, dropout: 0, convsPerBlock: 1, weightNorm: false, residual: false },
  'rnn 2 layers': { kind: 'rnn', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0.2 },
  'gru 2 layers (linear_before_reset)': { kind: 'gru', vocabSize: 9, inputFeatures: 0, embedSize: 5, hiddenSize: 7, layers: 2, dropout: 0.2 },
  'gru hidden 3, one layer': { kind: 'gru', vocabSize: 11, inputFeatures: 0, embedSize: 4, hiddenSize: 3, layers: 1, dropout: 0 },
};

/** Random token ids, seeded. */
function randomTokens(batch: number, time: number, vocab: number, seed: number): number[][] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: batch }, () => Array.from({ length: time }, () => Math.floor(next() * vocab)));
}

function tmpOut(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-onnx-')), 'out');
}

describe.each(Object.entries(cases))('onnx export: %s', (_name, config) => {
  it('runs in onnxruntime-web and matches the in-app logits', async () => {
    const model = buildModel(config, 7);
    const dir = tmpOut();
    const result = await exportOnnx(model, dir, { config });
    expect(result.files.sort()).toEqual(['model.onnx', 'seqlab.json']);
    expect(fs.readdirSync(path.dirname(dir))).toEqual(['out']);
    const session = await ort.InferenceSession.create(new Uint8Array(fs.readFileSync(path.join(dir, 'model.onnx'))), { executionProviders: ['wasm'] });
    expect(session.inputNames).toEqual(['tokens']);
    expect(session.outputNames).toEqual(['logits']);
    // Two shapes through the same session: batch and time are dynamic.
    for (const [batch, time, seed] of [[3, 17, 1], [1, 5, 2]] as const) {
      const ids = randomTokens(batch, time, config.vocabSize, seed);
      const feed = new ort.Tensor('int64', BigInt64Array.from(ids.flat().map(BigInt)), [batch, time]);
      const out = (await session.run({ tokens: feed }))['logits']!;
      expect(out.dims).toEqual([batch, time, config.vocabSize]);
      const tokens = tf.tensor2d(ids, [batch, time], 'int32');
      const expected = tidy(() => model.forward(tokens, model.initialState(batch), { training: false }).logits);
      const want = expected.dataSync();
      const got = out.data as Float32Array;
      let maxDiff = 0;
      for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - want[i]!));
      expect(maxDiff).toBeLessThanOrEqual(1e-4);
      tf.dispose([tokens, expected]);
    }
    await session.release();
    model.dispose();
  });
});

it('refuses a model kind it cannot express, naming it, and writes nothing', async () => {
  const real = buildModel(cases['lstm 2 layers']!, 1);
  const fake = { ...real, variables: real.variables, config: { ...real.config, kind: 'gru' } } as unknown as SequenceModel;
  const dir = tmpOut();
  await expect(exportOnnx(fake, dir, {})).rejects.toThrow(/model kind "gru"/);
  expect(fs.readdirSync(path.dirname(dir))).toEqual([]);
  real.dispose();
});
