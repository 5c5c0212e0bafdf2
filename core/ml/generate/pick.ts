// Drawing the next output from a step's logits with our own seeded Rng, for
// every kind of generation: tokens of text and mu-law codes of audio
// (categorical, `drawCode`), pitches of a piano-roll frame (independent
// Bernoulli, `pitchOn`). Our Rng, not TF.js random ops, so a draw does not
// depend on the backend and WaveNet's cached and naive generators draw the
// same codes under one seed. Without top-k the draw allocates nothing: it runs
// once per audio sample, 16,000 times a second of sound.
import type { Rng } from '../rng.ts';

/** Index of the largest value (first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Softmax(logits / temperature) draw, over the `topK` most likely classes when 0 < topK < vocab (0 = all):
 * one rng.next() per call; temperature ≤ 0 is argmax (no draw).
 * @param logits [vocab]
 * @returns the class index
 */
export function drawCode(logits: ArrayLike<number>, temperature: number, rng: Rng, topK = 0): number {
  if (temperature <= 0) return argmax(logits);
  const n = logits.length;
  if (topK > 0 && topK < n) return drawTopK(logits, temperature, rng, topK);
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i]! > max) max = logits[i]!;
  let total = 0;
  for (let i = 0; i < n; i++) total += Math.exp((logits[i]! - max) / temperature);
  let u = rng.next() * total;
  for (let i = 0; i < n; i++) {
    u -= Math.exp((logits[i]! - max) / temperature);
    if (u <= 0) return i;
  }
  return n - 1;
}

/** The draw among the k most likely classes, walked from the most likely down (a stable sort: ties keep index order). */
function drawTopK(logits: ArrayLike<number>, temperature: number, rng: Rng, k: number): number {
  const ids = Array.from({ length: logits.length }, (_, i) => i)
    .sort((a, b) => logits[b]! - logits[a]!)
    .slice(0, k);
  const max = logits[ids[0]!]!;
  const weights = ids.map((i) => Math.exp((logits[i]! - max) / temperature));
  let u = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let j = 0; j < k; j++) {
    u -= weights[j]!;
    if (u <= 0) return ids[j]!;
  }
  return ids[k - 1]!;
}

/** One Bernoulli draw from a logit at a temperature (0: on when the probability is above one half). */
export function pitchOn(logit: number, temperature: number, rng: Rng): boolean {
  if (temperature <= 0) return logit > 0;
  return rng.next() < 1 / (1 + Math.exp(-logit / temperature));
}
