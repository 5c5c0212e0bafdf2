// Code generation (core/ml/generate): the cached WaveNet generator (queues,
// plain JS) must be the naive one (full forward over the receptive field per
// code) sample for sample under one seed; recurrent stepping must give the
// full forward's logits at every step; the window method likewise for the
// other feed-forward kinds. No tensor may leak.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCodes, type GenerateCodesOptions } from '../../core/ml/generate/generate-codes.ts';
import { buildModel } from '../../core/ml/models/build-model.ts';
import { modelConfigSchema, type ModelConfig, type WavenetConfig } from '../../core/ml/models/model-config.ts';
import type { SequenceModel } from '../../core/ml/models/sequence-model.ts';
import type { WavenetModel } from '../../core/ml/models/wavenet-model.ts';
import { drawCode } from '../../core/ml/generate/pick.ts';
import { WavenetStepper } from '../../core/ml/generate/wavenet-stepper.ts';
import { Rng } from '../../core/ml/rng.ts';
import { leakedTensors, useCpuBackend } from '../helpers/tf-cpu.ts';

beforeAll(useCpuBackend);

const V = 16;
const wavenet = (over: Partial<WavenetConfig> = {}): WavenetConfig => ({
  kind: 'wavenet',
  vocabSize: V,
  inputFeatures: 0,
  embedSize: 5,
  residualChannels: 6,
  dilationChannels: 4,
  skipChannels: 7,
  stacks: 2,
  layersPerStack: 4,
  kernelSize: 2,
  dropout: 0,
  ...over,
});

/** Codes and the logits each one was drawn from. */
async function run(
  model: SequenceModel,
  o: Omit<GenerateCodesOptions, 'onLogits'>,
): Promise<{ codes: Int32Array; logits: Float32Array[] }> {
  const logits: Float32Array[] = [];
  const codes = await generateCodes(model, { ...o, onLogits: (l) => logits.push(Float32Array.from(l)) });
  return { codes, logits };
}

function expectClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < a[i]!.length; j++) worst = Math.max(worst, Math.abs(a[i]![j]! - b[i]![j]!));
  expect(worst).toBeLessThan(tol);
}

describe('WaveNet cached generation equals the naive reference', () => {
  const cases: [string, WavenetConfig, Int32Array | undefined][] = [
    ['2 stacks × 4 layers, k2, no prime', wavenet(), undefined],
    ['2 stacks × 4 layers, k2, primed past the receptive field', wavenet(), Int32Array.from({ length: 40 }, (_, i) => (i * 7 + 3) % V)],
    ['2 stacks × 3 layers, k3, short prime', wavenet({ kernelSize: 3, layersPerStack: 3 }), Int32Array.of(1, 2, 3)],
  ];
  it.each(cases)('%s', async (_name, config, prime) => {
    const model = buildModel(config, 11);
    const length = model.receptiveField() + 20;
    for (const temperature of [1, 0]) {
      const opts = { length, temperature, seed: 5, ...(prime ? { prime } : {}) };
      let cached!: Awaited<ReturnType<typeof run>>;
      let naive!: Awaited<ReturnType<typeof run>>;
      expect(await leakedTensors(async () => (cached = await run(model, { ...opts, method: 'cached' })))).toBe(0);
      expect(await leakedTensors(async () => (naive = await run(model, { ...opts, method: 'naive' })))).toBe(0);
      expect(Array.from(cached.codes)).toEqual(Array.from(naive.codes));
      expectClose(cached.logits, naive.logits, 1e-5);
      // Random weights at temperature 1 should not collapse onto one code (the comparison would then be weak).
      if (temperature === 1) expect(new Set(cached.codes).size).toBeGreaterThan(3);
    }
    model.dispose();
  });

  it('runs its products as WebAssembly SIMD here, equal to the plain-JS fallback', async () => {
    const model = buildModel(wavenet({ residualChannels: 9, dilationChannels: 5 }), 2) as WavenetModel;
    const simd = await WavenetStepper.create(model);
    const js = await WavenetStepper.create(model, { simd: false });
    expect([simd.simd, js.simd]).toEqual([true, false]);
    for (let t = 0; t < 40; t++) {
      const a = Float32Array.from(simd.step((t * 5) % V));
      const b = js.step((t * 5) % V);
      for (let j = 0; j < V; j++) expect(Math.abs(a[j]! - b[j]!)).toBeLessThan(1e-5);
    }
    model.dispose();
  });

  it('reports progress and refuses codes outside the vocabulary', async () => {
    const model = buildModel(wavenet(), 1);
    const seen: number[] = [];
    await generateCodes(model, { length: 25, temperature: 1, seed: 1, progressEvery: 10, onProgress: (done) => seen.push(done) });
    expect(seen).toEqual([10, 20, 25]);
    await expect(generateCodes(model, { length: 2, temperature: 1, seed: 1, prime: Int32Array.of(V) })).rejects.toThrow(/outside/);
    model.dispose();
  });
});

