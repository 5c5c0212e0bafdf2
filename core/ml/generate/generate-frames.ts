// Polyphonic generation from a piano-roll model: prime with a few frames, then
// draw each next frame pitch by pitch from its independent Bernoulli (pick.ts:
// sigmoid of the logit over the temperature), through the model's own forward
// (steppers.ts). Pure: a model and numbers in, frames out.
import type { SequenceModel } from '../models/sequence-model.ts';
import type { Rng } from '../rng.ts';
import { pitchOn } from './pick.ts';
import { autoregress, forwardStepper, frameInput } from './steppers.ts';

/** At most this many frames a feed-forward music model re-reads per frame (the window path's cost guard). */
export const MUSIC_CONTEXT_CAP = 512;

export interface MusicSampleOptions {
  /** Frames to condition on, [primeSteps × numPitches] 0/1 row-major (at least one frame). */
  prime: Uint8Array;
  numPitches: number;
  /** Frames to generate. */
  steps: number;
  /** Divides the logits: below 1 sharper (fewer doubtful notes), 0 keeps exactly the pitches above one half. */
  temperature: number;
  rng: Rng;
}

/** @returns the generated frames (without the prime), [steps × numPitches] 0/1 row-major. */
export async function generateFrames(model: SequenceModel, opts: MusicSampleOptions): Promise<Uint8Array> {
  const P = opts.numPitches;
  if (P < 1 || opts.prime.length < P || opts.prime.length % P !== 0)
    throw new Error(`prime: must hold whole frames of ${P} pitches (got ${opts.prime.length} values)`);
  const out = new Uint8Array(opts.steps * P);
  const values = Float32Array.from(opts.prime);
  const prime: Float32Array[] = [];
  for (let f = 0; f < values.length; f += P) prime.push(values.subarray(f, f + P));
  await autoregress(forwardStepper(model, frameInput(P), MUSIC_CONTEXT_CAP), prime, opts.steps, (logits, t) => {
    const frame = new Float32Array(P);
    for (let p = 0; p < P; p++) frame[p] = pitchOn(logits[p]!, opts.temperature, opts.rng) ? 1 : 0;
    out.set(frame, t * P);
    return frame;
  });
  return out;
}
