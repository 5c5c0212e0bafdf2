// Drawing the next code from a step's logits with our own seeded Rng, so the
// cached and naive generators draw the same codes under the same seed (TF.js
// random ops would tie the draw to the backend). Allocation-free: it runs once
// per audio sample, 16,000 times a second of sound.
import type { Rng } from '../rng.ts';

/** Index of the largest value (first on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/**
 * Softmax(logits / temperature) draw: one rng.next() per call; temperature ≤ 0 is argmax (no draw).
 * @param logits [vocab]
 */
export function drawCode(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  if (temperature <= 0) return argmax(logits);
  const n = logits.length;
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
