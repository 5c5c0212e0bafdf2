// Streaming state in recurrent ONNX exports: a client runs the prime through
// the default graph (model.onnx, no state feeds), then generates one token at
// a time in onnxruntime-web through model-streaming.onnx, feeding hT/cT back
// as h0/c0, and at every step gets the lab's sampling distribution; drawing
// from it with the lab's sampler and seed gives the lab's own generated
// tokens. Step by step from zeros, the streaming graph gives the default
// graph's distributions over the whole sequence.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportOnnx } from '../../core/export/onnx-export.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import type { RecurrentConfig } from '../../core/ml/models/model-config.ts';
import { Rng } from '../../core/ml/rng.ts';
import { generateCodes } from '../../core/ml/generate/generate-codes.ts';
import { drawCode } from '../../core/ml/generate/pick.ts';
import { labForward, maxAbsDiff } from '../helpers/export-cases.ts';
import { useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(async () => {
  await useCpuBackend();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

const cases: Record<string, RecurrentConfig> = {
  'lstm 2 layers (h and c)': { kind: 'lstm', vocabSize: 7, inputFeatures: 0, embedSize: 4, hiddenSize: 5, layers: 2, dropout: 0 },
  'gru (h only)': { kind: 'gru', vocabSize: 7, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 1, dropout: 0 },
  'rnn 2 layers (h only)': { kind: 'rnn', vocabSize: 7, inputFeatures: 0, embedSize: 3, hiddenSize: 4, layers: 2, dropout: 0 },
};

const softmax = (logits: Float32Array, temperature: number) => {
  const max = Math.max(...logits);
  const e = Array.from(logits, (l) => Math.exp((l - max) / temperature));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
};

describe.each(Object.entries(cases))('onnx streaming: %s', (_name, config) => {
  it('generates token by token with constant work per token and matches the lab step by step', async () => {
    const model = buildModel(config, 3);
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seqlab-onnx-stream-')), 'out');
    await exportOnnx(model, dir, { output: 'categorical', seqlabVersion: '0.0.0-test', sidecar: {} });
    const open = (file: string) =>
      ort.InferenceSession.create(new Uint8Array(fs.readFileSync(path.join(dir, file))), {
        executionProviders: ['wasm'],
        logSeverityLevel: 3,
      });
    const whole = await open('model.onnx');
    const session = await open('model-streaming.onnx');
    const lstm = config.kind === 'lstm';
    expect(whole.inputNames).toEqual(['tokens']);
    expect(session.inputNames).toEqual(lstm ? ['tokens', 'h0', 'c0'] : ['tokens', 'h0']);
    const zeros = (): Record<string, ort.Tensor> => {
      const z = () => new ort.Tensor('float32', new Float32Array(config.layers * config.hiddenSize), [config.layers, 1, config.hiddenSize]);
      return lstm ? { h0: z(), c0: z() } : { h0: z() };
    };

    const prime = [1, 4, 2];
    const length = 12;
    const temperature = 0.8;
    const labTokens = Array.from(await generateCodes(model, { prime: Int32Array.from(prime), length, temperature, seed: 99 }));

    // The client: the prime in one call through the default graph (no state to feed), then one token per call through the streaming graph.
    const rng = new Rng(99);
    const drawn: number[] = [];
    let feeds: Record<string, ort.Tensor> = { tokens: new ort.Tensor('int64', BigInt64Array.from(prime.map(BigInt)), [1, prime.length]) };
    for (let i = 0; i < length; i++) {
      const out = await (i === 0 ? whole : session).run(feeds);
      const t = out['logits']!.dims[1]!;
      const logits = (out['logits']!.data as Float32Array).slice((t - 1) * config.vocabSize, t * config.vocabSize);
      const probabilities = (out['probabilities']!.data as Float32Array).slice((t - 1) * config.vocabSize, t * config.vocabSize);
      expect(maxAbsDiff(probabilities, softmax(logits, 1))).toBeLessThan(1e-6);
      const id = drawCode(logits, temperature, rng);
      drawn.push(id);
      feeds = { tokens: new ort.Tensor('int64', BigInt64Array.of(BigInt(id)), [1, 1]), h0: out['hT']! };
      if (lstm) feeds['c0'] = out['cT']!;
      expect(out['hT']!.dims).toEqual([config.layers, 1, config.hiddenSize]);
    }
    expect(drawn).toEqual(labTokens);

    // The distributions themselves, step by step through the streaming graph from zeros, against the default graph over the whole sequence, and that against the lab.
    const history = [...prime, ...labTokens];
    const all = await whole.run({ tokens: new ort.Tensor('int64', BigInt64Array.from(history.map(BigInt)), [1, history.length]) });
    expect(
      maxAbsDiff(all['probabilities']!.data as Float32Array, (await labForward(model, [history], 'categorical')).outputs),
    ).toBeLessThan(1e-5);
    let state = zeros();
    for (let t = 0; t < history.length; t++) {
      const step = await session.run({ tokens: new ort.Tensor('int64', BigInt64Array.of(BigInt(history[t]!)), [1, 1]), ...state });
      const want = (all['probabilities']!.data as Float32Array).slice(t * config.vocabSize, (t + 1) * config.vocabSize);
      expect(maxAbsDiff(step['probabilities']!.data as Float32Array, want)).toBeLessThan(1e-5);
      state = lstm ? { h0: step['hT']!, c0: step['cT']! } : { h0: step['hT']! };
    }
    // The state after the whole sequence is the same from either graph.
    expect(maxAbsDiff(state['h0']!.data as Float32Array, all['hT']!.data as Float32Array)).toBeLessThan(1e-5);
    if (lstm) expect(maxAbsDiff(state['c0']!.data as Float32Array, all['cT']!.data as Float32Array)).toBeLessThan(1e-5);
    await whole.release();
    await session.release();
    model.dispose();
  });
});
