// One entry for autoregressive generation of ids: tokens of text, mu-law codes
// of audio, any token-input model. Prime, then draw `length` ids one at a time.
//   wavenet, method 'cached' (default): per-layer queues in plain JS (wavenet-stepper.ts)
//   wavenet 'naive', tcn, gcnn, truncated: the model's forward over its receptive field per id (steppers.ts)
//   lstm, gru, rnn: one forward step per id, carrying the state (method ignored)
// Draws use our seeded Rng (pick.ts), so both WaveNet methods give the same ids under one seed.
import type { SequenceModel } from '../models/sequence-model.ts';
import { WavenetModel } from '../models/wavenet-model.ts';
import { Rng } from '../rng.ts';
import { drawCode } from './pick.ts';
import { autoregress, codeInput, forwardStepper, type Stepper } from './steppers.ts';
import { WavenetStepper } from './wavenet-stepper.ts';

export const GENERATION_METHODS = ['cached', 'naive'] as const;
export type GenerationMethod = (typeof GENERATION_METHODS)[number];

export interface GenerateCodesOptions {
  /** Codes to generate (the prime is not included in the result). */
  length: number;
  /** Softmax temperature; 0 picks the most likely code. */
  temperature: number;
  /** Draw among the k most likely codes only (0 or absent = all). */
  topK?: number;
  seed: number;
  /** Codes to condition on; default one code, the middle class (mu-law silence). */
  prime?: Int32Array;
  /** Called every `progressEvery` codes and after the last one. */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  /** WaveNet only: 'cached' (queues, default) or 'naive' (the reference). */
  method?: GenerationMethod;
  /** Window path only: at most this many codes re-read per forward (a cost guard; default the whole receptive field). */
  contextCap?: number;
  /** Sees the logits each drawn code came from (tests compare methods with it); the array is reused, copy to keep. */
  onLogits?: (logits: Float32Array, index: number) => void;
}

/** The generation path `generateCodes` takes for a model and method. */
export function generationPath(model: SequenceModel, method: GenerationMethod = 'cached'): 'wavenet-cached' | 'window' | 'recurrent' {
  if (model.recurrent) return 'recurrent';
  return model instanceof WavenetModel && method === 'cached' ? 'wavenet-cached' : 'window';
}

async function stepperFor(model: SequenceModel, method: GenerationMethod, contextCap?: number): Promise<Stepper<number>> {
  if (generationPath(model, method) !== 'wavenet-cached') return forwardStepper(model, codeInput, contextCap);
  const fast = await WavenetStepper.create(model as WavenetModel);
  return {
    // Prime codes go through the queues one by one: that is what fills them.
    feed: (codes) => {
      for (let i = 0; i < codes.length - 1; i++) fast.step(codes[i]!);
      return Promise.resolve(fast.step(codes[codes.length - 1]!));
    },
    dispose() {},
  };
}

/** @returns the generated codes, [length] */
export async function generateCodes(model: SequenceModel, o: GenerateCodesOptions): Promise<Int32Array> {
  if (!Number.isInteger(o.length) || o.length < 0) throw new Error(`generate: length must be a whole number ≥ 0, got ${o.length}`);
  if (model.config.inputFeatures > 0)
    throw new Error('generate: the model reads feature vectors, not codes, so it cannot be fed its own output');
  const vocab = model.config.vocabSize;
  const prime = o.prime && o.prime.length > 0 ? o.prime : Int32Array.of(Math.floor(vocab / 2));
  for (const c of prime) if (!(c >= 0 && c < vocab)) throw new RangeError(`generate: prime code ${c} is outside [0, ${vocab})`);
  const rng = new Rng(o.seed);
  const every = Math.max(1, o.progressEvery ?? 1000);
  const out = new Int32Array(o.length);
  await autoregress(await stepperFor(model, o.method ?? 'cached', o.contextCap), prime, o.length, (logits, i) => {
    o.onLogits?.(logits, i);
    const code = drawCode(logits, o.temperature, rng, o.topK);
    out[i] = code;
    if ((i + 1) % every === 0 || i + 1 === o.length) o.onProgress?.(i + 1, o.length);
    return code;
  });
  return out;
}
