// The built-in audio corpus: short melodies of harmonic tones, synthesised
// from a seed so a first audio run works offline and reproducibly. Each note
// has a few harmonics with decaying amplitude, a gentle vibrato and an ADSR
// envelope (a sharp onset, then decay to a sustain level and a release), so a
// model has pitch, timbre and rhythm to learn. Pure: returns float samples.
import { Rng } from '../rng.ts';

export interface MelodyClip {
  name: string;
  /** Mono samples in [-1, 1]. */
  samples: Float32Array;
}

export interface MelodyOptions {
  seed?: number;
  sampleRate?: number;
  clips?: number;
  /** Seconds per clip. */
  seconds?: number;
}

/** A major pentatonic scale over two octaves: every melody sounds consonant. */
const SCALE = [0, 2, 4, 7, 9, 12, 14, 16, 19, 21];
const BEAT_SECONDS = [0.125, 0.25, 0.25, 0.375, 0.5];

/** Synthesises `clips` melodies (default 12 × 5 s at 16 kHz: one minute). */
export function synthesizeMelodies(opts: MelodyOptions = {}): MelodyClip[] {
  const rate = opts.sampleRate ?? 16000;
  const rng = new Rng(opts.seed ?? 1);
  const count = opts.clips ?? 12;
  const seconds = opts.seconds ?? 5;
  const out: MelodyClip[] = [];
  for (let c = 0; c < count; c++) {
    const n = Math.round(seconds * rate);
    const x = new Float32Array(n);
    const root = 57 + rng.int(7); // A3..D#4
    const harmonics = 2 + rng.int(4); // timbre differs per clip
    const brightness = 0.35 + 0.4 * rng.next();
    const vibratoHz = 4.5 + 2 * rng.next();
    let t0 = 0;
    while (t0 < n) {
      const dur = Math.round(BEAT_SECONDS[rng.int(BEAT_SECONDS.length)]! * rate);
      const rest = rng.next() < 0.12;
      if (!rest)
        renderNote(
          x,
          t0,
          Math.min(dur, n - t0),
          440 * 2 ** ((root + SCALE[rng.int(SCALE.length)]! - 69) / 12),
          harmonics,
          brightness,
          vibratoHz,
          rate,
        );
      t0 += dur;
    }
    out.push({ name: `melody-${String(c + 1).padStart(2, '0')}`, samples: x });
  }
  return out;
}

function renderNote(
  x: Float32Array,
  start: number,
  len: number,
  f0: number,
  harmonics: number,
  brightness: number,
  vibratoHz: number,
  rate: number,
): void {
  const attack = Math.round(0.01 * rate);
  const decay = Math.round(0.08 * rate);
  const release = Math.min(Math.round(0.05 * rate), Math.floor(len / 3));
  const sustain = 0.6;
  // Harmonics above 0.45 · rate would alias: leave them out.
  const top = Math.max(1, Math.min(harmonics, Math.floor((0.45 * rate) / f0)));
  let norm = 0;
  for (let h = 1; h <= top; h++) norm += brightness ** (h - 1);
  const gain = 0.5 / norm;
  let phase = 0;
  for (let i = 0; i < len; i++) {
    let env: number;
    if (i < attack) env = i / attack;
    else if (i < attack + decay) env = 1 - ((1 - sustain) * (i - attack)) / decay;
    else env = sustain;
    if (i >= len - release) env *= (len - i) / release;
    const vib = 1 + 0.006 * Math.sin((2 * Math.PI * vibratoHz * i) / rate);
    phase += (2 * Math.PI * f0 * vib) / rate;
    let s = 0;
    for (let h = 1; h <= top; h++) s += brightness ** (h - 1) * Math.sin(h * phase);
    x[start + i]! += gain * env * s;
  }
}
