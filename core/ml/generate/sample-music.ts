// Polyphonic generation from a piano-roll model: prime with a few frames, then
// draw each next frame pitch by pitch from its independent Bernoulli
// (sigmoid of the logit over the temperature). Recurrent models step their
// state one frame per forward; feed-forward models re-read the last
// receptiveField frames. Pure: a model and numbers in, frames out.
import * as tf from '@tensorflow/tfjs';
import { tidy } from '../engine/tidy.ts';
import type { ModelState, SequenceModel } from '../models/sequence-model.ts';
import type { Rng } from '../rng.ts';

export interface MusicSampleOptions {
  /** Frames to condition on, [primeSteps × numPitches] 0/1 row-major (at least one frame). */
  prime: Uint8Array;
  numPitches: number;
  /** Frames to generate. */
  steps: number;
  /** Divides the logits: below 1 sharper (fewer doubtful notes), 0 keeps exactly the pitches above one half. */
  temperature: number;
  rng: Rng;
  /** Upper bound on the context a feed-forward model re-reads per step. */
  contextCap?: number;
}

/** @returns the generated frames (without the prime), [steps × numPitches] 0/1 row-major. */
export async function generateFrames(model: SequenceModel, opts: MusicSampleOptions): Promise<Uint8Array> {
  const P = opts.numPitches;
  if (P < 1 || opts.prime.length < P || opts.prime.length % P !== 0)
    throw new Error(`prime: must hold whole frames of ${P} pitches (got ${opts.prime.length} values)`);
  const out = new Uint8Array(opts.steps * P);
  const frames = Float32Array.from(opts.prime);
  const history: Float32Array[] = [];
  for (let f = 0; f < frames.length; f += P) history.push(frames.subarray(f, f + P));
  let input = history;
  let state: ModelState = model.initialState(1);
  const context = model.recurrent ? Infinity : Math.max(1, Math.min(model.receptiveField(), opts.contextCap ?? 512));
  try {
    for (let t = 0; t < opts.steps; t++) {
      if (!model.recurrent) input = history.slice(-context);
      const flat = new Float32Array(input.length * P);
      input.forEach((frame, i) => flat.set(frame, i * P));
      const { last, next } = tidy(() => {
        const r = model.forward(tf.tensor3d(flat, [1, input.length, P]), state, { training: false });
        return { last: tf.reshape(tf.slice(r.logits, [0, input.length - 1, 0], [1, 1, -1]), [-1]), next: r.state };
      });
      const logits = (await last.data()) as Float32Array;
      last.dispose();
      state?.forEach((s) => s.dispose());
      state = next;
      const frame = new Float32Array(P);
      for (let p = 0; p < P; p++) frame[p] = pitchOn(logits[p]!, opts.temperature, opts.rng) ? 1 : 0;
      out.set(frame, t * P);
      history.push(frame);
      input = [frame];
    }
  } finally {
    state?.forEach((s) => s.dispose());
  }
  return out;
}

/** One Bernoulli draw from a logit at a temperature (0: on when the probability is above one half). */
export function pitchOn(logit: number, temperature: number, rng: Rng): boolean {
  if (temperature <= 0) return logit > 0;
  return rng.next() < 1 / (1 + Math.exp(-logit / temperature));
}
