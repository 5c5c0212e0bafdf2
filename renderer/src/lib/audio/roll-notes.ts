// A piano roll's notes and a WAV writer, DOM-free (synth-roll.ts makes the
// sound; these parts test in Node).

/** One note of a roll: MIDI number, first step, length in steps. */
export interface RollNote {
  midi: number;
  start: number;
  steps: number;
}

/**
 * Merges each pitch's consecutive sounding steps into notes.
 * @param steps per step, the MIDI notes sounding
 */
export function rollNotes(steps: readonly (readonly number[])[]): RollNote[] {
  const notes: RollNote[] = [];
  const open = new Map<number, number>();
  for (let t = 0; t <= steps.length; t++) {
    const now = new Set(t < steps.length ? steps[t] : []);
    for (const [midi, start] of open) {
      if (!now.has(midi)) {
        notes.push({ midi, start, steps: t - start });
        open.delete(midi);
      }
    }
    for (const midi of now) if (!open.has(midi)) open.set(midi, t);
  }
  return notes.sort((a, b) => a.start - b.start || a.midi - b.midi);
}

/** Mono samples in [-1, 1] as a 16-bit PCM WAV file. */
export function pcmToWav(samples: Float32Array, rate: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(44 + 2 * samples.length);
  const v = new DataView(out.buffer);
  const text = (at: number, s: string) => [...s].forEach((c, i) => v.setUint8(at + i, c.charCodeAt(0)));
  text(0, 'RIFF');
  v.setUint32(4, 36 + 2 * samples.length, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  text(36, 'data');
  v.setUint32(40, 2 * samples.length, true);
  for (let i = 0; i < samples.length; i++) v.setInt16(44 + 2 * i, Math.round(Math.max(-1, Math.min(1, samples[i]!)) * 32767), true);
  return out;
}
