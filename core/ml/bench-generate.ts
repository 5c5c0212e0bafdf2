// Generation-speed benchmark (`seqlab bench --generate`): a WaveNet of the
// audio shape (2 stacks × 10 layers, dilations 1…512, 32 residual channels,
// 256 mu-law classes) on random weights, generating codes with the cached
// method (per-layer queues) and the naive one (a forward over the whole
// receptive field per code). Real-time factor = samples/s ÷ sample rate.
// The cached path is plain JS + WebAssembly SIMD whatever the TF.js backend;
// the backend shows in the naive figure only.
import { generateCodes, type GenerationMethod } from './generate/generate-codes.ts';
import { WavenetStepper } from './generate/wavenet-stepper.ts';
import { buildModel } from './models/build-model.ts';
import { wavenetConfigSchema } from './models/model-config.ts';
import type { WavenetModel } from './models/wavenet-model.ts';

export interface GenerateBenchOptions {
  /** Codes timed with the cached method (after a warm-up of 1,000). */
  cachedSamples: number;
  /** Codes timed with the naive method (after a warm-up of 2). */
  naiveSamples: number;
  sampleRate: number;
}

export interface GenerateBenchMethod {
  method: GenerationMethod;
  samples: number;
  seconds: number;
  samplesPerSec: number;
  /** samplesPerSec / sampleRate: ≥ 1 is faster than real time. */
  realTimeFactor: number;
}

export interface GenerateBenchResult {
  model: string;
  receptiveField: number;
  params: number;
  sampleRate: number;
  cached: GenerateBenchMethod;
  naive: GenerateBenchMethod;
  /** cached samples/s ÷ naive samples/s. */
  speedup: number;
  /** Whether the cached path's products ran as WebAssembly SIMD (else plain JS). */
  simd: boolean;
}

export const BENCH_WAVENET = wavenetConfigSchema.parse({
  kind: 'wavenet',
  vocabSize: 256,
  inputFeatures: 0,
  embedSize: 32,
  residualChannels: 32,
  dilationChannels: 32,
  skipChannels: 64,
  stacks: 2,
  layersPerStack: 10,
  kernelSize: 2,
  dropout: 0,
});

export async function runGenerateBenchmark(o: GenerateBenchOptions): Promise<GenerateBenchResult> {
  const model = buildModel(BENCH_WAVENET, 0);
  try {
    const time = async (method: GenerationMethod, warm: number, samples: number): Promise<GenerateBenchMethod> => {
      await generateCodes(model, { length: warm, temperature: 1, seed: 1, method });
      const t0 = performance.now();
      await generateCodes(model, { length: samples, temperature: 1, seed: 2, method });
      const seconds = (performance.now() - t0) / 1000;
      const samplesPerSec = samples / seconds;
      return {
        method,
        samples,
        seconds: +seconds.toFixed(3),
        samplesPerSec: +samplesPerSec.toFixed(1),
        realTimeFactor: +(samplesPerSec / o.sampleRate).toFixed(4),
      };
    };
    const cached = await time('cached', 1000, o.cachedSamples);
    const naive = await time('naive', 2, o.naiveSamples);
    const c = BENCH_WAVENET;
    return {
      model: `wavenet ${c.stacks}×${c.layersPerStack}, R=${c.residualChannels}, D=${c.dilationChannels}, S=${c.skipChannels}, ${c.vocabSize} classes`,
      receptiveField: model.receptiveField(),
      params: model.parameterCount(),
      sampleRate: o.sampleRate,
      cached,
      naive,
      speedup: +(cached.samplesPerSec / naive.samplesPerSec).toFixed(1),
      simd: (await WavenetStepper.create(model as WavenetModel)).simd,
    };
  } finally {
    model.dispose();
  }
}