/** Logits of a full forward over `codes`, one Float32Array per position. */
function fullForward(model: SequenceModel, codes: number[]): Float32Array[] {
  const logits = tf.tidy(() => model.forward(tf.tensor2d(codes, [1, codes.length], 'int32'), null, { training: false }).logits);
  const data = logits.dataSync() as Float32Array;
  logits.dispose();
  return codes.map((_, t) => data.slice(t * V, (t + 1) * V));
}

describe('stepping and window generation match the full forward', () => {
  const configs: Record<string, ModelConfig> = {
    lstm: modelConfigSchema.parse({ kind: 'lstm', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 6, layers: 2, dropout: 0 }),
    gru: modelConfigSchema.parse({ kind: 'gru', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 6, layers: 1, dropout: 0 }),
    rnn: modelConfigSchema.parse({ kind: 'rnn', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 6, layers: 1, dropout: 0 }),
    tcn: modelConfigSchema.parse({
      kind: 'tcn',
      vocabSize: V,
      inputFeatures: 0,
      embedSize: 4,
      hiddenSize: 6,
      levels: 2,
      kernelSize: 2,
      dropout: 0,
    }),
    gcnn: modelConfigSchema.parse({
      kind: 'gcnn',
      vocabSize: V,
      inputFeatures: 0,
      embedSize: 4,
      hiddenSize: 5,
      levels: 2,
      kernelSize: 2,
      dropout: 0,
    }),
    truncated: modelConfigSchema.parse({
      kind: 'truncated',
      vocabSize: V,
      inputFeatures: 0,
      embedSize: 4,
      k: 5,
      base: { kind: 'gru', hiddenSize: 6, layers: 1 },
    }),
  };
  it.each(Object.entries(configs))('%s', async (_name, config) => {
    const model = buildModel(config, 3);
    const prime = Int32Array.of(2, 9, 4);
    let got!: Awaited<ReturnType<typeof run>>;
    expect(await leakedTensors(async () => (got = await run(model, { length: 12, temperature: 1, seed: 9, prime })))).toBe(0);
    // Logits for code i follow prime + codes[0..i-1]; a full pass over prime + codes gives them all at once.
    // Truncated and windowed models see only their receptive field, which the full pass respects too.
    const all = fullForward(model, [...prime, ...got.codes]);
    expectClose(got.logits, all.slice(prime.length - 1, prime.length - 1 + 12), 1e-5);
    model.dispose();
  });
});

describe('drawCode: the one categorical draw (temperature, top-k) for text and audio', () => {
  const logits = Float32Array.of(0.5, 2, -1, 1.5, 0, 2);
  it('is argmax at temperature 0 (first on ties) and draws nothing', () => {
    const rng = new Rng(3);
    expect(drawCode(logits, 0, rng, 2)).toBe(1);
    expect(rng.next()).toBe(new Rng(3).next());
  });
  it('with top-k draws only among the k most likely, in proportion to exp(logit / temperature)', () => {
    const rng = new Rng(7);
    const counts = new Map<number, number>();
    for (let i = 0; i < 6000; i++) {
      const c = drawCode(logits, 1, rng, 3);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 3, 5]);
    // p(1) = p(5) = e^2 / (2e^2 + e^1.5) ≈ 0.378, p(3) ≈ 0.245
    expect(counts.get(3)! / 6000).toBeGreaterThan(0.21);
    expect(counts.get(3)! / 6000).toBeLessThan(0.28);
  });
  it('top-k of 0 or of the whole vocabulary is the plain draw, one rng.next() each', () => {
    const [a, b, c] = [new Rng(5), new Rng(5), new Rng(5)];
    for (let i = 0; i < 200; i++) {
      const plain = drawCode(logits, 0.7, a);
      expect([drawCode(logits, 0.7, b, 0), drawCode(logits, 0.7, c, logits.length)]).toEqual([plain, plain]);
    }
  });
});

describe('generateCodes with top-k', () => {
  it('never draws a code outside the k most likely at its step', async () => {
    const model = buildModel(
      modelConfigSchema.parse({ kind: 'gru', vocabSize: V, inputFeatures: 0, embedSize: 4, hiddenSize: 6, layers: 1, dropout: 0 }),
      4,
    );
    const logits: Float32Array[] = [];
    const codes = await generateCodes(model, {
      length: 30,
      temperature: 2,
      topK: 2,
      seed: 1,
      onLogits: (l) => logits.push(Float32Array.from(l)),
    });
    codes.forEach((c, i) => expect(logits[i]!.filter((x) => x > logits[i]![c]!).length).toBeLessThan(2));
    model.dispose();
  });
});
