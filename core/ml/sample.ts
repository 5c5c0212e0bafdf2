// Autoregressive generation: prime, then draw one token at a time.
// Recurrent models step their state (one token per forward); feed-forward
// models re-read the last receptiveField tokens each step.
import * as tf from '@tensorflow/tfjs';
import { tidy } from './engine/tidy.ts';
import type { ModelState, SequenceModel } from './models/sequence-model.ts';
import type { Rng } from './rng.ts';

export interface SampleOptions {
  /** Token ids to condition on (at least one). */
  prime: ArrayLike<number>;
  /** Tokens to generate. */
  length: number;
  /** Softmax temperature; 0 picks the most likely token. */
  temperature: number;
  /** Keep only the k most likely tokens (0 = all). */
  topK: number;
  rng: Rng;
  /** Upper bound on the context a feed-forward model re-reads per step. */
  contextCap?: number;
  onToken?: (id: number, index: number) => void;
}

/** @returns the generated ids (without the prime). */
export async function generate(model: SequenceModel, opts: SampleOptions): Promise<number[]> {
  if (opts.prime.length < 1) throw new Error('sample: prime must hold at least one token');
  const out: number[] = [];
  const history = Array.from(opts.prime);
  let state: ModelState = model.initialState(1);
  let input = history;
  const context = model.recurrent ? Infinity : Math.min(model.receptiveField(), opts.contextCap ?? 1024);
  try {
    for (let i = 0; i < opts.length; i++) {
      if (!model.recurrent) input = history.slice(-context);
      const { last, next } = tidy(() => {
        const r = model.forward(tf.tensor2d(input, [1, input.length], 'int32'), state, { training: false });
        return { last: tf.squeeze(tf.slice(r.logits, [0, input.length - 1, 0], [1, 1, -1])), next: r.state };
      });
      const logits = (await last.data()) as Float32Array;
      last.dispose();
      state?.forEach((t) => t.dispose());
      state = next;
      const id = pickToken(logits, opts.temperature, opts.topK, opts.rng);
      out.push(id);
      history.push(id);
      input = [id];
      opts.onToken?.(id, i);
    }
  } finally {
    state?.forEach((t) => t.dispose());
  }
  return out;
}

/** Temperature + top-k sampling from logits, in plain JS. */
export function pickToken(logits: Float32Array, temperature: number, topK: number, rng: Rng): number {
  if (temperature <= 0) return argmax(logits);
  let ids = Array.from(logits.keys());
  if (topK > 0 && topK < ids.length) ids = ids.sort((a, b) => logits[b]! - logits[a]!).slice(0, topK);
  const max = Math.max(...ids.map((i) => logits[i]!));
  const weights = ids.map((i) => Math.exp((logits[i]! - max) / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.next() * total;
  for (let j = 0; j < ids.length; j++) {
    u -= weights[j]!;
    if (u <= 0) return ids[j]!;
  }
  return ids[ids.length - 1]!;
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
